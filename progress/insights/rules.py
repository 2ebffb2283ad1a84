"""The alert rules: pure functions over plain values (dates, numbers, titles), no database.

Each rule returns zero or one `Finding`: the rule, a severity, a `key` that names what it is about
(so raising it again updates one row instead of adding another) and the numbers the sentence
shows. `services.refresh_insights` loads the records and calls these; the tests call them with
hand-made values.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ENGAGEMENT_DROP = "engagement_drop"
DECLINING_TREND = "declining_trend"
MILESTONE = "milestone"
DEADLINE_MISSED = "deadline_missed"

INFO = "info"
WARNING = "warning"
URGENT = "urgent"

# --- engagement ------------------------------------------------------------------------------
# The last 7 days against the mean of the 4 weeks before. Why these numbers:
# - 4 weeks is about a month: long enough that one holiday week does not set the baseline,
#   short enough to follow a child whose routine has changed this term.
# - At least 2 whole weeks of baseline: one week is not an average (a child with one week of
#   records is never compared), and a pupil who joined mid-term is compared only against the
#   whole weeks since their first record, never against the empty weeks before it.
# - A baseline under 30 minutes a week is too little to call anything "down sharply": 10 minutes
#   against 20 is noise, not news for a family.
# - "Sharply" is this week at half the baseline or less, and at least 30 minutes fewer; a quarter
#   or less (including nothing at all) is urgent.
BASELINE_WEEKS = 4
MIN_BASELINE_WEEKS = 2
MIN_BASELINE_MINUTES = 30
DROP_RATIO = 0.5
URGENT_RATIO = 0.25
MIN_DROP_MINUTES = 30

# --- assessments -----------------------------------------------------------------------------
# The least-squares slope of the last few scored results of one subject, in percentage points per
# assessment. Scores only: grades and competency levels are never turned into numbers.
# - The last 5 results at most (about a term of a subject's tests), at least 3 (two points always
#   make a line; three that fall are a trend).
# - A slope of -4 points per assessment or steeper, and at least 10 points lost between the first
#   and the last of them, so one bad test after good ones is not a "declining trend".
# - Urgent when the slope is -10 points per assessment or steeper.
TREND_RESULTS = 5
MIN_TREND_RESULTS = 3
TREND_SLOPE = -4.0
URGENT_TREND_SLOPE = -10.0
MIN_TREND_DROP = 10.0

# --- milestones and goals --------------------------------------------------------------------
# A milestone is news for two weeks, then the celebration card keeps it.
MILESTONE_NEWS_DAYS = 14
# A goal more than two weeks past its date needs attention, not just a look.
URGENT_OVERDUE_DAYS = 14


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    key: str
    numbers: dict = field(default_factory=dict)


def week_label(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def engagement_drop(
    *, minutes_by_day: Mapping[datetime.date, int], today: datetime.date, first_record_on: datetime.date | None
) -> Finding | None:
    """Minutes in the 7 days ending `today` against the mean of the whole weeks before them (up to
    4) since the pupil's first record. Days missing from `minutes_by_day` count as no minutes
    (once the pupil has records, a week without any is a real zero)."""
    if first_record_on is None or first_record_on > today:
        return None
    this_week_start = today - datetime.timedelta(days=6)
    this_week = sum(minutes_by_day.get(this_week_start + datetime.timedelta(days=n), 0) for n in range(7))
    baseline = []
    for back in range(1, BASELINE_WEEKS + 1):
        start = this_week_start - datetime.timedelta(days=7 * back)
        if start < first_record_on:
            break  # a week before (or while) the pupil started would drag the average down
        baseline.append(sum(minutes_by_day.get(start + datetime.timedelta(days=n), 0) for n in range(7)))
    if len(baseline) < MIN_BASELINE_WEEKS:
        return None
    average = sum(baseline) / len(baseline)
    if average < MIN_BASELINE_MINUTES:
        return None  # includes all-zero weeks: nothing to fall from
    if this_week > average * DROP_RATIO or average - this_week < MIN_DROP_MINUTES:
        return None
    severity = URGENT if this_week <= average * URGENT_RATIO else WARNING
    return Finding(
        rule=ENGAGEMENT_DROP,
        severity=severity,
        key=f"{ENGAGEMENT_DROP}:{week_label(today)}",
        numbers={
            "this_week": this_week,
            "average": round(average),
            "weeks": len(baseline),
            "percent_down": round((average - this_week) * 100 / average),
            "since": this_week_start.isoformat(),
            "until": today.isoformat(),
        },
    )


def slope(values: list[float]) -> float:
    """The least-squares slope of `values` against their position (0, 1, 2, ...)."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    variance = sum((x - mean_x) ** 2 for x in range(n))
    return covariance / variance


def declining_trend(
    *, subject_id: int, subject: str, results: Iterable[tuple[datetime.date, float | None]]
) -> Finding | None:
    """The last few scored results of one subject (date, percentage), in any order, falling.
    Results without a percentage (grades, levels) are skipped, never converted."""
    scored = sorted((day, float(percent)) for day, percent in results if percent is not None)[-TREND_RESULTS:]
    if len(scored) < MIN_TREND_RESULTS:
        return None
    percents = [percent for _, percent in scored]
    gradient = slope(percents)
    fitted_drop = -gradient * (len(percents) - 1)
    if gradient > TREND_SLOPE or fitted_drop < MIN_TREND_DROP:
        return None
    latest_day = scored[-1][0]
    return Finding(
        rule=DECLINING_TREND,
        severity=URGENT if gradient <= URGENT_TREND_SLOPE else WARNING,
        # A new result makes a new alert (with the new numbers); one dismissed stays dismissed.
        key=f"{DECLINING_TREND}:{subject_id}:{latest_day.isoformat()}",
        numbers={
            "subject": subject,
            "subject_id": subject_id,
            "count": len(percents),
            "first": round(percents[0]),
            "latest": round(percents[-1]),
            "points_per_assessment": round(gradient, 1),
            "since": scored[0][0].isoformat(),
            "until": latest_day.isoformat(),
        },
    )


def milestone_reached(
    *, key: str, kind: str, title: str, happened_on: datetime.date, today: datetime.date
) -> Finding | None:
    """A milestone of the last two weeks (one not in the future: a date typed wrong is not news)."""
    age = (today - happened_on).days
    if age < 0 or age > MILESTONE_NEWS_DAYS:
        return None
    return Finding(
        rule=MILESTONE,
        severity=INFO,
        key=f"{MILESTONE}:{key}"[:100],
        numbers={"kind": kind, "title": title, "happened_on": happened_on.isoformat(), "days_ago": age},
    )


def deadline_missed(
    *,
    goal_id: int,
    title: str,
    category: str,
    status: str,
    target_date: datetime.date | None,
    today: datetime.date,
) -> Finding | None:
    """An active goal whose target date has passed (a goal without a date never misses one)."""
    if status != "active" or target_date is None or target_date >= today:
        return None
    days_over = (today - target_date).days
    return Finding(
        rule=DEADLINE_MISSED,
        severity=URGENT if days_over > URGENT_OVERDUE_DAYS else WARNING,
        # A new date agreed is a new deadline: missing it again is a new alert.
        key=f"{DEADLINE_MISSED}:{goal_id}:{target_date.isoformat()}",
        numbers={
            "goal_id": goal_id,
            "title": title,
            "category": category,
            "target_date": target_date.isoformat(),
            "days_over": days_over,
        },
    )
