"""Who sees what in the library, from the viewer's side: every tier, grants (by person and by
role, lapsing when they expire), families only what is published to them, and a sensitive
resource reaching partner schools only after a leader approves."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import AuditEntry, Role
from resources import services
from resources.models import Kind, Status, Visibility
from resources.policies import access_resource, may_approve, may_edit, resources_visible_to
from tests.resources.world import build_world, make_resource

pytestmark = pytest.mark.django_db

TIERS = [tier.value for tier in Visibility]


@pytest.fixture
def world(db):
    w = build_world()
    for tier in Visibility:
        make_resource(author=w.author, school=w.home, title=f"tier {tier.value}", visibility=tier, department=w.maths)
    make_resource(author=w.author, school=w.home, title="draft", status=Status.DRAFT)
    make_resource(
        author=w.author,
        school=w.home,
        title="family strategy",
        kind=Kind.HOME_STRATEGY,
        published_to_families=True,
    )
    make_resource(
        author=w.author,
        school=w.home,
        title="family draft",
        kind=Kind.HOME_STRATEGY,
        published_to_families=True,
        status=Status.DRAFT,
    )
    make_resource(
        author=w.stranger_teacher,
        school=w.stranger,
        title="open strategy elsewhere",
        kind=Kind.HOME_STRATEGY,
        visibility=Visibility.PUBLIC,
        published_to_families=True,
    )
    make_resource(
        author=w.stranger_teacher,
        school=w.stranger,
        title="school-only strategy elsewhere",
        kind=Kind.HOME_STRATEGY,
        published_to_families=True,
    )
    return w


HOME_STAFF_SEE = {"tier school", "tier partners", "tier community", "tier public", "family strategy"}
ANY_EDUCATOR_SEES = {"tier community", "tier public", "open strategy elsewhere"}


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        (
            "author",
            {f"tier {tier}" for tier in TIERS}
            | {"draft", "family strategy", "family draft", "open strategy elsewhere"},
        ),
        ("maths_colleague", HOME_STAFF_SEE | {"tier department", "open strategy elsewhere"}),
        ("english_colleague", HOME_STAFF_SEE | {"open strategy elsewhere"}),
        ("leader", HOME_STAFF_SEE | {"open strategy elsewhere"}),
        ("partner_teacher", ANY_EDUCATOR_SEES | {"tier partners"}),
        ("stranger_teacher", ANY_EDUCATOR_SEES | {"school-only strategy elsewhere"}),
        ("parent", {"family strategy", "open strategy elsewhere"}),
        ("far_parent", {"open strategy elsewhere", "school-only strategy elsewhere"}),
        # Open and published to families: anyone signed in.
        ("nobody", {"open strategy elsewhere"}),
    ],
)
def test_each_viewer_sees_exactly_their_tiers(world, viewer, expected):
    seen = set(resources_visible_to(getattr(world, viewer)).values_list("title", flat=True))
    assert seen == expected


def test_a_teacher_at_a_non_partner_school_gets_404_for_a_partners_resource(world, client):
    resource = world.author.resources.get(title="tier partners")
    with pytest.raises(Http404):
        access_resource(user=world.stranger_teacher, resource_id=resource.pk)
    assert access_resource(user=world.partner_teacher, resource_id=resource.pk) == resource


def test_a_deleted_resource_is_gone_for_its_author_too_and_the_deletion_is_audited(world):
    resource = world.author.resources.get(title="tier school")
    services.resource_delete(user=world.author, resource=resource)
    with pytest.raises(Http404):
        access_resource(user=world.author, resource_id=resource.pk)
    assert AuditEntry.objects.filter(action="resource.deleted", target_id=str(resource.pk)).exists()


def test_a_grant_to_a_person_opens_a_private_resource_until_it_expires(world):
    resource = world.author.resources.get(title="tier private")
    grant = services.grant_add(
        user=world.author,
        resource=resource,
        grantee=world.stranger_teacher,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    assert access_resource(user=world.stranger_teacher, resource_id=resource.pk) == resource
    with pytest.raises(Http404):
        access_resource(user=world.partner_teacher, resource_id=resource.pk)
    # Time passes: the grant lapses at read time, with nothing run in between.
    grant.expires_at = timezone.now() - dt.timedelta(seconds=1)
    grant.save()
    with pytest.raises(Http404):
        access_resource(user=world.stranger_teacher, resource_id=resource.pk)


def test_a_grant_to_a_role_at_a_school_reaches_only_that_role(world):
    resource = world.author.resources.get(title="tier private")
    services.grant_add(user=world.author, resource=resource, school=world.stranger, role=Role.LEADER)
    assert access_resource(user=world.stranger_leader, resource_id=resource.pk) == resource
    with pytest.raises(Http404):
        access_resource(user=world.stranger_teacher, resource_id=resource.pk)


def test_a_grant_in_the_past_is_refused(world):
    resource = world.author.resources.get(title="tier private")
    with pytest.raises(services.ResourceRefused):
        services.grant_add(
            user=world.author,
            resource=resource,
            grantee=world.partner_teacher,
            expires_at=timezone.now() - dt.timedelta(days=1),
        )


def test_a_sensitive_resource_reaches_partners_only_after_a_leader_approves(world):
    resource = make_resource(
        author=world.author, school=world.home, title="sensitive", visibility=Visibility.SCHOOL, sensitive=True
    )
    outcome = services.resource_share(
        user=world.author, resource=resource, visibility=Visibility.PARTNERS, published_to_families=False
    )
    assert not outcome.shared
    with pytest.raises(Http404):
        access_resource(user=world.partner_teacher, resource_id=resource.pk)
    # Only a leader of the resource's school decides.
    assert not may_approve(user=world.stranger_leader, resource=resource)
    with pytest.raises(services.PermissionDenied):
        services.approval_decide(user=world.author, approval=outcome.approval, approve=True)
    services.approval_decide(user=world.leader, approval=outcome.approval, approve=True)
    assert access_resource(user=world.partner_teacher, resource_id=resource.pk) == resource
    actions = list(
        AuditEntry.objects.filter(target_id=str(resource.pk), action__startswith="resource.share").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["resource.share_approved", "resource.share_requested"]


def test_a_sensitive_resource_cannot_be_granted_beyond_the_school_but_by_a_leader(world):
    resource = make_resource(author=world.author, school=world.home, title="sensitive", sensitive=True)
    with pytest.raises(services.ResourceRefused):
        services.grant_add(user=world.author, resource=resource, grantee=world.stranger_teacher)
    services.grant_add(user=world.leader, resource=resource, grantee=world.stranger_teacher)
    assert access_resource(user=world.stranger_teacher, resource_id=resource.pk) == resource


def test_only_the_author_or_a_leader_edits(world):
    resource = world.author.resources.get(title="tier school")
    assert may_edit(user=world.author, resource=resource)
    assert may_edit(user=world.leader, resource=resource)
    assert not may_edit(user=world.maths_colleague, resource=resource)
    assert not may_edit(user=world.stranger_leader, resource=resource)
