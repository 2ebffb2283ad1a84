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
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import policies as people
from accounts.models import Membership, Role, User
from resources.models import TIERS_BEYOND_SCHOOL, Partnership, Resource, ResourceGrant, Status, Visibility

FAMILY_TIERS = (Visibility.SCHOOL, Visibility.PARTNERS, Visibility.COMMUNITY, Visibility.PUBLIC)


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
    return Resource.objects.filter(deleted_at__isnull=True).filter(
        Q(author=user) | Q(pk__in=granted) | published & (staff | family)
    )


def access_resource(*, user: User, resource_id, for_update: bool = False) -> Resource:
    """The resource if `user` may see it; otherwise Http404, whatever the reason."""
    try:
        resource = resources_visible_to(user).select_related("school", "author").get(pk=resource_id)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(resource, "school", "author") if for_update else resource


def may_edit(*, user: User, resource: Resource) -> bool:
    """The author, or a school leader of the resource's school."""
    return resource.author_id == user.pk or people.has_role(Role.LEADER, user=user, school=resource.school_id)


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
