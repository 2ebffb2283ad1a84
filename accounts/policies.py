"""The access questions every app asks. Other apps build their `access_*` policies on these.

All answers come from the database on each call (no caching on the user object) so a revoked
role or viewing right takes effect on the next request.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Guardianship, Membership, Pupil, Role, School, User

# Roles that see every pupil of their school, not only those in their classes.
WHOLE_SCHOOL_ROLES = frozenset({Role.SENDCO, Role.DSL, Role.LEADER, Role.SCHOOL_ADMIN})


def roles_at(user: User, school: School | int) -> set[str]:
    if not user.is_authenticated:
        return set()
    school_id = getattr(school, "pk", school)
    return set(Membership.objects.filter(user=user, school_id=school_id, is_active=True).values_list("role", flat=True))


def has_role(user: User, school: School | int, *roles: str) -> bool:
    return bool(roles_at(user, school) & set(roles))


def is_dsl_anywhere(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, role=Role.DSL, is_active=True).exists()


def is_staff_at(user: User, school: School | int) -> bool:
    return bool(roles_at(user, school))


def staff_school_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, is_active=True).values_list("school_id", flat=True))


def same_school(user: User, other: User) -> bool:
    """Both are active staff at one school, or one is staff where the other's child learns."""
    mine = staff_school_ids(user)
    return (
        bool(mine & staff_school_ids(other))
        or Pupil.objects.filter(
            school_id__in=mine, guardianships__guardian=other, guardianships__can_view=True
        ).exists()
    )


def is_guardian_of(user: User, pupil: Pupil | int) -> bool:
    """A guardian with viewing rights. A link without viewing rights grants nothing."""
    if not user.is_authenticated:
        return False
    return Guardianship.objects.filter(guardian=user, pupil_id=getattr(pupil, "pk", pupil), can_view=True).exists()


def children_of(user: User) -> QuerySet[Pupil]:
    if not user.is_authenticated:
        return Pupil.objects.none()
    return Pupil.objects.filter(guardianships__guardian=user, guardianships__can_view=True).distinct()


def pupils_supported_by(user: User) -> QuerySet[Pupil]:
    """Pupils this member of staff teaches (through a class group) or supports (whole-school role)."""
    if not user.is_authenticated:
        return Pupil.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    whole_school = memberships.filter(role__in=WHOLE_SCHOOL_ROLES).values("school_id")
    # A teacher who leaves (membership switched off) loses their classes' pupils at once.
    taught = Q(class_groups__staff=user, school_id__in=memberships.values("school_id"))
    return Pupil.objects.filter(taught | Q(school_id__in=whole_school)).distinct()


def teaches_or_supports(user: User, pupil: Pupil | int) -> bool:
    return pupils_supported_by(user).filter(pk=getattr(pupil, "pk", pupil)).exists()


def pupils_visible_to(user: User) -> QuerySet[Pupil]:
    """Every pupil the user may see: their own children, and those they teach or support."""
    if not user.is_authenticated:
        return Pupil.objects.none()
    return Pupil.objects.filter(
        Q(pk__in=children_of(user).values("pk")) | Q(pk__in=pupils_supported_by(user).values("pk"))
    )


def can_view_pupil(user: User, pupil: Pupil | int) -> bool:
    return pupils_visible_to(user).filter(pk=getattr(pupil, "pk", pupil)).exists()


def access_pupil(*, user: User, pupil_id: int) -> Pupil:
    """The pupil if `user` may see them; otherwise Http404, whatever the reason."""
    try:
        return pupils_visible_to(user).select_related("school").get(pk=pupil_id)
    except (Pupil.DoesNotExist, ValueError):
        raise Http404 from None


def requires_two_factor(user: User) -> bool:
    """Staff whose roles reach sensitive data must enrol a second factor before using any page."""
    from django.conf import settings

    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True  # Django admin reaches every family's records
    return Membership.objects.filter(user=user, is_active=True, role__in=settings.TWO_FACTOR_REQUIRED_ROLES).exists()
