"""Who may see or do what with shared goals, celebrations and portfolio items. The only place these
rules live; every answer is read from the database on each call, so a withdrawn viewing right or a
teacher moved off a class counts from the next request.

Adults (guardians with viewing rights, staff who teach or support the pupil) reach a pupil's goals,
celebrations and portfolio through `<nouns>_visible_to`. A pupil with their own sign-in reaches
only their own, through `own_<nouns>` (the pages under /progress/me/); the adults' pages refuse
them (`accounts.policies.pupils_visible_to` never includes a pupil's own record).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.consent import policies as consent
from accounts.models import ClassGroup, DataKind, Membership, Pupil, Recipient, User
from progress.models import (
    Celebration,
    Goal,
    GoalStatus,
    GoalUpdate,
    PortfolioItem,
    PortfolioVisibility,
    ReviewStatus,
    Side,
)

# --- who is who -------------------------------------------------------------------------------


def pupil_signed_in_as(user: User) -> Pupil | None:
    """The pupil whose own sign-in `user` is, or None (an adult, or a pupil whose sign-in was taken
    away)."""
    if not user.is_authenticated:
        return None
    return Pupil.objects.select_related("school").filter(user=user, left_at__isnull=True).first()


def is_pupil_user(user: User) -> bool:
    return user.is_authenticated and Pupil.objects.filter(user=user).exists()


def side_of(*, user: User, pupil: Pupil) -> str | None:
    """Which side `user` writes from about `pupil`: home (a guardian with viewing rights), school
    (staff who teach or support them), the pupil themself, or None (nobody they may write about)."""
    if not user.is_authenticated:
        return None
    if pupil.user_id is not None and pupil.user_id == user.pk:
        return Side.PUPIL
    if people.is_guardian_of(user=user, pupil=pupil, scope="progress"):
        return Side.HOME
    if people.teaches_or_supports(user=user, pupil=pupil):
        return Side.SCHOOL
    return None


def is_pupils_staff(*, user: User, pupil: Pupil) -> bool:
    return people.teaches_or_supports(user=user, pupil=pupil)


# --- goals ------------------------------------------------------------------------------------


def goals_visible_to(user: User) -> QuerySet[Goal]:
    """Live goals of the pupils `user` sees as an adult (their children, the pupils they teach or
    support). A pupil's own sign-in sees none here: theirs come from `own_goals`."""
    return Goal.objects.live().filter(
        pupil__in=people.pupils_visible_with_scope(user=user, scope="progress").values("pk")
    )


def own_goals(user: User) -> QuerySet[Goal]:
    """A signed-in pupil's own live goals (none for anyone else)."""
    if not user.is_authenticated:
        return Goal.objects.none()
    return Goal.objects.live().filter(pupil__user=user, pupil__left_at__isnull=True)


def _one(queryset: QuerySet, pk, for_update: bool, *related: str):
    try:
        found = queryset.select_related(*related).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(found, *related) if for_update else found


def access_goal(*, user: User, goal_id: int, for_update: bool = False) -> Goal:
    """The goal if `user` may see it as an adult; otherwise Http404, whatever the reason."""
    return _one(goals_visible_to(user), goal_id, for_update, "pupil", "pupil__school")


def access_own_goal(*, user: User, goal_id: int, for_update: bool = False) -> Goal:
    """The goal if it is the signed-in pupil's own; otherwise Http404."""
    return _one(own_goals(user), goal_id, for_update, "pupil", "pupil__school")


def access_goal_update(*, user: User, goal_update_id: int, for_update: bool = False) -> GoalUpdate:
    """An update (and its evidence) of a goal `user` may see as an adult, or of the signed-in
    pupil's own goal; otherwise Http404."""
    visible = GoalUpdate.objects.live().filter(
        Q(goal__in=goals_visible_to(user).values("pk")) | Q(goal__in=own_goals(user).values("pk"))
    )
    return _one(visible, goal_update_id, for_update, "goal")


def can_update_goal(goal: Goal) -> bool:
    """Updates go on goals being worked on (active or paused), not on finished ones."""
    return goal.status in (GoalStatus.ACTIVE, GoalStatus.PAUSED)


# --- celebrations -----------------------------------------------------------------------------


def celebrations_visible_to(user: User) -> QuerySet[Celebration]:
    """Celebrations of the pupils `user` sees as an adult."""
    return Celebration.objects.filter(
        pupil__in=people.pupils_visible_with_scope(user=user, scope="progress").values("pk")
    )


def own_celebrations(user: User) -> QuerySet[Celebration]:
    if not user.is_authenticated:
        return Celebration.objects.none()
    return Celebration.objects.filter(pupil__user=user, pupil__left_at__isnull=True)


def access_celebration(*, user: User, celebration_id: int, for_update: bool = False) -> Celebration:
    return _one(celebrations_visible_to(user), celebration_id, for_update, "pupil", "milestone")


def access_own_celebration(*, user: User, celebration_id: int, for_update: bool = False) -> Celebration:
    return _one(own_celebrations(user), celebration_id, for_update, "pupil", "milestone")


# --- portfolio --------------------------------------------------------------------------------


