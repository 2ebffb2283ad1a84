"""Who may see and do what in the resource library. The only place these rules live; every answer
is read from the database on each call, so a lapsed grant or a withdrawn role counts at once.

A resource is seen by
- its author, whatever its status;
- when published, the people its tier reaches: the author's department, the school's staff, the
  staff of schools the school names as partners, every school's staff (community), or anyone
  signed in (public);
- people it is granted to (by name, or by role at a school) until the grant expires;
- families (guardians with viewing rights) only when it is published *and* published to families,
  from their children's schools at a tier of the school or wider, or public.
A sensitive resource never reaches beyond its school's tiers without a leader's approval: the
sharing service refuses to set such a tier until a leader approves (see services.resource_share).

A home strategy a family suggests waits for moderation: until a moderator of its school (its
SENDCOs and school leaders) approves it, only its author and those moderators see it; once
declined, only its author (who reads why).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import policies as people
from accounts.models import Guardianship, Membership, Role, School, User
from resources.models import TIERS_BEYOND_SCHOOL, Partnership, Resource, ResourceGrant, Status, Visibility

FAMILY_TIERS = (Visibility.SCHOOL, Visibility.PARTNERS, Visibility.COMMUNITY, Visibility.PUBLIC)
# Who decides on the home strategies families suggest at their school.
MODERATOR_ROLES = (Role.SENDCO, Role.LEADER)


def grants_in_force(user: User) -> QuerySet[ResourceGrant]:
    """Grants that reach `user` now: to them by name, or to a role they hold at that school."""
    now = timezone.now()
    holds_role = Membership.objects.filter(user=user, is_active=True, school=OuterRef("school"), role=OuterRef("role"))
    return ResourceGrant.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).filter(
        Q(user=user) | Q(user__isnull=True, school__isnull=False) & Exists(holds_role)
    )


def resources_visible_to(user: User) -> QuerySet[Resource]:
    if not user.is_authenticated:
        return Resource.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    schools = memberships.values("school_id")
    departments = memberships.filter(department__isnull=False).values("department_id")
    partner_of = Partnership.objects.filter(partner_id__in=schools).values("school_id")
    published = Q(status=Status.PUBLISHED)
    staff = (
        Q(visibility=Visibility.DEPARTMENT, department_id__in=departments)
        | Q(visibility__in=[Visibility.SCHOOL, *TIERS_BEYOND_SCHOOL], school_id__in=schools)
        | Q(visibility=Visibility.PARTNERS, school_id__in=partner_of)
        # The platform's educators: anyone with a staff role somewhere (a parent is not).
        | Q(Exists(memberships), visibility__in=[Visibility.COMMUNITY, Visibility.PUBLIC])
    )
    family_schools = people.viewing_guardianships().filter(guardian=user).values("pupil__school_id")
    family = Q(published_to_families=True) & (
        Q(visibility__in=FAMILY_TIERS, school_id__in=family_schools) | Q(visibility=Visibility.PUBLIC)
    )
    granted = grants_in_force(user).values("resource_id")
    moderated = memberships.filter(role__in=MODERATOR_ROLES).values("school_id")
    waiting = Q(status=Status.MODERATION, school_id__in=moderated)
    return Resource.objects.filter(deleted_at__isnull=True).filter(
        Q(author=user) | Q(pk__in=granted) | published & (staff | family) | waiting
    )


def access_resource(*, user: User, resource_id, for_update: bool = False) -> Resource:
    """The resource if `user` may see it; otherwise Http404, whatever the reason."""
    try:
        resource = resources_visible_to(user).select_related("school", "author").get(pk=resource_id)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(resource, "school", "author") if for_update else resource


def may_edit(*, user: User, resource: Resource) -> bool:
    """The author, or a school leader of the resource's school. A family's suggestion is never
    edited, shared or deleted while it waits or once declined (a moderator decides it, which is
    the only way it is published); once published, its school's leaders look after it, not the
    family."""
    if resource.status in (Status.MODERATION, Status.DECLINED):
        return False
    if resource.author_id == user.pk and not resource.from_family:
        return True
    return people.has_role(Role.LEADER, user=user, school=resource.school_id)


def may_approve(*, user: User, resource: Resource) -> bool:
    """A school leader of the resource's school approves sharing it beyond the school."""
    return people.has_role(Role.LEADER, user=user, school=resource.school_id)


