"""A child's pages: learning journey (radar), activity, achievements, goals, insights."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Curriculum, Pupil, User
from parents.selectors.family import (
    LIST_LIMIT,
    STREAK_LOOKBACK_DAYS,
    TIMELINE_DAYS,
    day_label,
    days_ending,
    family_of,
    minutes_by_day,
    start_of,
    streak_of,
    today_for,
)
from progress import charts
from progress.goals.policies import goals_visible_to
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
)
from resources.discovery.strategies import GOAL_LIMIT, GoalText, strategies_for_child

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
    minutes = minutes_by_day(
        user=user, pupil_ids=[child.pk], since=today - datetime.timedelta(days=STREAK_LOOKBACK_DAYS)
    )[child.pk]
    shown = days_ending(today, TIMELINE_DAYS)
    timeline = charts.bar_chart(
        [(day_label(day), minutes.get(day, 0)) for day in shown],
        title=_("Minutes of learning per day, last %(days)s days") % {"days": TIMELINE_DAYS},
        columns=(_("Day"), _("Minutes")),
        label_every=7,
    )
    since = start_of(shown[0], user)
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
            "strategies": strategies_for(user=user, child=child),
        },
    )


def strategies_for(*, user: User, child: Pupil):
    """Home strategies from the resource library for the child's needs and active goals, each with
    its reason. The goals are read through progress' policies (a family member whose scope leaves
    out progress passes none); the library decides which strategies the reader may open."""
    goals = (
        goals_visible_to(user)
        .filter(pupil=child, status=GoalStatus.ACTIVE)
        .order_by("target_date", "id")
        .values_list("title", "description")[:GOAL_LIMIT]
    )
    return strategies_for_child(
        user=user, pupil=child, goals=[GoalText(title, description) for title, description in goals]
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
