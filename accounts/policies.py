"""The access questions every app asks. Other apps build their `access_*` policies on these.

All answers come from the database on each call (no caching on the user object) so a revoked
role or viewing right takes effect on the next request.
"""

from collections.abc import Iterable

from django.db.models import CharField, Model, Q, QuerySet, Subquery, Value
from django.http import Http404

from accounts.models import Guardianship, Membership, Pupil, Role, School, User
from hub.compiled_sql import reused_rows

# Roles that see every pupil of their school, not only those in their classes.
WHOLE_SCHOOL_ROLES = frozenset({Role.SENDCO, Role.DSL, Role.LEADER, Role.SCHOOL_ADMIN})


def roles_at(*, user: User, school: School | int) -> set[str]:
    """The roles `user` holds now (active memberships) at `school`; none for someone signed out."""
    if not user.is_authenticated:
        return set()
    school_id = getattr(school, "pk", school)

    def active_roles(user_id: int, school_id: int) -> QuerySet[Membership]:
        return (
            Membership.objects.filter(user_id=user_id, school_id=school_id, is_active=True)
            .order_by()
            .values_list("role")
        )

    if type(school_id) is not int:
        # Anything but a plain id (None, a string from a form) goes through the ORM, which
        # converts it as it always has; the reused SQL would hand it to the database as it is.
        return {role for (role,) in active_roles(user.pk, school_id)}
    # Asked by every app's policies, several times a request (a message's post asks whether its
    # sender is staff at the school): its SQL is compiled once per process (hub.compiled_sql),
    # and read from current rows at every call.
    return {role for (role,) in reused_rows(user.pk, school_id, shape=("accounts.roles_at",), build=active_roles)}


def has_role(*roles: str, user: User, school: School | int) -> bool:
    """Whether `user` holds one of `roles` (an active membership) at `school`."""
    return bool(roles_at(user=user, school=school) & set(roles))


def is_dsl_anywhere(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, role=Role.DSL, is_active=True).exists()


# A row of the menu's one question that stands for "guardian with viewing rights", not a role.
_GUARDIAN = "guardian"


# Facts other apps add to the menu's one question (finance: "a school of my children takes
# payments"): name -> a function of the user returning (school id, name) rows as a values_list
# queryset. Registered from the apps' ready(); accounts never imports them.
_NAVIGATION_SOURCES: dict = {}


def register_navigation_fact(*, name: str, source) -> None:
    """Let an app add rows to the menu's one question: `source(user)` returns a queryset of
    `values_list(<school id>, Value(name, output_field=CharField()))`, unioned into the query."""
    _NAVIGATION_SOURCES[name] = source


def _navigation_facts(user: User) -> frozenset[tuple[int, str]]:
    """The menu's one question per request: (school id, role) of the user's active memberships,
    (school id, "guardian") for each school where a child of theirs with viewing rights learns,
    and the rows other apps registered (`register_navigation_fact(name=, source=)`), in one query. Kept on the
    user object, which lives one request."""
    cached = getattr(user, "_navigation_facts", None)
    if cached is None:
        staff = Membership.objects.filter(user=user, is_active=True).order_by().values_list("school_id", "role")
        family = (
            Guardianship.objects.filter(guardian=user, can_view=True)
            .order_by()
            .values_list("pupil__school_id", Value(_GUARDIAN, output_field=CharField()))
        )
        others = [source(user).order_by() for source in _NAVIGATION_SOURCES.values()]
        cached = frozenset(staff.union(family, *others))
        user._navigation_facts = cached
    return cached


def navigation_has(*, user: User, name: str) -> bool:
    """Whether a registered navigation fact (`register_navigation_fact(name=, source=)`) holds for the user, from
    the menu's one question (no query of its own): for what to link, never to decide access."""
    if not user.is_authenticated:
        return False
    return any(fact == name for _school, fact in _navigation_facts(user))


def navigation_roles(user: User) -> frozenset[tuple[int, str]]:
    """(school id, role) of the user's active memberships, read once per request for the menu on
    every page (each app's `navigation_links` asks this rather than a query of its own). Kept on
    the user object, which lives one request: never use it to decide access, only what to link."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(
        row for row in _navigation_facts(user) if row[1] != _GUARDIAN and row[1] not in _NAVIGATION_SOURCES
    )


def navigation_is_guardian(user: User) -> bool:
    """Whether the user is a guardian with viewing rights of a child, from the same one question
    as `navigation_roles` (no query of its own): for what to link, never to decide access."""
    if not user.is_authenticated:
        return False
    return any(role == _GUARDIAN for _school, role in _navigation_facts(user))


def is_staff_at(*, user: User, school: School | int) -> bool:
    return bool(roles_at(user=user, school=school))


def staff_school_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, is_active=True).values_list("school_id", flat=True))


def same_school(*, user: User, other: User) -> bool:
    """Both are active staff at one school, or one is staff where the other's child learns."""
    mine = staff_school_ids(user)
    return (
        bool(mine & staff_school_ids(other))
        or Pupil.objects.filter(
            school_id__in=mine, guardianships__guardian=other, guardianships__can_view=True
        ).exists()
    )


