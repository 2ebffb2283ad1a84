"""Families suggest home strategies; the school's SENDCOs and leaders moderate them before any
other family sees them; everyone concerned is told, once, and only while they still may know."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import AuditEntry, Membership, Role, TOTPDevice
from accounts.policies import requires_two_factor
from hub.models import OutboxEntry
from messaging.models import Notification
from resources import notices, services
from resources.models import Kind, Resource, Status, StrategySuggestion, Tag, TagKind, Visibility
from resources.policies import resources_visible_to
from tests import factories
from tests.conftest import force_verified_login
from tests.resources.world import build_world, make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    w.sendco = factories.UserFactory(display_name="Sam Sendco")
    w.sendco_membership = factories.MembershipFactory(user=w.sendco, school=w.home, role=Role.SENDCO)
    w.stranger_sendco = factories.UserFactory()
    factories.MembershipFactory(user=w.stranger_sendco, school=w.stranger, role=Role.SENDCO)
    # Another family at the same school.
    w.other_parent = factories.UserFactory(display_name="Olly Otherparent")
    factories.GuardianshipFactory(guardian=w.other_parent, pupil=factories.PupilFactory(school=w.home))
    w.anxiety = Tag.objects.create(kind=TagKind.NEED, name="Anxiety")
    # A published strategy tagged with the need, so the family is offered it.
    make_resource(
        author=w.author,
        school=w.home,
        title="Breathing with a balloon",
        kind=Kind.HOME_STRATEGY,
        published_to_families=True,
        tags=[(TagKind.NEED, "Anxiety")],
    )
    return w


def suggest(world, *, show_name=False, **fields):
    return services.strategy_suggest(
        guardian=fields.pop("guardian", world.parent),
        school=fields.pop("school", world.home),
        title=fields.pop("title", "Counting the stairs"),
        body=fields.pop("body", "<p>Count the stairs on the way to bed.</p>"),
        needs=fields.pop("needs", [world.anxiety]),
        link_url=fields.pop("link_url", ""),
        show_name=show_name,
    )


def login(client, user) -> None:
    """Signed in, past the second factor when the role needs one (a SENDCO)."""
    client.force_login(user)
    if requires_two_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            force_verified_login(client, user)
            return
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def status_of(client, user, resource) -> int:
    login(client, user)
    return client.get(reverse("resources:detail", args=[resource.pk])).status_code


def told(kind, target) -> list[int]:
    from messaging.notifications.targets import label_of

    return sorted(
        Notification.objects.filter(kind=kind, target_type=label_of(target), target_id=target.pk).values_list(
            "user_id", flat=True
        )
    )


# Suggesting ---------------------------------------------------------------------------------------


def test_a_guardian_suggests_a_strategy_that_waits_for_moderation(client, world):
    login(client, world.parent)
    page = client.get(reverse("resources:suggest"))
    assert page.status_code == 200
    assert "Anxiety" in page.content.decode()
    response = client.post(
        reverse("resources:suggest"),
        {
            "school": world.home.pk,
            "title": "Counting the stairs",
            "body": '<p>Count together.</p><script>alert("x")</script><p onclick="x()">Slowly</p>',
            "needs": [world.anxiety.pk],
            "link_url": "https://video.example/stairs",
            "show_name": "",
        },
    )
    resource = Resource.objects.get(title="Counting the stairs")
    assert response.status_code == 302
    assert response.url == reverse("resources:detail", args=[resource.pk])
    assert (resource.status, resource.visibility, resource.published_to_families) == (
        Status.MODERATION,
        Visibility.PRIVATE,
        False,
    )
    assert resource.from_family
    assert resource.kind == Kind.HOME_STRATEGY
    assert resource.author == world.parent
    assert "<script" not in resource.body
    assert "onclick" not in resource.body
    assert "Count together." in resource.body
    assert list(resource.tags.all()) == [world.anxiety]
    assert resource.link_url == "https://video.example/stairs"
    assert StrategySuggestion.objects.get(resource=resource).show_name is False
    assert AuditEntry.objects.filter(action="resource.suggested", target_id=str(resource.pk)).exists()
    assert "The school checks your suggestion" in client.get(response.url).content.decode()


def test_only_its_author_and_the_school_s_moderators_see_a_waiting_suggestion(client, world):
    resource = suggest(world)
    for person in (world.parent, world.sendco, world.leader):
        assert status_of(client, person, resource) == 200, person
    for person in (
        world.other_parent,
        world.far_parent,
        world.author,  # a teacher at the school, not a moderator
        world.stranger_teacher,
        world.stranger_sendco,
        world.partner_teacher,
        world.nobody,
    ):
        assert status_of(client, person, resource) == 404, person
    login(client, world.other_parent)
    assert "Counting the stairs" not in client.get(reverse("resources:library")).content.decode()


def test_a_parent_suggests_only_at_their_own_children_s_schools(client, world):
    with pytest.raises(PermissionDenied):
        suggest(world, school=world.stranger)
    login(client, world.parent)
    response = client.post(
        reverse("resources:suggest"), {"school": world.stranger.pk, "title": "Elsewhere", "body": "<p>Hi</p>"}
    )
    assert response.status_code == 422
    assert not Resource.objects.filter(title="Elsewhere").exists()
    for person in (world.nobody, world.author):  # no child at any school
        login(client, person)
        assert client.get(reverse("resources:suggest")).status_code == 404


def test_a_family_cannot_edit_share_or_review_their_own_suggestion(client, world):
    resource = suggest(world)
    login(client, world.parent)
    for name in ("edit", "share", "version_new"):
        assert client.get(reverse(f"resources:{name}", args=[resource.pk])).status_code == 404
    shared = client.post(reverse("resources:share", args=[resource.pk]), {"visibility": "public"})
    assert shared.status_code == 404
    resource.refresh_from_db()
    assert resource.status == Status.MODERATION
    assert resource.visibility == Visibility.PRIVATE


# Deciding -----------------------------------------------------------------------------------------


def test_a_family_withdraws_their_waiting_suggestion_and_the_school_no_longer_sees_it(client, world):
    resource = suggest(world)
    notices.suggestion_waiting_notify(resource_id=resource.pk)
    login(client, world.sendco)
    assert "Counting the stairs" in client.get(reverse("resources:suggestions")).content.decode()
    url = reverse("resources:suggestion_withdraw", args=[resource.pk])

    # Nobody else may withdraw it: another parent, a moderator, a stranger.
    for person in (world.other_parent, world.sendco, world.stranger_sendco):
        login(client, person)
        assert client.post(url).status_code == 404
    resource.refresh_from_db()
    assert resource.deleted_at is None

    login(client, world.parent)
    page = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert "Withdraw my suggestion" in page
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("resources:library")
    assert "Your suggestion is withdrawn" in response.content.decode()
    resource.refresh_from_db()
    assert resource.deleted_at is not None  # kept, soft-deleted
    assert AuditEntry.objects.filter(action="resource.suggestion_withdrawn", target_id=str(resource.pk)).exists()
    assert client.get(reverse("resources:detail", args=[resource.pk])).status_code == 404

    login(client, world.sendco)
    assert "Counting the stairs" not in client.get(reverse("resources:suggestions")).content.decode()
    assert client.get(reverse("resources:suggestion", args=[resource.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.suggestion_decide(moderator=world.sendco, resource=resource, approve=True)


def test_a_published_suggestion_can_no_longer_be_withdrawn(client, world):
    resource = suggest(world)
    services.suggestion_decide(moderator=world.leader, resource=resource, approve=True)
    login(client, world.parent)
    page = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert "Withdraw my suggestion" not in page
    response = client.post(reverse("resources:suggestion_withdraw", args=[resource.pk]), follow=True)
    assert "can no longer be withdrawn" in response.content.decode()
    resource.refresh_from_db()
    assert (resource.deleted_at, resource.status) == (None, Status.PUBLISHED)
    assert not AuditEntry.objects.filter(action="resource.suggestion_withdrawn").exists()


def test_the_library_links_moderators_to_the_queue_with_a_count(client, world):
    suggest(world)
    suggest(world, title="Second one")
    login(client, world.sendco)
    page = client.get(reverse("resources:library")).content.decode()
    assert "Suggestions from parents (2 waiting)" in page
    queue = client.get(reverse("resources:suggestions"))
    assert queue.status_code == 200
    assert "Counting the stairs" in queue.content.decode()
    assert "Second one" in queue.content.decode()
    for person in (world.author, world.parent):
        login(client, person)
        assert 'id="suggestions-waiting"' not in client.get(reverse("resources:library")).content.decode()
    login(client, world.stranger_sendco)
    assert "Suggestions from parents (0 waiting)" in client.get(reverse("resources:library")).content.decode()
    assert "Counting the stairs" not in client.get(reverse("resources:suggestions")).content.decode()
    for person in (world.author, world.parent):
        login(client, person)
        assert client.get(reverse("resources:suggestions")).status_code == 404


def test_a_moderator_approves_and_then_the_school_s_families_see_it_from_a_parent(client, world):
    resource = suggest(world)
    login(client, world.sendco)
    response = client.post(reverse("resources:suggestion", args=[resource.pk]), {"decision": "approve"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.status, resource.visibility, resource.published_to_families) == (
        Status.PUBLISHED,
        Visibility.SCHOOL,
        True,
    )
    login(client, world.other_parent)
    page = client.get(reverse("resources:detail", args=[resource.pk]))
    assert page.status_code == 200
    assert "A parent at Riverside Primary" in page.content.decode()
    assert "Pat Parent" not in page.content.decode()
    assert status_of(client, world.far_parent, resource) == 404
    assert status_of(client, world.stranger_teacher, resource) == 404
    assert AuditEntry.objects.filter(action="resource.suggestion_approved", target_id=str(resource.pk)).count() == 1
    # Once published, the school's leaders look after it; the family still cannot edit it.
    assert status_of(client, world.parent, resource) == 200
    assert client.get(reverse("resources:edit", args=[resource.pk])).status_code == 404


def test_a_family_who_asked_to_be_named_is_credited_by_name(client, world):
    resource = suggest(world, show_name=True)
    services.suggestion_decide(moderator=world.leader, resource=resource, approve=True)
    login(client, world.other_parent)
    assert "Pat Parent" in client.get(reverse("resources:detail", args=[resource.pk])).content.decode()


def test_a_decline_shows_its_reason_to_the_parent_only(client, world):
    resource = suggest(world)
    login(client, world.sendco)
    url = reverse("resources:suggestion", args=[resource.pk])
    missing = client.post(url, {"decision": "decline", "reason": "  "})
    assert missing.status_code == 422
    assert "Say why it cannot be published" in missing.content.decode()
    client.post(url, {"decision": "decline", "reason": "It names another child in the class."})
    resource.refresh_from_db()
    assert resource.status == Status.DECLINED
    login(client, world.parent)
    page = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert "It names another child in the class." in page
    for person in (world.other_parent, world.leader, world.author, world.far_parent):
        assert status_of(client, person, resource) == 404, person
    login(client, world.sendco)
    assert "It names another child" not in client.get(url).content.decode()
    assert AuditEntry.objects.filter(action="resource.suggestion_declined", target_id=str(resource.pk)).count() == 1


def test_deciding_twice_changes_nothing_the_second_time(client, world, django_capture_on_commit_callbacks):
    resource = suggest(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.suggestion_decide(moderator=world.sendco, resource=resource, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.suggestion_decide(moderator=world.leader, resource=resource, approve=False, reason="No")
    assert first.changed
    assert not second.changed
    resource.refresh_from_db()
    assert resource.status == Status.PUBLISHED
    assert StrategySuggestion.objects.get(resource=resource).decided_by == world.sendco
    assert AuditEntry.objects.filter(action__startswith="resource.suggestion_", target_id=str(resource.pk)).count() == 1
    assert told(notices.DECIDED_KIND, resource) == [world.parent.pk]
    login(client, world.leader)
    again = client.post(reverse("resources:suggestion", args=[resource.pk]), {"decision": "decline", "reason": "x"})
    assert again.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Status.PUBLISHED


def test_a_moderator_who_lost_the_role_cannot_decide(client, world):
    resource = suggest(world)
    login(client, world.sendco)
    url = reverse("resources:suggestion", args=[resource.pk])
    assert client.get(url).status_code == 200
    Membership.objects.filter(pk=world.sendco_membership.pk).update(is_active=False)
    assert client.post(url, {"decision": "approve"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.suggestion_decide(moderator=world.sendco, resource=resource, approve=True)
    resource.refresh_from_db()
    assert resource.status == Status.MODERATION


def test_moderators_of_another_school_and_teachers_get_404_on_the_decision_page(client, world):
    resource = suggest(world)
    url = reverse("resources:suggestion", args=[resource.pk])
    for person in (world.stranger_sendco, world.stranger_leader, world.author, world.parent, world.other_parent):
        login(client, person)
        assert client.get(url).status_code == 404, person
        assert client.post(url, {"decision": "approve"}).status_code == 404, person
    resource.refresh_from_db()
    assert resource.status == Status.MODERATION


# Notices ------------------------------------------------------------------------------------------


def test_a_suggestion_tells_the_school_s_moderators_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resource = suggest(world)
    assert OutboxEntry.objects.filter(effect=notices.SUGGESTION_WAITING, object_id=resource.pk).count() == 1
    assert told(notices.TO_DECIDE_KIND, resource) == sorted([world.sendco.pk, world.leader.pk])
    notice = Notification.objects.get(user=world.sendco, kind=notices.TO_DECIDE_KIND)
    assert notice.url == reverse("resources:suggestion", args=[resource.pk])
    assert "Counting the stairs" in notice.title
    # The handler run again (a retry after a crash) tells nobody twice.
    assert notices.suggestion_waiting_notify(resource_id=resource.pk) == 0
    assert len(told(notices.TO_DECIDE_KIND, resource)) == 2


def test_a_moderator_whose_role_ended_before_the_notice_went_is_not_told(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the suggestion is saved; its notice waits
        resource = suggest(world)
    Membership.objects.filter(pk=world.sendco_membership.pk).update(is_active=False)
    assert notices.suggestion_waiting_notify(resource_id=resource.pk) == 1
    assert told(notices.TO_DECIDE_KIND, resource) == [world.leader.pk]


def test_a_suggestion_decided_before_its_notice_went_tells_no_moderator(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        resource = suggest(world)
        services.suggestion_decide(moderator=world.leader, resource=resource, approve=True)
    assert notices.suggestion_waiting_notify(resource_id=resource.pk) == 0


def test_a_rolled_back_suggestion_announces_nothing(world):
    from django.db import transaction

    def suggest_then_fail():
        with transaction.atomic():
            suggest(world)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        suggest_then_fail()
    assert not OutboxEntry.objects.filter(effect=notices.SUGGESTION_WAITING).exists()


def test_the_decision_tells_the_parent(world, django_capture_on_commit_callbacks):
    approved = suggest(world)
    declined = suggest(world, title="Another")
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_decide(moderator=world.sendco, resource=approved, approve=True)
        services.suggestion_decide(moderator=world.sendco, resource=declined, approve=False, reason="Too vague")
    assert told(notices.DECIDED_KIND, approved) == [world.parent.pk]
    assert told(notices.DECIDED_KIND, declined) == [world.parent.pk]
    titles = set(Notification.objects.filter(user=world.parent).values_list("title", flat=True))
    assert "Your home strategy is published: Counting the stairs" in titles
    assert "Your home strategy was not published: Another" in titles
    assert notices.suggestion_decided_notify(resource_id=approved.pk) == 0


def test_a_sensitive_share_request_tells_the_school_s_leaders(world, django_capture_on_commit_callbacks):
    resource = make_resource(
        author=world.author, school=world.home, title="Behaviour plan", visibility=Visibility.SCHOOL, sensitive=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.resource_share(
            user=world.author, resource=resource, visibility=Visibility.COMMUNITY, published_to_families=False
        )
    approval = outcome.approval
    assert not outcome.shared
    assert told(notices.TO_DECIDE_KIND, approval) == [world.leader.pk]
    assert Notification.objects.get(user=world.leader, kind=notices.TO_DECIDE_KIND).url == reverse(
        "resources:approvals"
    )
    # Asking again (another tier) while it waits tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_share(
            user=world.author, resource=resource, visibility=Visibility.PARTNERS, published_to_families=False
        )
    assert notices.share_requested_notify(approval_id=approval.pk) == 0
    assert told(notices.TO_DECIDE_KIND, approval) == [world.leader.pk]
    # The leader's decision tells the colleague who asked.
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_decide(user=world.leader, approval=approval, approve=True)
    assert told(notices.DECIDED_KIND, approval) == [world.author.pk]
    assert notices.share_decided_notify(approval_id=approval.pk) == 0


def test_a_leader_who_left_before_the_share_notice_went_is_not_told(world, django_capture_on_commit_callbacks):
    second_leader = factories.UserFactory()
    factories.MembershipFactory(user=second_leader, school=world.home, role=Role.LEADER)
    resource = make_resource(
        author=world.author, school=world.home, title="Behaviour plan", visibility=Visibility.SCHOOL, sensitive=True
    )
    with django_capture_on_commit_callbacks(execute=False):
        approval = services.resource_share(
            user=world.author, resource=resource, visibility=Visibility.COMMUNITY, published_to_families=False
        ).approval
    Membership.objects.filter(user=world.leader, role=Role.LEADER).update(is_active=False)
    assert notices.share_requested_notify(approval_id=approval.pk) == 1
    assert told(notices.TO_DECIDE_KIND, approval) == [second_leader.pk]


def test_the_kinds_are_declared_with_their_choices():
    from messaging.notifications import kinds

    assert kinds.get(notices.TO_DECIDE_KIND).per_child is False
    assert kinds.get(notices.DECIDED_KIND).default_frequency("email") == "instant"


# Query counts -------------------------------------------------------------------------------------


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("resources:suggestions"))
    assert response.status_code == 200
    return len(captured)


def test_the_queue_page_costs_the_same_at_two_sizes(client, world):
    for n in range(2):
        suggest(world, title=f"Idea {n}")
    login(client, world.sendco)
    small = _queue_queries(client)
    for n in range(2, 14):
        family = factories.UserFactory()
        factories.GuardianshipFactory(guardian=family, pupil=factories.PupilFactory(school=world.home))
        suggest(world, guardian=family, title=f"Idea {n}", show_name=bool(n % 2))
    assert _queue_queries(client) == small
    assert resources_visible_to(world.sendco).filter(status=Status.MODERATION).count() == 14
