"""Insight writes: raising and resolving insights from a pupil's records, and each reader's
read and dismissed state.

An insight suggests; it never acts: nothing here notifies, messages or records an outbox effect.
Families and staff see insights when they open a page.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import Pupil, User
from progress.insights import rules
from progress.models import ActivitySession, Assessment, Goal, GoalStatus, Insight, InsightSeen, Milestone

# Scored results further back than this say little about the trend now.
TREND_LOOKBACK_DAYS = 365


def school_today(pupil: Pupil) -> datetime.date:
    return timezone.now().astimezone(pupil.school.zone).date()


def findings_for(*, pupil: Pupil, today: datetime.date) -> list[rules.Finding]:
    """Every rule run over the pupil's records as of `today` (five queries, whatever the history)."""
    zone = pupil.school.zone
    findings: list[rules.Finding | None] = []

    # Engagement: the last 5 weeks of minutes by day on the school's clock, and the first record.
    since = today - datetime.timedelta(days=7 * (rules.BASELINE_WEEKS + 1) - 1)
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    sessions = ActivitySession.objects.live().filter(pupil=pupil)
    first = sessions.order_by("started_at").values_list("started_at", flat=True).first()
    by_day: dict[datetime.date, int] = defaultdict(int)
    for started_at, minutes in sessions.filter(started_at__gte=start, started_at__lt=end).values_list(
        "started_at", "minutes"
    ):
        by_day[started_at.astimezone(zone).date()] += minutes
    findings.append(
        rules.engagement_drop(
            minutes_by_day=by_day, today=today, first_record_on=first.astimezone(zone).date() if first else None
        )
    )

    # Assessments: scored results only (grades stay grades), by subject.
    results: dict[int, list] = defaultdict(list)
    subject_names: dict[int, str] = {}
    scored = (
        Assessment.objects.live()
        .filter(
            pupil=pupil,
            score__isnull=False,
            assessed_on__lte=today,
            assessed_on__gte=today - datetime.timedelta(days=TREND_LOOKBACK_DAYS),
        )
        .values_list("subject_id", "subject__name", "assessed_on", "score", "max_score")
    )
    for subject_id, subject_name, assessed_on, score, max_score in scored:
        results[subject_id].append((assessed_on, float(score) * 100 / float(max_score) if max_score else None))
        subject_names[subject_id] = subject_name
    for subject_id, subject_results in results.items():
        findings.append(
            rules.declining_trend(subject_id=subject_id, subject=subject_names[subject_id], results=subject_results)
        )

    # Milestones of the last two weeks.
    recent = Milestone.objects.filter(
        pupil=pupil, happened_on__gte=today - datetime.timedelta(days=rules.MILESTONE_NEWS_DAYS), happened_on__lte=today
    ).values_list("key", "kind", "title", "happened_on")
    for key, kind, title, happened_on in recent:
        findings.append(rules.milestone_reached(key=key, kind=kind, title=title, happened_on=happened_on, today=today))

    # Active goals past their date.
    late = (
        Goal.objects.live()
        .filter(pupil=pupil, status=GoalStatus.ACTIVE, target_date__lt=today)
        .values_list("pk", "title", "category", "status", "target_date")
    )
    for goal_id, title, category, status, target_date in late:
        findings.append(
            rules.deadline_missed(
                goal_id=goal_id, title=title, category=category, status=status, target_date=target_date, today=today
            )
        )
    return [finding for finding in findings if finding is not None]


@transaction.atomic
def refresh_insights(*, pupil: Pupil, today: datetime.date | None = None) -> list[Insight]:
    """Raise, update and resolve the pupil's insights to match their records as of `today` (the
    school's today by default). Idempotent: run twice, the rows are the same. An insight whose
    rule no longer fires is resolved (kept, with `resolved_at`), one that fires again is reopened.
    Returns the current insights. Messages nobody."""
    today = today or school_today(pupil)
    now = timezone.now()
    findings = {finding.key: finding for finding in findings_for(pupil=pupil, today=today)}
    existing = {insight.key: insight for insight in Insight.objects.select_for_update().filter(pupil=pupil)}
    current = []
    for key, finding in findings.items():
        insight = existing.get(key)
        if insight is None:
            insight = Insight.objects.create(
                pupil=pupil, rule=finding.rule, severity=finding.severity, key=key, numbers=finding.numbers
            )
            audit.record(actor=None, action="insight.raised", target=insight, school=pupil.school_id, rule=finding.rule)
        elif (insight.severity, insight.numbers, insight.resolved_at) != (finding.severity, finding.numbers, None):
            reopened = insight.resolved_at is not None
            insight.severity, insight.numbers, insight.resolved_at = finding.severity, finding.numbers, None
            insight.save(update_fields=["severity", "numbers", "resolved_at"])
            if reopened:
                audit.record(
                    actor=None, action="insight.reopened", target=insight, school=pupil.school_id, rule=finding.rule
                )
        current.append(insight)
    for key, insight in existing.items():
        if key not in findings and insight.resolved_at is None:
            insight.resolved_at = now
            insight.save(update_fields=["resolved_at"])
            audit.record(actor=None, action="insight.resolved", target=insight, school=pupil.school_id)
    return current


def pupils_with_records(*, today: datetime.date | None = None):
    """Ids of current pupils whose insights could change: activity in the last 5 weeks, a scored
    assessment in the last year, a recent milestone, an active goal, or an open insight."""
    from django.db.models import Q

    today = today or timezone.now().date()
    recent = today - datetime.timedelta(days=7 * (rules.BASELINE_WEEKS + 1) + 1)
    return (
        Pupil.objects.current()
        .filter(
            Q(pk__in=ActivitySession.objects.live().filter(started_at__date__gte=recent).values("pupil_id"))
            | Q(
                pk__in=Assessment.objects.live()
                .filter(score__isnull=False, assessed_on__gte=today - datetime.timedelta(days=TREND_LOOKBACK_DAYS))
                .values("pupil_id")
            )
            | Q(pk__in=Milestone.objects.filter(happened_on__gte=recent).values("pupil_id"))
            | Q(pk__in=Goal.objects.live().filter(status=GoalStatus.ACTIVE).values("pupil_id"))
            | Q(pk__in=Insight.objects.filter(resolved_at__isnull=True).values("pupil_id"))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- each reader's state -----------------------------------------------------------------------


@transaction.atomic
def insight_mark_read(*, reader: User, insight: Insight) -> InsightSeen:
    """Marks the insight read for `reader` only (the caller checked they may see it). Idempotent."""
    seen, created = InsightSeen.objects.get_or_create(insight=insight, user=reader)
    if created:
        audit.record(actor=reader, action="insight.read", target=insight, school=insight.pupil.school_id)
    return seen


@transaction.atomic
def insight_dismiss(*, reader: User, insight: Insight) -> InsightSeen:
    """Hides the insight from `reader`'s pages (read too); others who see the pupil still see it."""
    seen, _ = InsightSeen.objects.select_for_update().get_or_create(insight=insight, user=reader)
    if seen.dismissed_at is None:
        seen.dismissed_at = timezone.now()
        seen.save(update_fields=["dismissed_at"])
        audit.record(actor=reader, action="insight.dismissed", target=insight, school=insight.pupil.school_id)
    return seen
