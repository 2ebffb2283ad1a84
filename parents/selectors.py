"""Reads for the parents' dashboard: one selector per page, each filtered through parents.policies.

Every figure is aggregated in the database (minutes summed per child and day, counts grouped by
child, the latest row per child or competency as a subquery), so a page costs the same number of
queries for one child or four, and for 60 days of records or 600: the rows read are bounded by
the days shown, never by the history kept.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Curriculum, Pupil, User
from messaging import selectors as messaging
from parents import policies
from parents.models import MoodCheckIn
from progress import charts
from progress.insights import policies as insight_policies
from progress.insights import selectors as insight_feed
from progress.models import (
    ActivitySession,
    Assessment,
    Award,
    Celebration,
    Competency,
    CompetencyJudgement,
    CompetencyKind,
    Goal,
    GoalStatus,
    GoalUpdate,
    InsightRule,
    InsightSeen,
)

# How far back a streak is counted: a longer one shows as "at least this many days".
STREAK_LOOKBACK_DAYS = 100
DEADLINE_WINDOW_DAYS = 7
SUMMARY_PERIODS = (7, 14)
TIMELINE_DAYS = 28
MOOD_HISTORY = 10
LIST_LIMIT = 50
SESSION_KEY = "parents.child_id"


# --- the family, the chosen child --------------------------------------------------------------


def family_of(user: User) -> list[Pupil]:
    """The user's children for the selector and the cards, eldest first (one query)."""
    return list(policies.children_visible_to(user).select_related("school").order_by("date_of_birth", "pk"))


def chosen_child(children: list[Pupil], chosen_id) -> Pupil | None:
    """The child remembered in the session, if still one of `children` (rights can be withdrawn)."""
    return next((child for child in children if str(child.pk) == str(chosen_id)), None)


def today_for(user: User) -> datetime.date:
    return timezone.localdate(timezone=user.zone)


def _start_of(day: datetime.date, user: User) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=user.zone)


def _minutes_by_day(*, user: User, pupil_ids: list[int], since: datetime.date) -> dict[int, dict[datetime.date, int]]:
    """{pupil id: {day: minutes}} from `since` to now, days on the reader's clock: one grouped query."""
    rows = (
        ActivitySession.objects.live()
        .filter(pupil_id__in=pupil_ids, started_at__gte=_start_of(since, user))
        .annotate(day=TruncDate("started_at", tzinfo=user.zone))
        .order_by()
        .values("pupil_id", "day")
        .annotate(minutes=Sum("minutes"))
    )
    found: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for row in rows:
        found[row["pupil_id"]][row["day"]] = row["minutes"]
    return found


@dataclass(frozen=True)
class Streak:
    days: int
    at_least: bool  # longer than the days looked back
    longest: int  # the longest run within the days looked back


def streak_of(active_days, today: datetime.date, lookback: int = STREAK_LOOKBACK_DAYS) -> Streak:
    """Consecutive active days up to today (or up to yesterday, while today has no activity yet:
    a streak is not broken before the day is over), and the longest run looked back over."""
    active = set(active_days)
    day = today if today in active else today - datetime.timedelta(days=1)
    current = 0
    while day in active and current < lookback:
        current += 1
        day -= datetime.timedelta(days=1)
    longest = run = 0
    for offset in range(lookback, -1, -1):
        if today - datetime.timedelta(days=offset) in active:
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    return Streak(days=current, at_least=current >= lookback, longest=longest)


