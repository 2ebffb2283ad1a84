"""Who sees a collection and who curates it. Read from the database on every call: a leader who
lost the role stops curating on the next request.

- A school's collection for its staff: the school's active staff.
- A school's collection for its families: guardians with viewing rights of a child at the school,
  and the school's staff (they answer families' questions about it).
- A community collection: anyone with a staff role somewhere, and platform staff.
Editors: school leaders and SENDCOs curate their school's collections; platform staff (`is_staff`
with the `resources.curate_community_collections` permission: a school office has `is_staff` too,
for Django admin) curate the community's.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.models import Membership, Role, School, User
from resources.models import Audience, Collection

CURATOR_ROLES = (Role.LEADER, Role.SENDCO)
# A school's collection is for its staff or its families; a community collection has no school.
SCHOOL_AUDIENCES = (Audience.STAFF, Audience.FAMILIES)


def audiences_for(*, school_id: int | None) -> list[str]:
    """Who a collection at `school_id` (None: the community's) may be for."""
    return [Audience.COMMUNITY] if school_id is None else list(SCHOOL_AUDIENCES)


COMMUNITY_PERMISSION = "curate_community_collections"


def collections_visible_to(user: User) -> QuerySet[Collection]:
    if not user.is_authenticated:
        return Collection.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    staff_schools = memberships.values("school_id")
    family_schools = people.viewing_guardianships().filter(guardian=user).values("pupil__school_id")
    reaches = (
        Q(audience=Audience.STAFF, school_id__in=staff_schools)
        | Q(audience=Audience.FAMILIES, school_id__in=staff_schools)
        | Q(audience=Audience.FAMILIES, school_id__in=family_schools)
    )
    if memberships.exists() or curates_community(user):
        reaches |= Q(audience=Audience.COMMUNITY)
    return Collection.objects.filter(reaches, deleted_at__isnull=True)


def access_collection(*, user: User, collection_id, for_update: bool = False) -> Collection:
    """The collection if `user` may see it; otherwise Http404, whatever the reason."""
    try:
        collection = collections_visible_to(user).select_related("school", "curated_by").get(pk=collection_id)
    except (Collection.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(collection, "school", "curated_by") if for_update else collection


def may_curate_at(*, user: User, school: School | int | None) -> bool:
    """Whether `user` curates collections of `school` (None: the community's) now."""
    if not user.is_authenticated or not user.is_active:
        return False
    if school is None:
        return curates_community(user)
    return people.has_role(*CURATOR_ROLES, user=user, school=school)


def curates_community(user: User) -> bool:
    """Platform staff who curate the community's collections."""
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(f"resources.{COMMUNITY_PERMISSION}")
    )


def may_curate(*, user: User, collection: Collection) -> bool:
    return may_curate_at(user=user, school=collection.school_id)


def curating_schools(user: User) -> QuerySet[School]:
    """The schools whose collections `user` curates now."""
    if not user.is_authenticated:
        return School.objects.none()
    led = Membership.objects.filter(user=user, is_active=True, role__in=CURATOR_ROLES).values("school_id")
    return School.objects.filter(pk__in=led).order_by("name")


def curates_anything(user: User) -> bool:
    return user.is_authenticated and user.is_active and (curates_community(user) or curating_schools(user).exists())
