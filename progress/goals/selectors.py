"""Reads for the goals, celebrations and portfolio pages: each returns what its page shows, filtered
by the acting person (through `policies`), in a fixed number of queries however much there is."""

from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Max, OuterRef, Q, Subquery, Value, When
from django.utils.translation import gettext as _

from accounts import policies as people
from accounts.models import ClassGroup, Guardianship, Pupil, User
from accounts.models.people import Relationship
from progress.goals import milestones, policies
from progress.models import (
    Celebration,
    CelebrationNote,
    Competency,
    Goal,
    GoalStatus,
    GoalUpdate,
    MilestoneKind,
    PortfolioItem,
    PortfolioVisibility,
    PupilVoice,
    ReviewStatus,
)

# --- the pupil's voice: who wrote it down ---------------------------------------------------------

_BY_RELATIONSHIP = {
    Relationship.MOTHER: lambda pupil: _("Said by %(pupil)s, written by their mum") % {"pupil": pupil},
    Relationship.FATHER: lambda pupil: _("Said by %(pupil)s, written by their dad") % {"pupil": pupil},
    Relationship.CARER: lambda pupil: _("Said by %(pupil)s, written by their carer") % {"pupil": pupil},
    Relationship.GRANDPARENT: lambda pupil: _("Said by %(pupil)s, written by their grandparent") % {"pupil": pupil},
    Relationship.STEP_PARENT: lambda pupil: _("Said by %(pupil)s, written by their step-parent") % {"pupil": pupil},
}


def voice_attribution(voice: PupilVoice, *, pupil: Pupil, relationships: dict[int, str]) -> str:
    """ "Written by Lucía", or "Said by Lucía, written by their teacher / mum / …"."""
    name = pupil.known_as
    if voice.written_by_pupil:
        return _("Written by %(pupil)s") % {"pupil": name}
    relationship = relationships.get(voice.written_by_id)
    if relationship in _BY_RELATIONSHIP:
        return _BY_RELATIONSHIP[relationship](name)
    if relationship is not None:
        return _("Said by %(pupil)s, written by %(writer)s from their family") % {
            "pupil": name,
            "writer": voice.written_by.display_name,
        }
    return _("Said by %(pupil)s, written by their teacher (%(writer)s)") % {
        "pupil": name,
        "writer": voice.written_by.display_name,
    }


def _relationships(pupil: Pupil) -> dict[int, str]:
    return dict(Guardianship.objects.filter(pupil=pupil).values_list("guardian_id", "relationship"))


@dataclass
class Voiced:
    voice: PupilVoice
    attribution: str


def _voiced(voices, pupil: Pupil, relationships: dict[int, str]) -> list[Voiced]:
    return [Voiced(voice, voice_attribution(voice, pupil=pupil, relationships=relationships)) for voice in voices]


_VOICES = PupilVoice.objects.live().select_related("written_by").order_by("created_at", "id")


# Goals being worked on first, then finished ones.
STATUS_ORDER = [GoalStatus.ACTIVE, GoalStatus.PAUSED, GoalStatus.COMPLETED, GoalStatus.CANCELLED]


# --- goals ----------------------------------------------------------------------------------------


def goal_list_for(*, goals, pupil: Pupil) -> list[Goal]:
    """The pupil's goals (from `goals`, already filtered by the reader), active first, each with
    its number of updates and latest percentage, in one query."""
    latest_progress = (
        GoalUpdate.objects.live()
        .filter(goal=OuterRef("pk"), progress__isnull=False)
        .order_by("-created_at", "-id")
        .values("progress")[:1]
    )
    return list(
        goals.filter(pupil=pupil)
        .select_related("created_by")
        .annotate(
            update_count=Count("updates", filter=Q(updates__deleted_at__isnull=True), distinct=True),
            last_update_at=Max("updates__created_at", filter=Q(updates__deleted_at__isnull=True)),
            latest_progress=Subquery(latest_progress),
            status_order=Case(
                *(When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)),
                output_field=IntegerField(),
            ),
        )
        .order_by("status_order", "target_date", "-id")
    )