def viewing_guardianships(scope: str | None = None) -> QuerySet[Guardianship]:
    """Guardianships that grant viewing rights, and with `scope` ("progress", "messages", "finance",
    "reports") only those whose family-member scope allows it: a link made by the school has no
    scope row and sees everything; one made by a family invitation sees what it was granted. A
    no-contact mark (court order) grants nothing, whatever else is set."""
    links = Guardianship.objects.filter(can_view=True, no_contact=False)
    if scope is not None:
        links = links.filter(Q(scope__isnull=True) | Q(**{f"scope__{scope}": True}))
    return links


def is_guardian_of(*, user: User, pupil: Pupil | int, scope: str | None = None) -> bool:
    """A guardian with viewing rights (for `scope`, when given). A link without them grants nothing."""
    if not user.is_authenticated:
        return False
    return viewing_guardianships(scope).filter(guardian=user, pupil_id=getattr(pupil, "pk", pupil)).exists()


def children_of(user: User) -> QuerySet[Pupil]:
    return children_with_scope(user=user, scope=None)


def children_with_scope(*, user: User, scope: str | None) -> QuerySet[Pupil]:
    """The user's children with viewing rights (for `scope`, when given: "progress", "messages"...)."""
    if not user.is_authenticated:
        return Pupil.objects.none()
    if scope is None:
        return Pupil.objects.filter(
            guardianships__guardian=user, guardianships__can_view=True, guardianships__no_contact=False
        ).distinct()
    return Pupil.objects.filter(pk__in=viewing_guardianships(scope).filter(guardian=user).values("pupil_id"))


def pupils_supported_by(user: User) -> QuerySet[Pupil]:
    """Pupils this member of staff teaches (through a class group) or supports (whole-school role)."""
    if not user.is_authenticated:
        return Pupil.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    whole_school = memberships.filter(role__in=WHOLE_SCHOOL_ROLES).values("school_id")
    # A teacher who leaves (membership switched off) loses their classes' pupils at once.
    taught = Q(class_groups__staff=user, school_id__in=memberships.values("school_id"))
    return Pupil.objects.filter(taught | Q(school_id__in=whole_school)).distinct()


def teaches_or_supports(*, user: User, pupil: Pupil | int) -> bool:
    return pupils_supported_by(user).filter(pk=getattr(pupil, "pk", pupil)).exists()


def pupils_visible_to(user: User) -> QuerySet[Pupil]:
    return pupils_visible_with_scope(user=user, scope=None)


def pupils_visible_with_scope(*, user: User, scope: str | None) -> QuerySet[Pupil]:
    """Every pupil the user may see: their own children (those whose family-member scope allows
    `scope`, when given), and those they teach or support."""
    if not user.is_authenticated:
        return Pupil.objects.none()
    return Pupil.objects.filter(
        Q(pk__in=children_with_scope(user=user, scope=scope).values("pk"))
        | Q(pk__in=pupils_supported_by(user).values("pk"))
    )


def can_view_pupil(*, user: User, pupil: Pupil | int, scope: str | None = None) -> bool:
    return pupils_visible_with_scope(user=user, scope=scope).filter(pk=getattr(pupil, "pk", pupil)).exists()


# --- people, read the other way: who holds a right, for addressing and choosing recipients ---


def people_who_see_pupil(pupil: Pupil | int) -> QuerySet[User]:
    return people_who_see_pupil_with_scope(pupil=pupil, scope=None)


def people_who_see_pupil_with_scope(*, pupil: Pupil | int, scope: str | None) -> QuerySet[User]:
    """Active people who see the pupil: guardians with viewing rights, and staff of the pupil's
    school who teach them or hold a whole-school role. What `pupils_visible_to` answers for one
    person, read the other way, in one query (a subquery finds the school: no pupil row needed)."""
    pupil_id = getattr(pupil, "pk", pupil)
    pupil_school = Pupil.objects.filter(pk=pupil_id).values("school_id")[:1]
    active_here = Membership.objects.filter(school_id=Subquery(pupil_school), is_active=True)
    return User.objects.filter(
        Q(pk__in=viewing_guardianships(scope).filter(pupil_id=pupil_id).values("guardian_id"))
        | Q(class_groups__pupils=pupil_id, pk__in=active_here.values("user_id"))
        | Q(pk__in=active_here.filter(role__in=WHOLE_SCHOOL_ROLES).values("user_id")),
        is_active=True,
    )


