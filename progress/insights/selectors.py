"""What the insight pages (and the parents' dashboard) read: each function is filtered by the
acting user where it returns people's data, and runs a fixed number of queries.

`insights_for`, `open_insight_counts`, `patterns_for`, `tips_for`, `plans_for` and
`narrative_for` are what other pages build on; `class_overview` is the staff's mirror view.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import policies as people
from accounts.models import ClassGroup, DataKind, Guardianship, Pupil, User
from progress.insights import llm, policies, rules, tips
from progress.insights import narrative as words
from progress.models import ActivitySession, Assessment, Goal, GoalOwner, GoalStatus, Insight, InsightSeen, Milestone

PATTERN_DAYS = 28


def school_today(pupil: Pupil) -> datetime.date:
    """Today on the pupil's school's clock."""
    return timezone.now().astimezone(pupil.school.zone).date()


def _seen_by(user: User, **extra) -> Exists:
    return Exists(InsightSeen.objects.filter(insight=OuterRef("pk"), user=user, **extra))


def current_insights(pupil_ids) -> QuerySet[Insight]:
    """Insights still current (not resolved) of these pupils, with no reader's view applied."""
    return Insight.objects.filter(pupil_id__in=pupil_ids, resolved_at__isnull=True)


def insights_for(*, user: User, pupil: Pupil) -> list[Insight]:
    """The pupil's current insights that `user` may see and has not dismissed, newest first, each
    with `.sentence` (translated, with its numbers) and `.is_read`. One query."""
    found = (
        policies.insights_visible_to(user)
        .filter(pupil=pupil, resolved_at__isnull=True)
        .annotate(is_read=_seen_by(user), is_dismissed=_seen_by(user, dismissed_at__isnull=False))
        .filter(is_dismissed=False)
        .order_by("-raised_at", "-id")
    )
    insights = list(found)
    for insight in insights:
        insight.sentence = words.sentence_for(insight.rule, insight.numbers)
    return insights


