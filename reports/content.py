"""What a report says, as JSON: the figures for its pupil and period, computed once by the job and
stored on the report (`Report.content`), so the page and the PDF always agree and a report reads
the same next year.

Built section by section (`SECTIONS`, each one step of the job's progress). Everything is read
for the report's pupil and its period (`period_start`..`period_end`, whole days on the school's
clock). Consent decides what each copy holds:

- the family's copy holds everything the family may see;
- the school's copy leaves out each kind of data the family refused to class teachers or to other
  school staff (`accounts.consent.policies`): one copy serves every member of staff who may open
  it, so it holds only what all of them may see. Cells whose basis is the school's public task
  (assessment results and activity for class teachers) cannot be refused, so it is the "other
  school staff" choice that removes them in practice. What was left out is named in `withheld`,
  so the report says so instead of looking empty.

Free text written by people (assessment titles, teachers' comments, goal titles) goes into the
content for the reader, never to the language model (see reports.narrative).

Fixed sentences in the content (the projection, the text alternatives) are written in the
report's language: build under `translation.override(report.language)` (`build_content` does).
"""

import datetime as dt
import math
from collections import defaultdict

from django.db.models import OuterRef, Q, Subquery
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.consent import policies as consent
from accounts.models import DataKind, Recipient
from progress import frameworks
from progress.models import (
    ActivitySession,
    Assessment,
    Award,
    Competency,
    CompetencyJudgement,
    Goal,
    Milestone,
    PortfolioItem,
)
from progress.models.records import CompetencyKind, ReviewStatus
from reports.models import Copy, ReportKind
from reports.periods import describe_period

VERSION = 1
# The school's copy leaves a kind of data out when the family refused it to either.
STAFF_RECIPIENTS = (Recipient.CLASS_TEACHERS, Recipient.OTHER_STAFF)
GOVERNED_KINDS = (DataKind.ASSESSMENT, DataKind.ACTIVITY, DataKind.PHOTOS)
# Fewer scored results than this: no projection at all.
MIN_RESULTS_TO_PROJECT = 3
# Fewer than this: the projection is given, called a rough guide.
ROUGH_BELOW = 8
# Two-sided 80 % Student t quantiles by degrees of freedom: "likely" means about four in five.
T80 = {1: 3.078, 2: 1.886, 3: 1.638, 4: 1.533, 5: 1.476, 6: 1.440, 7: 1.415, 8: 1.397, 9: 1.383, 10: 1.372}
T80_LARGE = ((15, 1.341), (20, 1.325), (30, 1.310))


class Section:
    """One part of the content: `name` is the key it fills, `label` what the job was doing if it
    fails there ("... while reading the results")."""

    def __init__(self, name: str, fn, label: str):
        self.name, self.fn, self.label = name, fn, label


def _day(value: dt.date) -> str:
    return formats.date_format(value, "j F Y")