@dataclass
class ChartPoint:
    x: float
    y: float
    update: GoalUpdate


@dataclass
class ProgressChart:
    """A line of the updates' percentages over time (SVG coordinates), with the same numbers for
    the table beside it."""

    points: list[ChartPoint]
    width: int = 320
    height: int = 160
    pad: int = 28

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def gridlines(self) -> list[tuple[int, float]]:
        inner = self.height - 2 * self.pad
        return [(value, self.pad + inner * (100 - value) / 100) for value in (0, 50, 100)]


def progress_chart(updates: list[GoalUpdate]) -> ProgressChart | None:
    measured = [update for update in updates if update.progress is not None]
    if not measured:
        return None
    chart = ProgressChart(points=[])
    first, last = measured[0].created_at, measured[-1].created_at
    span = (last - first).total_seconds() or 1
    inner_w, inner_h = chart.width - 2 * chart.pad, chart.height - 2 * chart.pad
    for update in measured:
        offset = (update.created_at - first).total_seconds()
        x = chart.pad + (inner_w * offset / span if len(measured) > 1 else inner_w / 2)
        y = chart.pad + inner_h * (100 - update.progress) / 100
        chart.points.append(ChartPoint(x, y, update))
    return chart


@dataclass
class GoalPage:
    goal: Goal
    updates: list[GoalUpdate]
    voices: list[Voiced]
    chart: ProgressChart | None
    can_update: bool
    side: str | None = None


def goal_page_for(*, user: User, goal: Goal) -> GoalPage:
    """Everything the goal page shows, in a fixed number of queries."""
    pupil = goal.pupil
    updates = list(GoalUpdate.objects.live().filter(goal=goal).select_related("author").order_by("created_at", "id"))
    voices = _voiced(_VOICES.filter(goal=goal), pupil, _relationships(pupil))
    return GoalPage(
        goal=goal,
        updates=updates,
        voices=voices,
        chart=progress_chart(updates),
        can_update=policies.can_update_goal(goal),
        side=policies.side_of(user=user, pupil=pupil),
    )


# --- celebrations ---------------------------------------------------------------------------------


@dataclass
class Card:
    celebration: Celebration
    heading: str
    body: str


def _competency_names(celebrations) -> dict:
    ids = {
        celebration.milestone.details.get("competency")
        for celebration in celebrations
        if celebration.milestone.kind == MilestoneKind.LEVEL_GAINED
    }
    ids.discard(None)
    if not ids:
        return {}
    return {competency.pk: competency.label for competency in Competency.objects.filter(pk__in=ids)}


def cards(celebrations) -> list[Card]:
    celebrations = list(celebrations)
    names = _competency_names(celebrations)
    return [Card(celebration, *milestones.celebration_text(celebration, names)) for celebration in celebrations]


def celebrations_for(*, celebrations, pupil: Pupil) -> list[Card]:
    """The pupil's celebration cards (from `celebrations`, already filtered by the reader), newest first."""
    found = celebrations.filter(pupil=pupil).select_related("milestone", "pupil").order_by("-created_at", "-id")
    return cards(found)


@dataclass
class CelebrationPage:
    card: Card
    notes: list[CelebrationNote]
    voices: list[Voiced]


def celebration_page_for(*, celebration: Celebration) -> CelebrationPage:
    pupil = celebration.pupil
    notes = list(CelebrationNote.objects.live().filter(celebration=celebration).select_related("author"))
    voices = _voiced(_VOICES.filter(celebration=celebration), pupil, _relationships(pupil))
    return CelebrationPage(card=cards([celebration])[0], notes=notes, voices=voices)


# --- portfolio ------------------------------------------------------------------------------------


def portfolio_for(*, user: User, pupil: Pupil):
    """The pupil's portfolio items `user` may see, newest first, with who added them."""
    return (
        policies.portfolio_items_visible_to(user)
        .filter(pupil=pupil)
        .select_related("added_by", "reviewed_by")
        .order_by("-created_at", "-id")
    )