def open_insight_counts(*, user: User, pupils) -> dict[int, int]:
    """{pupil id: number of current insights `user` has not dismissed} for each of `pupils` (ids or
    rows) that `user` may see, in one query; 0 for a pupil without any."""
    ids = [getattr(pupil, "pk", pupil) for pupil in pupils]
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    rows = (
        policies.insights_visible_to(user)
        .filter(pupil_id__in=ids, resolved_at__isnull=True)
        .exclude(_seen_by(user, dismissed_at__isnull=False))
        .values("pupil_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts.update({row["pupil_id"]: row["count"] for row in rows})
    return counts


# --- learning patterns -------------------------------------------------------------------------


def part_of_day(hour: int) -> str:
    if hour < 12:
        return "morning"
    if hour < 17:
        return "afternoon"
    return "evening"


@dataclass
class Bar:
    key: str
    label: object
    minutes: int


@dataclass
class Patterns:
    """When and what the child engaged with most over the last `days` days (minutes)."""

    days: int
    since: datetime.date
    until: datetime.date
    total: int = 0
    weekdays: list[Bar] = field(default_factory=list)
    parts_of_day: list[Bar] = field(default_factory=list)
    subjects: list[Bar] = field(default_factory=list)

    @staticmethod
    def _top(bars):
        best = max(bars, key=lambda bar: bar.minutes, default=None)
        return best if best and best.minutes else None

    @property
    def busiest_day(self) -> Bar | None:
        return self._top(self.weekdays)

    @property
    def busiest_part(self) -> Bar | None:
        return self._top(self.parts_of_day)

    @property
    def top_subject(self) -> Bar | None:
        return self.subjects[0] if self.subjects else None

    def __getitem__(self, name):  # dict-style reading in templates and callers
        return getattr(self, name)

    def keys(self):
        return ["days", "since", "until", "total", "weekdays", "parts_of_day", "subjects"]


PART_NAMES = {"morning": _("Morning"), "afternoon": _("Afternoon"), "evening": _("Evening")}


def patterns_for(*, pupil: Pupil, today: datetime.date | None = None) -> Patterns:
    """Minutes by weekday, by part of the day (on the school's clock) and by subject (most first)
    over the 4 weeks ending `today`. One query."""
    today = today or school_today(pupil)
    zone = pupil.school.zone
    since = today - datetime.timedelta(days=PATTERN_DAYS - 1)
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    sessions = (
        ActivitySession.objects.live()
        .filter(pupil=pupil, started_at__gte=start, started_at__lt=end)
        .values_list("started_at", "minutes", "subject_id", "subject__name", "kind")
    )
    by_day = [0] * 7
    by_part = {"morning": 0, "afternoon": 0, "evening": 0}
    by_subject: dict = defaultdict(int)
    names: dict = {}
    total = 0
    for started_at, minutes, subject_id, subject_name, kind in sessions:
        local = started_at.astimezone(zone)
        by_day[local.weekday()] += minutes
        by_part[part_of_day(local.hour)] += minutes
        key = f"subject-{subject_id}" if subject_id else f"kind-{kind}"
        by_subject[key] += minutes
        names[key] = subject_name or _kind_label(kind)
        total += minutes
    return Patterns(
        days=PATTERN_DAYS,
        since=since,
        until=today,
        total=total,
        weekdays=[Bar(str(n), words.WEEKDAY_NAMES[n], by_day[n]) for n in range(7)],
        parts_of_day=[Bar(key, PART_NAMES[key], minutes) for key, minutes in by_part.items()],
        subjects=[
            Bar(key, names[key], minutes)
            for key, minutes in sorted(by_subject.items(), key=lambda item: (-item[1], str(names[item[0]])))
        ],
    )


def _kind_label(kind: str):
    from progress.models import ActivityKind

    try:
        return ActivityKind(kind).label
    except ValueError:
        return kind


# --- tips and plans ----------------------------------------------------------------------------


def tips_for(*, pupil: Pupil) -> list[tips.ChosenTip]:
    """Support tips for home matched to the pupil's recorded needs, active goals and open alerts,
    each with the reason it was chosen (`.tip`, `.reason`, `.title`, `.text`). Two queries."""
    categories = list(
        Goal.objects.live()
        .filter(pupil=pupil, status=GoalStatus.ACTIVE)
        .order_by("target_date", "id")
        .values_list("category", flat=True)
    )
    alert_rules = list(current_insights([pupil.pk]).order_by("-raised_at").values_list("rule", flat=True))
    return tips.choose(
        send_needs=pupil.send_needs or "",
        has_send=pupil.send_status != "none",
        goal_categories=categories,
        alert_rules=alert_rules,
    )


def plans_for(*, pupil: Pupil) -> list[Goal]:
    """What the school plans next: the pupil's active goals that the school owns or shares, the
    nearest target date first (goals without a date last). One query."""
    return list(
        Goal.objects.live()
        .filter(pupil=pupil, status=GoalStatus.ACTIVE, owner__in=[GoalOwner.SCHOOL, GoalOwner.BOTH])
        .order_by(F("target_date").asc(nulls_last=True), "id")
    )


# --- the narrative -----------------------------------------------------------------------------


def _minutes_by_day(pupil: Pupil, since: datetime.date, until: datetime.date) -> dict[datetime.date, int]:
    zone = pupil.school.zone
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    days: dict[datetime.date, int] = defaultdict(int)
    rows = ActivitySession.objects.live().filter(pupil=pupil, started_at__gte=start, started_at__lt=end)
    for started_at, minutes in rows.values_list("started_at", "minutes"):
        days[started_at.astimezone(zone).date()] += minutes
    return days


def first_record_on(pupil: Pupil) -> datetime.date | None:
    first = ActivitySession.objects.live().filter(pupil=pupil).aggregate(first=Min("started_at"))["first"]
    return first.astimezone(pupil.school.zone).date() if first else None


def week_numbers(pupil: Pupil, today: datetime.date) -> tuple[int, int | None, int]:
    """(minutes in the 7 days ending today, weekly average of the whole weeks before (up to 4)
    since the first record or None, how many weeks that average covers)."""
    since = today - datetime.timedelta(days=7 * (rules.BASELINE_WEEKS + 1) - 1)
    by_day = _minutes_by_day(pupil, since, today)
    first = first_record_on(pupil)
    this_week = sum(by_day.get(today - datetime.timedelta(days=n), 0) for n in range(7))
    weeks = []
    for back in range(1, rules.BASELINE_WEEKS + 1):
        start = today - datetime.timedelta(days=6 + 7 * back)
        if first is None or start < first:
            break
        weeks.append(sum(by_day.get(start + datetime.timedelta(days=n), 0) for n in range(7)))
    if len(weeks) < rules.MIN_BASELINE_WEEKS:
        return this_week, None, len(weeks)
    return this_week, round(sum(weeks) / len(weeks)), len(weeks)


def facts_for(*, pupil: Pupil, today: datetime.date) -> words.Facts:
    this_week, average, weeks = week_numbers(pupil, today)
    patterns = patterns_for(pupil=pupil, today=today)
    current = list(current_insights([pupil.pk]).values_list("rule", "numbers"))
    goals = Goal.objects.live().filter(pupil=pupil, status=GoalStatus.ACTIVE)
    goal_counts = goals.aggregate(active=Count("pk"), late=Count("pk", filter=Q(target_date__lt=today)))
    recent = Milestone.objects.filter(
        pupil=pupil, happened_on__gte=today - datetime.timedelta(days=rules.MILESTONE_NEWS_DAYS), happened_on__lte=today
    ).count()
    busiest_day = patterns.busiest_day
    busiest_part = patterns.busiest_part
    top = patterns.top_subject
    return words.Facts(
        this_week=this_week,
        average=average,
        weeks=weeks,
        busiest_day=busiest_day.key if busiest_day else None,
        busiest_part=busiest_part.key if busiest_part else None,
        top_subject=str(top.label) if top else None,
        alerts=tuple(sorted({rule for rule, _ in current})),
        declining_subjects=tuple(
            sorted({str(numbers.get("subject", "")) for rule, numbers in current if rule == rules.DECLINING_TREND})
        ),
        active_goals=goal_counts["active"],
        goals_past_date=goal_counts["late"],
        recent_milestones=recent,
    )


def _names_near(pupil: Pupil) -> list[str]:
    """Names the model must never see: the pupil's, their guardians', their school's."""
    guardians = Guardianship.objects.filter(pupil=pupil).values_list("guardian__display_name", flat=True)
    names = [pupil.first_name, pupil.last_name, pupil.preferred_name, pupil.full_name, pupil.school.name]
    for display_name in guardians:
        names.append(display_name)
        names.extend(display_name.split())
    return names


def narrative_for(*, user: User, pupil: Pupil, today: datetime.date | None = None) -> words.Narrative:
    """A few sentences about the pupil's learning from their records, for `user` (who may see the
    pupil: the caller checked). From a language model when one is configured and the pupil's
    consent allows it, otherwise (or when the model fails) from templates over the same numbers."""
    today = today or school_today(pupil)
    facts = facts_for(pupil=pupil, today=today)
    child = pupil.known_as
    family = people.is_guardian_of(user=user, pupil=pupil, scope="progress")
    if policies.may_use_ai_for(pupil):
        text = words.model_text(facts, pupil_id=pupil.pk, today=today, names=_names_near(pupil))
        if text:
            return words.Narrative(text=words.fill_in(text, child=child), source=words.MODEL, for_family=family)
    return words.Narrative(text=words.template_text(facts, child=child), source=words.TEMPLATE, for_family=family)


def narrative_warm(*, pupil: Pupil, today: datetime.date | None = None) -> int:
    """Asks the model now (the nightly task, not a page) for the pupil's narrative in each language
    their guardians read, so the families' pages find it ready. Returns how many are ready; nothing
    happens without a model or without the pupil's consent. A cache write, no database write."""
    from django.utils import translation

    if not llm.configured() or not policies.may_use_ai_for(pupil):
        return 0
    today = today or school_today(pupil)
    languages = set(
        people.guardians_with_scope(pupil=pupil, scope="progress")
        .exclude(preferred_language="")
        .values_list("preferred_language", flat=True)
    )
    names = _names_near(pupil)
    ready = 0
    for language in sorted(languages):
        with translation.override(language):
            facts = facts_for(pupil=pupil, today=today)
            ready += bool(words.model_text(facts, pupil_id=pupil.pk, today=today, names=names))
    return ready


# --- the staff's mirror view -------------------------------------------------------------------


@dataclass
class OverviewRow:
    pupil: Pupil
    this_week: int
    average: int | None
    weeks: int
    latest_assessment: Assessment | None
    open_insights: int
    # The family did not consent to staff who do not teach the child seeing these (`user` is one).
    activity_withheld: bool = False
    assessment_withheld: bool = False


def class_overview(*, user: User, group: ClassGroup, today: datetime.date | None = None) -> list[OverviewRow]:
    """Each current pupil of `group` that `user` may see, with minutes in the last 7 days against
    the weekly average of the 4 weeks before, their latest assessment and open insights. A fixed
    number of queries, whatever the class size."""
    zone = group.school.zone
    today = today or timezone.now().astimezone(zone).date()
    week_start = datetime.datetime.combine(today - datetime.timedelta(days=6), datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    live = Q(activity_sessions__deleted_at__isnull=True)

    def minutes_between(start, stop):
        return Sum(
            "activity_sessions__minutes",
            filter=live & Q(activity_sessions__started_at__gte=start, activity_sessions__started_at__lt=stop),
        )

    # One sum per week before this one, so a pupil who joined mid-term is averaged over the whole
    # weeks since their first record only (as the engagement rule does).
    week_starts = [week_start - datetime.timedelta(days=7 * back) for back in range(rules.BASELINE_WEEKS + 1)]
    weekly = {
        f"minutes_{back}": minutes_between(week_starts[back], week_starts[back - 1] if back else end)
        for back in range(rules.BASELINE_WEEKS + 1)
    }
    latest = Assessment.objects.live().filter(pupil=OuterRef("pk")).order_by("-assessed_on", "-id").values("pk")[:1]
    pupils = list(
        Pupil.objects.current()
        .filter(class_groups=group, pk__in=people.pupils_visible_with_scope(user=user, scope="progress").values("pk"))
        .annotate(
            **weekly,
            first_session=Min("activity_sessions__started_at", filter=live),
            latest_assessment_id=Subquery(latest),
        )
        .order_by("last_name", "first_name", "pk")
    )
    assessments = Assessment.objects.select_related("subject").in_bulk(
        [pupil.latest_assessment_id for pupil in pupils if pupil.latest_assessment_id]
    )
    counts = open_insight_counts(user=user, pupils=pupils)
    ids = [pupil.pk for pupil in pupils]
    no_activity = policies.withheld_from(user=user, pupil_ids=ids, data_kind=DataKind.ACTIVITY) if ids else set()
    no_assessment = policies.withheld_from(user=user, pupil_ids=ids, data_kind=DataKind.ASSESSMENT) if ids else set()
    rows = []
    for pupil in pupils:
        first = pupil.first_session.astimezone(zone).date() if pupil.first_session else None
        before = []
        for back in range(1, rules.BASELINE_WEEKS + 1):
            if first is None or week_starts[back].date() < first:
                break
            before.append(getattr(pupil, f"minutes_{back}") or 0)
        enough = len(before) >= rules.MIN_BASELINE_WEEKS
        rows.append(
            OverviewRow(
                pupil=pupil,
                this_week=pupil.minutes_0 or 0,
                average=round(sum(before) / len(before)) if enough else None,
                weeks=len(before),
                latest_assessment=assessments.get(pupil.latest_assessment_id),
                open_insights=counts.get(pupil.pk, 0),
            )
        )
        row = rows[-1]
        if pupil.pk in no_activity:
            row.this_week, row.average, row.weeks, row.activity_withheld = None, None, 0, True
        if pupil.pk in no_assessment:
            row.latest_assessment, row.assessment_withheld = None, True
    return rows