def _aware_bounds(report) -> tuple[dt.datetime, dt.datetime]:
    zone = report.school.zone
    start = dt.datetime.combine(report.period_start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(report.period_end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def withheld_kinds(report) -> list[str]:
    """The kinds of data this copy leaves out: none for the family; for the school, those the
    family refused to class teachers or other staff (one query for all the cells)."""
    if report.copy != Copy.SCHOOL:
        return []
    cells = [(kind, who) for kind in GOVERNED_KINDS for who in STAFF_RECIPIENTS]
    allowed = consent.cells_allowed(pupil_id=report.pupil_id, cells=cells)
    return [kind for kind in GOVERNED_KINDS if not all(allowed[kind, who] for who in STAFF_RECIPIENTS)]


# --- sections ----------------------------------------------------------------------------------


def header_section(report, withheld) -> dict:
    pupil = report.pupil
    return {
        "pupil": {"name": pupil.full_name, "known_as": pupil.known_as, "year_group": pupil.year_group},
        "school": {"name": report.school.name, "town": report.school.town},
        "kind": report.kind,
        "kind_label": str(ReportKind(report.kind).label),
        "copy": report.copy,
        "period": {
            "start": report.period_start.isoformat(),
            "end": report.period_end.isoformat(),
            "label": describe_period(report.kind, report.period_start, report.period_end),
        },
        "withheld": list(withheld),
        "withheld_labels": [str(DataKind(kind).label) for kind in withheld],
    }


def activity_section(report, withheld) -> dict | None:
    """Minutes and days of learning in the period, by day and by subject (school's clock)."""
    if DataKind.ACTIVITY in withheld:
        return None
    start, end = _aware_bounds(report)
    zone = report.school.zone
    by_day: dict[dt.date, int] = defaultdict(int)
    by_subject: dict[str, int] = defaultdict(int)
    sessions = 0
    rows = (
        ActivitySession.objects.live()
        .filter(pupil_id=report.pupil_id, started_at__gte=start, started_at__lt=end)
        .values_list("started_at", "minutes", "subject__name")
    )
    for started_at, minutes, subject in rows:
        by_day[started_at.astimezone(zone).date()] += minutes
        by_subject[subject or _("No subject")] += minutes
        sessions += 1
    days = []
    day = report.period_start
    # Days still to come (a term or school year asked for part-way) are not zeros: they stop today.
    last = min(report.period_end, dt.datetime.now(tz=zone).date())
    # A long period (a transcript) is shown by week: a year of daily bars is unreadable.
    by_week = (report.period_end - report.period_start).days > 62
    while day <= last:
        if by_week:
            week = [day + dt.timedelta(days=offset) for offset in range(7) if day + dt.timedelta(days=offset) <= last]
            days.append([day.isoformat(), sum(by_day.get(d, 0) for d in week)])
            day += dt.timedelta(days=7)
        else:
            days.append([day.isoformat(), by_day.get(day, 0)])
            day += dt.timedelta(days=1)
    return {
        "minutes": sum(by_day.values()),
        "days": sum(1 for minutes in by_day.values() if minutes),
        "sessions": sessions,
        "by_week": by_week,
        "series": days,
        "by_subject": [
            {"subject": name, "minutes": minutes}
            for name, minutes in sorted(by_subject.items(), key=lambda item: (-item[1], item[0]))
        ],
    }


def assessments_section(report, withheld) -> dict | None:
    """Every result in the period, each subject's first and latest, and the projection."""
    if DataKind.ASSESSMENT in withheld:
        return None
    rows = list(
        Assessment.objects.live()
        .filter(pupil_id=report.pupil_id, assessed_on__gte=report.period_start, assessed_on__lte=report.period_end)
        .select_related("subject")
        .order_by("assessed_on", "id")
    )
    results = []
    subjects: dict[str, list] = defaultdict(list)
    for row in rows:
        percent = row.percent
        results.append(
            {
                "date": row.assessed_on.isoformat(),
                "subject": row.subject.name,
                "title": row.title,
                "score": _plain(row.score),
                "max_score": _plain(row.max_score),
                "percent": round(percent) if percent is not None else None,
                "grade": row.grade,
                "comment": row.comment,
            }
        )
        if percent is not None:
            subjects[row.subject.name].append(percent)
    scored = [(row.assessed_on, row.percent) for row in rows if row.percent is not None]
    by_subject = [
        {
            "subject": name,
            "count": len(values),
            "first": round(values[0]),
            "latest": round(values[-1]),
            "average": round(sum(values) / len(values)),
            "direction": _direction(values),
        }
        for name, values in sorted(subjects.items())
    ]
    return {
        "count": len(results),
        "scored": len(scored),
        "average": round(sum(p for _d, p in scored) / len(scored)) if scored else None,
        "results": results,
        "by_subject": by_subject,
        "projection": projection(scored),
    }


def competencies_section(report, withheld) -> dict | None:
    """Each competency of the school's framework with its latest level judged by the period's end
    (one query), for the radar and its table. Levels stay codes: never averaged."""
    if DataKind.ASSESSMENT in withheld:
        return None
    latest = (
        CompetencyJudgement.objects.live()
        .filter(pupil_id=report.pupil_id, competency=OuterRef("pk"), judged_on__lte=report.period_end)
        .order_by("-judged_on", "-id")
    )
    kinds = (
        [CompetencyKind.CORE] if report.school.curriculum == "kenya_cbc" else [CompetencyKind.ARE, CompetencyKind.ELG]
    )
    competencies = list(
        Competency.objects.filter(
            Q(school__isnull=True) | Q(school=report.school_id), framework=report.school.curriculum, kind__in=kinds
        )
        .annotate(
            latest_level=Subquery(latest.values("level")[:1]),
            latest_scale=Subquery(latest.values("scale")[:1]),
            latest_on=Subquery(latest.values("judged_on")[:1]),
        )
        .order_by("kind", "position", "code")
    )
    judged_kinds = [kind for kind in kinds if any(c.kind == kind and c.latest_level for c in competencies)]
    kind = judged_kinds[0] if judged_kinds else kinds[0]
    axes = []
    for competency in competencies:
        if competency.kind != kind:
            continue
        found = frameworks.level(competency.latest_scale or "", competency.latest_level or "")
        axes.append(
            {
                "code": competency.code,
                "label": str(competency.label),
                "scale": competency.latest_scale or "",
                "level": competency.latest_level or "",
                "level_label": str(found.label) if found else "",
                "rank": found.rank if found else None,
                "judged_on": competency.latest_on.isoformat() if competency.latest_on else "",
                "in_period": bool(competency.latest_on and competency.latest_on >= report.period_start),
            }
        )
    judgements_in_period = CompetencyJudgement.objects.live().filter(
        pupil_id=report.pupil_id, judged_on__gte=report.period_start, judged_on__lte=report.period_end
    )
    return {
        "kind": kind,
        "axes": axes,
        "judged": sum(1 for axis in axes if axis["level"]),
        "judgements_in_period": judgements_in_period.count(),
    }


def goals_section(report, withheld) -> dict:
    """Shared goals live during the period, and milestones reached in it (not governed by
    consent: goals are agreed between home and school)."""
    goals = list(
        Goal.objects.live()
        .filter(pupil_id=report.pupil_id, created_at__date__lte=report.period_end)
        .exclude(status="cancelled")
        .order_by("status", "target_date", "id")
    )
    milestones = list(
        Milestone.objects.filter(
            pupil_id=report.pupil_id, happened_on__gte=report.period_start, happened_on__lte=report.period_end
        ).order_by("happened_on", "id")
    )
    awards = (
        []
        if DataKind.ASSESSMENT in withheld
        else list(
            Award.objects.live()
            .filter(pupil_id=report.pupil_id, awarded_on__gte=report.period_start, awarded_on__lte=report.period_end)
            .order_by("awarded_on", "id")
        )
    )
    return {
        "goals": [
            {
                "title": goal.title,
                "status": goal.status,
                "status_label": str(goal.get_status_display()),
                "target_date": goal.target_date.isoformat() if goal.target_date else "",
                "past_date": bool(
                    goal.target_date and goal.target_date < report.period_end and goal.status == "active"
                ),
            }
            for goal in goals
        ],
        "milestones": [{"title": m.title, "date": m.happened_on.isoformat()} for m in milestones],
        "awards": [{"title": a.title, "kind": a.kind, "date": a.awarded_on.isoformat()} for a in awards],
    }


def comments_section(report, withheld) -> list:
    """Teachers' comments written in the period on results and judgements (assessment data)."""
    if DataKind.ASSESSMENT in withheld:
        return []
    in_period = {"pupil_id": report.pupil_id}
    assessments = (
        Assessment.objects.live()
        .filter(**in_period, assessed_on__gte=report.period_start, assessed_on__lte=report.period_end)
        .exclude(comment="")
        .values_list("assessed_on", "subject__name", "comment")
    )
    judgements = (
        CompetencyJudgement.objects.live()
        .filter(**in_period, judged_on__gte=report.period_start, judged_on__lte=report.period_end)
        .exclude(comment="")
        .values_list("judged_on", "competency__name", "comment")
    )
    rows = sorted([*assessments, *judgements], key=lambda row: row[0])
    return [{"date": day.isoformat(), "about": about, "text": text} for day, about, text in rows]


def portfolio_section(report, withheld) -> list | None:
    """Approved portfolio items of the period (the portfolio kind only)."""
    if report.kind != ReportKind.PORTFOLIO:
        return None
    if DataKind.PHOTOS in withheld:
        return []
    start, end = _aware_bounds(report)
    items = (
        PortfolioItem.objects.live()
        .filter(pupil_id=report.pupil_id, status=ReviewStatus.APPROVED, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
    )
    return [
        {
            "title": item.title,
            "kind": item.kind,
            "kind_label": str(item.get_kind_display()),
            "description": item.description,
            "date": item.created_at.astimezone(report.school.zone).date().isoformat(),
            "has_file": bool(item.file),
        }
        for item in items
    ]


SECTIONS = (
    Section("header", header_section, gettext_lazy("reading the report's details")),
    Section("activity", activity_section, gettext_lazy("adding up the learning time")),
    Section("assessments", assessments_section, gettext_lazy("reading the results")),
    Section("competencies", competencies_section, gettext_lazy("reading the competencies")),
    Section("goals", goals_section, gettext_lazy("reading the goals and milestones")),
    Section("comments", comments_section, gettext_lazy("reading the teachers' comments")),
    Section("portfolio", portfolio_section, gettext_lazy("gathering the portfolio")),
)


def build_content(report) -> dict:
    """All sections for `report`, in its language (see the module for what each copy holds)."""
    withheld = withheld_kinds(report)
    content = {"version": VERSION}
    with translation.override(report.language):
        for section in SECTIONS:
            content[section.name] = section.fn(report, withheld)
    return content


# --- the numbers -------------------------------------------------------------------------------


def _plain(value):
    if value is None:
        return None
    value = float(value)
    return int(value) if value.is_integer() else round(value, 2)


def _direction(values: list[float]) -> str:
    """ "up", "down" or "steady" from the first to the latest result (a change under 5 points is
    steady: single quizzes move by more than that on a normal day)."""
    if len(values) < 2:
        return ""
    change = values[-1] - values[0]
    return "up" if change >= 5 else "down" if change <= -5 else "steady"


def _t80(df: int) -> float:
    if df in T80:
        return T80[df]
    for limit, value in T80_LARGE:
        if df <= limit:
            return value
    return 1.282


def projection(scored: list[tuple[dt.date, float]]) -> dict:
    """A straight line through the period's scored results (percent against date), and the range
    the next result is likely in (an 80 % prediction interval), in whole percentage points,
    clamped to 0-100, with a sentence that says how rough a guide it is. With fewer than three
    results: not enough to project (`enough` false), and no numbers."""
    count = len(scored)
    if count < MIN_RESULTS_TO_PROJECT:
        return {"enough": False, "count": count, "text": _not_enough_text(count)}
    first = scored[0][0]
    xs = [(day - first).days for day, _p in scored]
    ys = [percent for _d, percent in scored]
    span_days = xs[-1]
    if span_days == 0:
        # All on one day: no trend over time, only their spread.
        return {"enough": False, "count": count, "text": _not_enough_text(count, same_day=True)}
    mean_x, mean_y = sum(xs) / count, sum(ys) / count
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
    spread = math.sqrt(sum(r * r for r in residuals) / (count - 2)) if count > 2 else 0.0
    gap = span_days / (count - 1)  # the next result comes after the usual gap
    next_x = xs[-1] + gap
    expected = intercept + slope * next_x
    margin = _t80(count - 2) * spread * math.sqrt(1 + 1 / count + (next_x - mean_x) ** 2 / sxx)
    low = max(0, min(100, math.floor(expected - margin)))
    high = max(0, min(100, math.ceil(expected + margin)))
    weeks = round(span_days / 7)
    result = {
        "enough": True,
        "count": count,
        "span_days": span_days,
        "weeks": weeks,
        "slope_per_week": round(slope * 7, 1),
        "low": low,
        "high": high,
        "rough": count < ROUGH_BELOW,
    }
    result["text"] = projection_text(result)
    return result


def _not_enough_text(count: int, *, same_day: bool = False) -> str:
    if same_day:
        return _("All the scored results in this period are from one day, so there is no trend to project.")
    return ngettext(
        "There is %(count)s scored result in this period: not enough to project a trend (it takes at least 3).",
        "There are %(count)s scored results in this period: not enough to project a trend (it takes at least 3).",
        count,
    ) % {"count": count}


def projection_text(numbers: dict) -> str:
    """The projection in plain words, in the active language."""
    if numbers["weeks"] >= 2:
        since = ngettext("the last %(n)s week", "the last %(n)s weeks", numbers["weeks"]) % {"n": numbers["weeks"]}
    else:
        since = ngettext("the last %(n)s day", "the last %(n)s days", numbers["span_days"]) % {
            "n": numbers["span_days"]
        }
    if numbers["low"] == numbers["high"]:
        text = _("If things go on as in %(since)s, the next result is likely to be about %(low)s%%.") % {
            "since": since,
            "low": numbers["low"],
        }
    else:
        text = _("If things go on as in %(since)s, the next results are likely between %(low)s%% and %(high)s%%.") % {
            "since": since,
            "low": numbers["low"],
            "high": numbers["high"],
        }
    if numbers["rough"]:
        text += " " + ngettext(
            "With only %(count)s result this is a rough guide.",
            "With only %(count)s results this is a rough guide.",
            numbers["count"],
        ) % {"count": numbers["count"]}
    return text