def consented_to_share_beyond_family(*, audience: str) -> Q:
    """A filter over portfolio items: those whose family lets `audience` see photos and portfolio
    (the consent matrix, `accounts.consent.policies`, read at the moment the page is shown).
    "class": other families in the pupil's class; "school": the whole school, so both other
    families and other school staff. A refusal, a lapsed consent or a school default of "refused"
    hides the item; nothing else needs to change."""
    others = consent.allowed(data_kind=DataKind.PHOTOS, recipient=Recipient.OTHER_FAMILIES)
    if audience == PortfolioVisibility.CLASS:
        return others
    return others & consent.allowed(data_kind=DataKind.PHOTOS, recipient=Recipient.OTHER_STAFF)


def _pupils_of_classes(class_groups: QuerySet[ClassGroup]) -> QuerySet:
    return ClassGroup.pupils.through.objects.filter(classgroup__in=class_groups.values("pk")).values("pupil_id")


def portfolio_items_visible_to(user: User) -> QuerySet[PortfolioItem]:
    """Live portfolio items `user` may see, decided at read time:

    - the pupil's family and staff: all of them, waiting for approval or not;
    - other families in a class with one of their children: approved items shown to the class or
      the school, where the family consented (`consented_to_share_beyond_family`);
    - families and staff at the same school: approved items shown to the whole school, likewise.
    """
    if not user.is_authenticated:
        return PortfolioItem.objects.none()
    own = Q(
        pupil__in=people.pupils_visible_with_scope(user=user, scope="progress").values("pk")
    ) & ~consent.withheld_from_staff(user=user, data_kind=DataKind.PHOTOS)
    children = Pupil.objects.current().filter(
        pk__in=people.children_with_scope(user=user, scope="progress").values("pk")
    )
    classes_of_children = ClassGroup.objects.filter(pupils__in=children.values("pk"))
    approved = Q(status=ReviewStatus.APPROVED)
    class_mates = (
        approved
        & Q(visibility__in=[PortfolioVisibility.CLASS, PortfolioVisibility.SCHOOL])
        & Q(pupil__in=_pupils_of_classes(classes_of_children))
        & consented_to_share_beyond_family(audience=PortfolioVisibility.CLASS)
    )
    schools = Q(pupil__school_id__in=children.values("school_id")) | Q(
        pupil__school_id__in=Membership.objects.filter(user=user, is_active=True).values("school_id")
    )
    same_school = (
        approved
        & Q(visibility=PortfolioVisibility.SCHOOL)
        & schools
        & consented_to_share_beyond_family(audience=PortfolioVisibility.SCHOOL)
    )
    return PortfolioItem.objects.live().filter(own | class_mates | same_school)


def own_portfolio_items(user: User) -> QuerySet[PortfolioItem]:
    if not user.is_authenticated:
        return PortfolioItem.objects.none()
    return PortfolioItem.objects.live().filter(pupil__user=user, pupil__left_at__isnull=True)


def access_portfolio_item(*, user: User, portfolio_item_id: int, for_update: bool = False) -> PortfolioItem:
    return _one(portfolio_items_visible_to(user), portfolio_item_id, for_update, "pupil")


def access_own_portfolio_item(*, user: User, portfolio_item_id: int, for_update: bool = False) -> PortfolioItem:
    return _one(own_portfolio_items(user), portfolio_item_id, for_update, "pupil")


def is_family_or_staff_of(*, user: User, item: PortfolioItem) -> bool:
    """Whether `user` sees `item` as its pupil's family or staff (not only as a class-mate's
    family): they see who added it, its status, and may add their words."""
    return people.can_view_pupil(user=user, pupil=item.pupil_id, scope="progress")


def can_review_portfolio_item(*, user: User, item: PortfolioItem) -> bool:
    """Staff who teach or support the pupil approve an item (and only one that waits)."""
    return item.status == ReviewStatus.PENDING and people.teaches_or_supports(user=user, pupil=item.pupil_id)


# --- the class page ---------------------------------------------------------------------------


def class_groups_visible_to(user: User) -> QuerySet[ClassGroup]:
    """Classes whose showcase `user` may open: a class of one of their children (still at school),
    a class they teach, every class of a school where their role sees every pupil."""
    if not user.is_authenticated:
        return ClassGroup.objects.none()
    children = Pupil.objects.current().filter(
        pk__in=people.children_with_scope(user=user, scope="progress").values("pk")
    )
    memberships = Membership.objects.filter(user=user, is_active=True)
    return ClassGroup.objects.filter(
        Q(pk__in=ClassGroup.objects.filter(pupils__in=children.values("pk")).values("pk"))
        | Q(pk__in=ClassGroup.objects.filter(staff=user, school_id__in=memberships.values("school_id")).values("pk"))
        | Q(school_id__in=memberships.filter(role__in=people.WHOLE_SCHOOL_ROLES).values("school_id"))
    )


def access_class_group(*, user: User, class_group_id: int, for_update: bool = False) -> ClassGroup:
    """A class whose celebrations page `user` may open; otherwise Http404."""
    return _one(class_groups_visible_to(user), class_group_id, for_update, "school")