def leads_a_school(user: User) -> bool:
    """Whether `user` is a school leader anywhere now (the approvals queue is theirs), read from the
    memberships at each request, not from the menu's facts."""
    return user.is_authenticated and Membership.objects.filter(user=user, is_active=True, role=Role.LEADER).exists()


def may_contribute(*, user: User) -> bool:
    """Staff add resources to the library (families give feedback and reviews)."""
    return bool(people.staff_school_ids(user))


def may_give_feedback(*, user: User, resource: Resource) -> bool:
    """A family tells how a home strategy published to them went."""
    return (
        resource.is_strategy
        and resource.published_to_families
        and resource.status == Status.PUBLISHED
        and people.viewing_guardianships().filter(guardian=user).exists()
    )


def approvals_visible_to(user: User):
    """The sharing approvals a leader decides: those of resources at the schools they lead."""
    from resources.models import ShareApproval

    led = Membership.objects.filter(user=user, is_active=True, role=Role.LEADER).values("school_id")
    return ShareApproval.objects.filter(resource__school_id__in=led, resource__deleted_at__isnull=True)


# Families' suggestions --------------------------------------------------------------------------


def suggestion_schools(user: User) -> QuerySet[School]:
    """The schools where `user` may suggest a home strategy: those of their own children (an active
    guardianship with viewing rights, a pupil who has not left)."""
    if not user.is_authenticated:
        return School.objects.none()
    links = people.viewing_guardianships().filter(
        guardian=user, status=Guardianship.Status.ACTIVE, pupil__left_at__isnull=True
    )
    return School.objects.filter(pk__in=links.values("pupil__school_id")).order_by("name")


def may_withdraw(*, user: User, resource: Resource) -> bool:
    """A family withdraws their own suggestion while it waits, or once declined (to tidy it away);
    once published it is the school's, and only its leaders take it down."""
    return (
        resource.from_family
        and resource.author_id == user.pk
        and resource.deleted_at is None
        and resource.status in (Status.MODERATION, Status.DECLINED)
    )


def may_suggest(*, user: User) -> bool:
    return suggestion_schools(user).exists()


def moderated_school_ids(user: User) -> QuerySet:
    """The schools whose families' suggestions `user` decides on now (SENDCO or school leader)."""
    return Membership.objects.filter(user=user, is_active=True, role__in=MODERATOR_ROLES).values("school_id")


def may_moderate(*, user: User, resource: Resource) -> bool:
    """Read from the memberships at the moment of asking: a moderator who lost the role cannot decide."""
    return people.has_role(*MODERATOR_ROLES, user=user, school=resource.school_id)


def moderates_a_school(user: User) -> bool:
    return user.is_authenticated and moderated_school_ids(user).exists()


def suggestions_visible_to(user: User) -> QuerySet[Resource]:
    """The families' suggestions at the schools `user` moderates, whatever their status (a second
    decision on one already decided says so rather than 404)."""
    if not user.is_authenticated:
        return Resource.objects.none()
    return Resource.objects.filter(from_family=True, deleted_at__isnull=True, school_id__in=moderated_school_ids(user))


def access_suggestion(*, user: User, resource_id, for_update: bool = False) -> Resource:
    """A family's suggestion `user` moderates; otherwise Http404, whatever the reason."""
    try:
        resource = suggestions_visible_to(user).select_related("school", "author", "suggestion").get(pk=resource_id)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(resource, "school", "author", "suggestion") if for_update else resource


def share_requests_notified_to(user: User):
    """The sharing requests a notification may be about for `user`: those they decide (a leader of
    the resource's school), and those they asked for or whose resource they wrote, while they
    still see the resource."""
    from resources.models import ShareApproval

    asked = (Q(requested_by=user) | Q(resource__author=user)) & Q(resource__in=resources_visible_to(user).values("pk"))
    return ShareApproval.objects.filter(
        Q(pk__in=approvals_visible_to(user).values("pk")) | asked, resource__deleted_at__isnull=True
    )