@dataclass
class PortfolioPage:
    item: PortfolioItem
    voices: list[Voiced]
    family_or_staff: bool
    can_review: bool


def portfolio_item_page_for(*, user: User, item: PortfolioItem, own: bool = False) -> PortfolioPage:
    pupil = item.pupil
    family_or_staff = own or policies.is_family_or_staff_of(user=user, item=item)
    voices = _voiced(_VOICES.filter(portfolio_item=item), pupil, _relationships(pupil)) if family_or_staff else []
    return PortfolioPage(
        item=item,
        voices=voices,
        family_or_staff=family_or_staff,
        can_review=not own and policies.can_review_portfolio_item(user=user, item=item),
    )


def approval_queue_for(user: User):
    """Portfolio items waiting for approval, of pupils `user` teaches or supports, oldest first."""
    return (
        PortfolioItem.objects.live()
        .filter(status=ReviewStatus.PENDING, pupil__in=people.pupils_supported_by(user).values("pk"))
        .select_related("pupil", "added_by")
        .order_by("created_at", "id")
    )


def class_showcase_for(*, user: User, class_group: ClassGroup):
    """What the class page shows: approved items shown to the class or the school, of the class's
    pupils, that `user` may see. Never anything waiting or declined, whoever is looking (this page
    is what the class's families see)."""
    pupil_ids = ClassGroup.pupils.through.objects.filter(classgroup=class_group).values("pupil_id")
    return (
        policies.portfolio_items_visible_to(user)
        .filter(
            pupil__in=pupil_ids,
            status=ReviewStatus.APPROVED,
            visibility__in=[PortfolioVisibility.CLASS, PortfolioVisibility.SCHOOL],
        )
        .select_related("pupil")
        .order_by("-created_at", "-id")
    )


# --- the pupil view -------------------------------------------------------------------------------


@dataclass
class PupilHome:
    pupil: Pupil
    goals: list[Goal]
    cards: list[Card] = field(default_factory=list)
    portfolio: list[PortfolioItem] = field(default_factory=list)


def pupil_home_for(user: User) -> PupilHome | None:
    pupil = policies.pupil_signed_in_as(user)
    if pupil is None:
        return None
    goals = goal_list_for(goals=policies.own_goals(user), pupil=pupil)
    return PupilHome(
        pupil=pupil,
        goals=goals,
        cards=celebrations_for(celebrations=policies.own_celebrations(user), pupil=pupil)[:10],
        portfolio=list(policies.own_portfolio_items(user).order_by("-created_at", "-id")[:10]),
    )


# --- where to start -------------------------------------------------------------------------------


@dataclass
class GoalsHome:
    children: list[Pupil]
    children_classes: list[ClassGroup]
    taught_classes: list[ClassGroup]
    waiting_for_approval: int
    is_staff: bool


def goals_home_for(user: User) -> GoalsHome:
    """A guardian's children (and their classes' showcases); the classes a member of staff teaches
    or, with a whole-school role, every class of their school, each with its current pupils."""
    from django.db.models import Prefetch

    from accounts.models import Membership

    children = list(
        people.children_with_scope(user=user, scope="progress")
        .current()
        .select_related("school")
        .order_by("date_of_birth", "pk")
    )
    children_classes = list(
        ClassGroup.objects.filter(pupils__in=[child.pk for child in children]).distinct().order_by("name", "pk")
    )
    memberships = Membership.objects.filter(user=user, is_active=True)
    taught = ClassGroup.objects.filter(
        Q(staff=user, school_id__in=memberships.values("school_id"))
        | Q(school_id__in=memberships.filter(role__in=people.WHOLE_SCHOOL_ROLES).values("school_id"))
    )
    taught_classes = list(
        ClassGroup.objects.filter(pk__in=taught.values("pk"))
        .prefetch_related(Prefetch("pupils", queryset=Pupil.objects.current().order_by("last_name", "first_name")))
        .order_by("name", "pk")
    )
    is_staff = memberships.exists()
    waiting = approval_queue_for(user).count() if is_staff else 0
    return GoalsHome(children, children_classes, taught_classes, waiting, is_staff)
