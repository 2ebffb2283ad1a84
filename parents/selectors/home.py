"""The dashboard home and the My children overview."""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Pupil, User
from parents import policies
from parents.models import MoodCheckIn
from parents.selectors.family import (
    DEADLINE_WINDOW_DAYS,
    MOOD_HISTORY,
    STREAK_LOOKBACK_DAYS,
    SUMMARY_PERIODS,
    Streak,
    chosen_child,
    consents_waiting_for,
    day_label,
    days_ending,
    minutes_by_day,
    open_insights,
    start_of,
    streak_of,
    today_for,
    unread_by_child,
)
from progress import charts
from progress.insights import selectors as insight_feed
from progress.models import (
    Award,
    Celebration,
    Goal,
    GoalStatus,
    InsightRule,
)

# --- home ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Achievement:
    title: str
    on: datetime.date
    kind: str


@dataclass
class ChildCard:
    child: Pupil
    today_minutes: int
    streak: Streak
    latest_achievement: Achievement | None
    open_alerts: int
    unread_messages: int
    week_minutes: int = 0


@dataclass(frozen=True)
class UrgentItem:
    kind: str  # "deadline", "engagement", "consent"
    text: str
    url_child: Pupil | None = None


@dataclass(frozen=True)
class Highlight:
    child: Pupil
    text: str


@dataclass
class FamilySummary:
    days: int
    total: int
    previous_total: int
    active_days: int
    chart: charts.Chart
    per_child: list[tuple[Pupil, int]] = field(default_factory=list)


@dataclass
class HomePage:
    children: list[Pupil]
    chosen: Pupil | None
    cards: list[ChildCard]
    urgent: list[UrgentItem]
    highlights: list[Highlight]
    moods: list[MoodCheckIn]
    mood_chart: charts.Chart | None
    summary: FamilySummary
    today: datetime.date
    not_shared: list[str] = field(default_factory=list)


def _with_latest_achievements(children_queryset):
    award = Award.objects.live().filter(pupil=OuterRef("pk")).order_by("-awarded_on", "-id")
    celebration = Celebration.objects.filter(pupil=OuterRef("pk")).order_by("-created_at", "-id")
    return children_queryset.annotate(
        award_title=Subquery(award.values("title")[:1]),
        award_on=Subquery(award.values("awarded_on")[:1]),
        award_kind=Subquery(award.values("kind")[:1]),
        celebration_heading=Subquery(celebration.values("heading")[:1]),
        celebration_at=Subquery(celebration.values("created_at")[:1]),
    )


def _latest_achievement(child: Pupil, user: User) -> Achievement | None:
    found = []
    if child.award_title:
        found.append(Achievement(child.award_title, child.award_on, str(_("Certificate or badge"))))
    if child.celebration_heading:
        on = timezone.localtime(child.celebration_at, user.zone).date()
        found.append(Achievement(child.celebration_heading, on, str(_("Celebration"))))
    return max(found, key=lambda item: item.on) if found else None


def _cards(user: User, today: datetime.date) -> tuple[list[Pupil], list[ChildCard], dict]:
    children = list(
        _with_latest_achievements(policies.children_visible_to(user))
        .select_related("school")
        .order_by("date_of_birth", "pk")
    )
    ids = [child.pk for child in children]
    minutes = minutes_by_day(user=user, pupil_ids=ids, since=today - datetime.timedelta(days=STREAK_LOOKBACK_DAYS))
    alerts = insight_feed.open_insight_counts(user=user, pupils=ids)
    unread = unread_by_child(user)
    week = set(days_ending(today, 7))
    cards = [
        ChildCard(
            child=child,
            today_minutes=minutes[child.pk].get(today, 0),
            streak=streak_of(minutes[child.pk].keys(), today),
            latest_achievement=_latest_achievement(child, user),
            open_alerts=alerts.get(child.pk, 0),
            unread_messages=unread.get(child.pk, 0),
            week_minutes=sum(value for day, value in minutes[child.pk].items() if day in week),
        )
        for child in children
    ]
    return children, cards, minutes


def _urgent(user: User, children: list[Pupil], today: datetime.date) -> list[UrgentItem]:
    ids = [child.pk for child in children]
    by_id = {child.pk: child for child in children}
    items = []
    goals = (
        Goal.objects.live()
        .filter(
            pupil_id__in=ids,
            status=GoalStatus.ACTIVE,
            target_date__gte=today,
            target_date__lte=today + datetime.timedelta(days=DEADLINE_WINDOW_DAYS),
        )
        .order_by("target_date", "pk")[:10]
    )
    for goal in goals:
        child = by_id[goal.pupil_id]
        left = (goal.target_date - today).days
        if left == 0:
            text = _("%(child)s: “%(goal)s” is due today.") % {"child": child.known_as, "goal": goal.title}
        else:
            text = _("%(child)s: “%(goal)s” is due on %(date)s.") % {
                "child": child.known_as,
                "goal": goal.title,
                "date": formats.date_format(goal.target_date, "l j F"),
            }
        items.append(UrgentItem("deadline", text, child))
    low = open_insights(user, ids).filter(rule=InsightRule.ENGAGEMENT_DROP).order_by("-raised_at", "-id")[:10]
    for insight in low:
        child = by_id[insight.pupil_id]
        items.append(
            UrgentItem(
                "engagement", _("%(child)s has been learning less than usual.") % {"child": child.known_as}, child
            )
        )
    items.extend(UrgentItem("consent", str(consent)) for consent in consents_waiting_for(user))
    return items