def staff_who_teach_or_support(*, pupil: Pupil, roles: Iterable[str] = WHOLE_SCHOOL_ROLES) -> QuerySet[User]:
    """Active staff of the pupil's school who teach the pupil (through a class group) or hold one of
    `roles` there: by default everyone `teaches_or_supports` answers yes for, read the other way.
    Pass narrower roles for a narrower group (who a family writes to: teachers, SENDCO, leaders)."""
    active_here = Membership.objects.filter(school_id=pupil.school_id, is_active=True)
    return User.objects.filter(
        Q(class_groups__pupils=pupil, pk__in=active_here.values("user_id"))
        | Q(pk__in=active_here.filter(role__in=list(roles)).values("user_id")),
        is_active=True,
    ).distinct()


def guardians_with_viewing_rights(pupil: Pupil | int) -> QuerySet[User]:
    return guardians_with_scope(pupil=pupil, scope=None)


def guardians_with_scope(*, pupil: Pupil | int, scope: str | None) -> QuerySet[User]:
    """Active guardians of the pupil whose link grants viewing rights (a link without them grants
    nothing), for `scope` ("progress", "messages"...) when given."""
    ids = viewing_guardianships(scope).filter(pupil_id=getattr(pupil, "pk", pupil)).values("guardian_id")
    return User.objects.filter(pk__in=ids, is_active=True)


def role_holders(*roles: str, school: School | int) -> QuerySet[User]:
    """Active people holding one of `roles` (an active membership) at `school`: its DSLs, its office."""
    ids = Membership.objects.filter(school_id=getattr(school, "pk", school), is_active=True, role__in=roles).values(
        "user_id"
    )
    return User.objects.filter(pk__in=ids, is_active=True)


def dsls_at(school: School | int) -> QuerySet[User]:
    """The school's designated safeguarding leads (deputies hold the same role), active now."""
    return role_holders(Role.DSL, school=school)


def locked(found: Model, *related: str) -> Model:
    """`found` read again with its row locked until the transaction ends (`for_update=True` of the
    `access_*` functions): visibility is decided first, by the visibility queryset (which may use
    DISTINCT or outer joins, where a row lock is not allowed), then only this one row is locked."""
    return type(found)._default_manager.select_for_update(of=("self",)).select_related(*related).get(pk=found.pk)


def access_pupil(*, user: User, pupil_id: int, for_update: bool = False, scope: str | None = None) -> Pupil:
    """The pupil if `user` may see them (for `scope`, when given); otherwise Http404, whatever the reason."""
    try:
        pupil = pupils_visible_with_scope(user=user, scope=scope).select_related("school").get(pk=pupil_id)
    except (Pupil.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return locked(pupil, "school") if for_update else pupil


def two_factor_roles() -> tuple[str, ...]:
    """The roles that reach sensitive data, whose people must enrol a second factor."""
    from django.conf import settings

    return tuple(settings.TWO_FACTOR_REQUIRED_ROLES)


def memberships_requiring_two_factor(*, user_id, roles: tuple[str, ...]):
    """The active memberships of `user_id` (an id, or an OuterRef to one) in one of `roles`."""
    return Membership.objects.filter(user_id=user_id, is_active=True, role__in=roles)


def requires_two_factor_by_account(user: User) -> bool:
    """Whether the account itself (not a role) requires a second factor: Django admin users."""
    return user.is_superuser or user.is_staff  # Django admin reaches every family's records


def requires_two_factor(user: User) -> bool:
    """Staff whose roles reach sensitive data must enrol a second factor before using any page.
    Read now (an active membership in one of settings.TWO_FACTOR_REQUIRED_ROLES, at any school)."""
    if not user.is_authenticated:
        return False
    if requires_two_factor_by_account(user):
        return True
    roles = two_factor_roles()
    if not roles:
        return False  # as the ORM answers `role__in=[]`, without a query
    # Asked on every request of someone signed in without a second factor (the middleware): its
    # SQL is compiled once per process and list of roles. The roles are part of the shape, so SQL
    # written for one value of the setting (tests change it) never answers for another.
    found = reused_rows(
        user.pk,
        shape=("accounts.requires_two_factor", roles),
        build=lambda user_id: (
            memberships_requiring_two_factor(user_id=user_id, roles=roles).order_by().values_list("pk")[:1]
        ),
    )
    return bool(found)