def _days(end: datetime.date, count: int) -> list[datetime.date]:
    return [end - datetime.timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def _day_label(day: datetime.date) -> str:
    return formats.date_format(day, "D j")


def _unread_by_child(user: User) -> dict[int, int]:
    """Unread messages per child, from messaging's inbox (the reader's unread counts per
    conversation): one query, however many conversations."""
    counts: dict[int, int] = defaultdict(int)
    for pupil_id, unread in messaging.inbox_for(user).filter(unread__gt=0).values_list("pupil_id", "unread"):
        if pupil_id is not None:
            counts[pupil_id] += unread
    return counts


def _open_insights(user: User, pupil_ids: list[int]):
    """Current insights of these children that `user` may see and has not dismissed."""
    dismissed = InsightSeen.objects.filter(insight=OuterRef("pk"), user=user, dismissed_at__isnull=False)
    return (
        insight_policies.insights_visible_to(user)
        .filter(pupil_id__in=pupil_ids, resolved_at__isnull=True)
        .exclude(Exists(dismissed))
    )


def consents_waiting_for(user: User) -> list:
    """Consent requests waiting for this guardian's answer. The consent matrix arrives with issue 10:
    until then there are none; the urgent banner already shows whatever this returns."""
    return []


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
    minutes = _minutes_by_day(user=user, pupil_ids=ids, since=today - datetime.timedelta(days=STREAK_LOOKBACK_DAYS))
    alerts = insight_feed.open_insight_counts(user=user, pupils=ids)
    unread = _unread_by_child(user)
    week = set(_days(today, 7))
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
    low = _open_insights(user, ids).filter(rule=InsightRule.ENGAGEMENT_DROP).order_by("-raised_at", "-id")[:10]
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
    celebrations = Celebration.objects.filter(pupil_id__in=ids, created_at__gte=_start_of(today, user)).order_by(
        "-created_at", "-id"
    )[:10]
    for celebration in celebrations:
        found.append(Highlight(by_id[celebration.pupil_id], celebration.heading))
    completed = Goal.objects.live().filter(
        pupil_id__in=ids, status=GoalStatus.COMPLETED, completed_at__gte=_start_of(today, user)
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
    shown = _days(today, days)
    previous = _days(today - datetime.timedelta(days=days), days)
    per_day = [(day, sum(minutes[child.pk].get(day, 0) for child in children)) for day in shown]
    chart = charts.sparkline(
        [(_day_label(day), value) for day, value in per_day],
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
    )


# --- my children -----------------------------------------------------------------------------------


@dataclass
class ChildrenOverview:
    children: list[Pupil]
    chosen: Pupil | None
    cards: list[ChildCard]


def children_overview_for(*, user: User, chosen_id=None) -> ChildrenOverview:
    today = today_for(user)
    children, cards, _minutes = _cards(user, today)
    return ChildrenOverview(children=children, chosen=chosen_child(children, chosen_id), cards=cards)


TABS = (
    ("learning", gettext_lazy("Learning journey"), "parents:child"),
    ("activity", gettext_lazy("Activity"), "parents:child_activity"),
    ("achievements", gettext_lazy("Achievements"), "parents:child_achievements"),
    ("goals", gettext_lazy("Goals"), "parents:child_goals"),
    ("insights", gettext_lazy("Insights"), "parents:child_insights"),
)


@dataclass
class ChildPage:
    child: Pupil
    children: list[Pupil]
    tab: str
    today: datetime.date
    extra: dict = field(default_factory=dict)


def _competency_kinds(child: Pupil) -> list[str]:
    if child.school.curriculum == Curriculum.KENYA_CBC:
        return [CompetencyKind.CORE]
    return [CompetencyKind.ARE, CompetencyKind.ELG]


def competency_radar_for(child: Pupil) -> tuple[charts.Chart | None, str]:
    """The radar of the child's latest level per competency of their school's framework (CBC core
    competencies; in England the age-related expectations, or the early learning goals for a child
    judged on those): one query, a row per competency."""
    latest = (
        CompetencyJudgement.objects.live().filter(pupil=child, competency=OuterRef("pk")).order_by("-judged_on", "-id")
    )
    competencies = list(
        Competency.objects.filter(
            Q(school__isnull=True) | Q(school=child.school_id),
            framework=child.school.curriculum,
            kind__in=_competency_kinds(child),
        )
        .annotate(
            latest_level=Subquery(latest.values("level")[:1]),
            latest_scale=Subquery(latest.values("scale")[:1]),
            latest_on=Subquery(latest.values("judged_on")[:1]),
        )
        .order_by("kind", "position", "code")
    )
    if not competencies:
        return None, ""
    kinds = _competency_kinds(child)
    judged_kinds = [kind for kind in kinds if any(c.kind == kind and c.latest_level for c in competencies)]
    kind = judged_kinds[0] if judged_kinds else kinds[0]
    shown = [competency for competency in competencies if competency.kind == kind]
    axes = [
        charts.RadarAxis(
            label=str(competency.label),
            scale=competency.latest_scale or "",
            level=competency.latest_level or "",
            judged_on=formats.date_format(competency.latest_on, "j M Y") if competency.latest_on else "",
        )
        for competency in shown
    ]
    title = {
        CompetencyKind.CORE: _("Core competencies: latest level in each"),
        CompetencyKind.ARE: _("Age-related expectations: latest judgement in each"),
        CompetencyKind.ELG: _("Early learning goals: latest judgement in each"),
    }[kind]
    chart = charts.radar_chart(axes, title=title, columns=(_("Competency"), _("Latest level"), _("Judged on")))
    return chart, kind


def learning_journey_for(*, user: User, child: Pupil) -> ChildPage:
    radar, _kind = competency_radar_for(child)
    assessments = list(
        Assessment.objects.live().filter(pupil=child).select_related("subject").order_by("-assessed_on", "-id")[:10]
    )
    judgements = list(
        CompetencyJudgement.objects.live()
        .filter(pupil=child)
        .select_related("competency")
        .order_by("-judged_on", "-id")[:10]
    )
    return ChildPage(
        child=child,
        children=family_of(user),
        tab="learning",
        today=today_for(user),
        extra={"radar": radar, "assessments": assessments, "judgements": judgements},
    )


def activity_page_for(*, user: User, child: Pupil) -> ChildPage:
    today = today_for(user)
    minutes = _minutes_by_day(
        user=user, pupil_ids=[child.pk], since=today - datetime.timedelta(days=STREAK_LOOKBACK_DAYS)
    )[child.pk]
    shown = _days(today, TIMELINE_DAYS)
    timeline = charts.bar_chart(
        [(_day_label(day), minutes.get(day, 0)) for day in shown],
        title=_("Minutes of learning per day, last %(days)s days") % {"days": TIMELINE_DAYS},
        columns=(_("Day"), _("Minutes")),
        label_every=7,
    )
    since = _start_of(shown[0], user)
    by_subject = list(
        ActivitySession.objects.live()
        .filter(pupil=child, started_at__gte=since)
        .order_by()
        .values("subject__name")
        .annotate(minutes=Sum("minutes"), sessions=Count("pk"))
        .order_by("-minutes", "subject__name")
    )
    recent = list(
        ActivitySession.objects.live().filter(pupil=child).select_related("subject").order_by("-started_at", "-id")[:10]
    )
    tracker = [(day, bool(minutes.get(day))) for day in shown]
    return ChildPage(
        child=child,
        children=family_of(user),
        tab="activity",
        today=today,
        extra={
            "timeline": timeline,
            "by_subject": by_subject,
            "recent": recent,
            "streak": streak_of(minutes.keys(), today),
            "tracker": tracker,
            "total": sum(minutes.get(day, 0) for day in shown),
        },
    )


def achievements_page_for(*, user: User, child: Pupil) -> ChildPage:
    awards = list(Award.objects.live().filter(pupil=child).order_by("-awarded_on", "-id")[:LIST_LIMIT])
    celebrations = list(
        Celebration.objects.filter(pupil=child).select_related("milestone").order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    return ChildPage(
        child=child,
        children=family_of(user),
        tab="achievements",
        today=today_for(user),
        extra={"awards": awards, "celebrations": celebrations},
    )


def goals_page_for(*, user: User, child: Pupil) -> ChildPage:
    progress = (
        GoalUpdate.objects.live()
        .filter(goal=OuterRef("pk"), progress__isnull=False)
        .order_by("-created_at", "-id")
        .values("progress")[:1]
    )
    goals = list(
        Goal.objects.live()
        .filter(pupil=child)
        .annotate(latest_progress=Subquery(progress), update_count=Count("updates", filter=Q(updates__deleted_at=None)))
        .order_by("status", "target_date", "-id")[:LIST_LIMIT]
    )
    today = today_for(user)
    return ChildPage(
        child=child,
        children=family_of(user),
        tab="goals",
        today=today,
        extra={
            "active": [goal for goal in goals if goal.status == GoalStatus.ACTIVE],
            "other": [goal for goal in goals if goal.status != GoalStatus.ACTIVE],
        },
    )


def insights_page_for(*, user: User, child: Pupil) -> ChildPage:
    """Composes progress' insights for this child and reader: alerts, patterns, tips, plans, summary."""
    return ChildPage(
        child=child,
        children=family_of(user),
        tab="insights",
        today=today_for(user),
        extra={
            "insights": insight_feed.insights_for(user=user, pupil=child),
            "patterns": insight_feed.patterns_for(pupil=child),
            "tips": insight_feed.tips_for(pupil=child),
            "plans": insight_feed.plans_for(pupil=child),
            "narrative": insight_feed.narrative_for(user=user, pupil=child),
        },
    )