def _highlights(user: User, children: list[Pupil], cards: list[ChildCard], today: datetime.date) -> list[Highlight]:
    ids = [child.pk for child in children]
    by_id = {child.pk: child for child in children}
    found = []
    for award in Award.objects.live().filter(pupil_id__in=ids, awarded_on=today).order_by("-id")[:10]:
        found.append(Highlight(by_id[award.pupil_id], _("Earned “%(title)s”.") % {"title": award.title}))
    celebrations = Celebration.objects.filter(pupil_id__in=ids, created_at__gte=start_of(today, user)).order_by(
        "-created_at", "-id"
    )[:10]
    for celebration in celebrations:
        found.append(Highlight(by_id[celebration.pupil_id], celebration.heading))
    completed = Goal.objects.live().filter(
        pupil_id__in=ids, status=GoalStatus.COMPLETED, completed_at__gte=start_of(today, user)
    )[:10]
    for goal in completed:
        found.append(Highlight(by_id[goal.pupil_id], _("Completed the goal “%(goal)s”.") % {"goal": goal.title}))
    for card in cards:
        if card.today_minutes:
            found.append(
                Highlight(card.child, _("Learned for %(minutes)s minutes today.") % {"minutes": card.today_minutes})
            )
    return found


def _family_summary(children: list[Pupil], minutes: dict, today: datetime.date, days: int) -> FamilySummary:
    shown = days_ending(today, days)
    previous = days_ending(today - datetime.timedelta(days=days), days)
    per_day = [(day, sum(minutes[child.pk].get(day, 0) for child in children)) for day in shown]
    chart = charts.sparkline(
        [(day_label(day), value) for day, value in per_day],
        title=_("Family learning minutes per day, last %(days)s days") % {"days": days},
        columns=(_("Day"), _("Minutes")),
    )
    return FamilySummary(
        days=days,
        total=sum(value for _day, value in per_day),
        previous_total=sum(minutes[child.pk].get(day, 0) for child in children for day in previous),
        active_days=sum(1 for _day, value in per_day if value),
        chart=chart,
        per_child=[(child, sum(minutes[child.pk].get(day, 0) for day in shown)) for child in children],
    )


def mood_history_for(user: User) -> list[MoodCheckIn]:
    return list(
        MoodCheckIn.objects.filter(guardian=user).select_related("pupil").order_by("-created_at", "-id")[:MOOD_HISTORY]
    )


def _not_shared(user: User) -> list[str]:
    return [child.full_name for child in policies.children_not_shared(user).order_by("date_of_birth", "pk")]


def home_page_for(*, user: User, chosen_id=None, days: int = 7) -> HomePage:
    """Everything the dashboard home shows, in a fixed number of queries."""
    today = today_for(user)
    days = days if days in SUMMARY_PERIODS else SUMMARY_PERIODS[0]
    children, cards, minutes = _cards(user, today)
    chosen = chosen_child(children, chosen_id)
    if chosen is not None:  # the chosen child's card first
        cards.sort(key=lambda card: card.child.pk != chosen.pk)
    moods = mood_history_for(user)
    mood_chart = None
    if moods:
        oldest_first = list(reversed(moods))
        mood_chart = charts.sparkline(
            [
                (formats.date_format(timezone.localtime(item.created_at, user.zone), "j M H:i"), item.mood)
                for item in oldest_first
            ],
            title=_("Your mood, last %(count)s check-ins") % {"count": len(moods)},
            columns=(_("Checked in"), _("Mood (1 to 5)")),
        )
    return HomePage(
        children=children,
        chosen=chosen,
        cards=cards,
        urgent=_urgent(user, children, today),
        highlights=_highlights(user, children, cards, today),
        moods=moods,
        mood_chart=mood_chart,
        summary=_family_summary(children, minutes, today, days),
        today=today,
        not_shared=_not_shared(user),
    )


# --- my children -----------------------------------------------------------------------------------


@dataclass
class ChildrenOverview:
    children: list[Pupil]
    chosen: Pupil | None
    cards: list[ChildCard]
    not_shared: list[str] = field(default_factory=list)


def children_overview_for(*, user: User, chosen_id=None) -> ChildrenOverview:
    today = today_for(user)
    children, cards, _minutes = _cards(user, today)
    return ChildrenOverview(
        children=children, chosen=chosen_child(children, chosen_id), cards=cards, not_shared=_not_shared(user)
    )
