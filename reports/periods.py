"""The dates a report covers, and how to say them.

A report's period is decided once, when it is asked for, and stored on the report
(`period_start`, `period_end`, both inclusive), so the same request made twice lands on the same
period and finds the existing copy instead of making another.

- weekly: the whole Monday-Sunday week before the week `on` falls in (asked for on any day of the
  week of 23 November, it covers 16-22 November): a week is reported once it is over.
- monthly: the previous calendar month (asked for on any day of November: 1-31 October).
- term: the term `on` falls in, or when `on` is in a holiday, the term that ended last. Terms are
  the usual national calendar by the school's country (Kenya: 1 January-31 March, 1 May-31 July,
  1 September-30 November; England and every other country for now: autumn 1 September-
  31 December, spring 1 January-31 March, summer 1 April-31 July). The whole term: a summary asked
  for mid-term shows what has been recorded so far and the same report is refreshed later.
- transcript: from the pupil's first record (assessment, judgement, award, activity or
  observation) to `on`; with no record yet, the single day `on`.
- portfolio: the school year `on` falls in (England: 1 September-31 August; Kenya: the calendar
  year).
"""

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _

KINDS = ("weekly", "monthly", "term", "transcript", "portfolio")

# (first month, first day, last month, last day) of each term, in calendar order.
KENYA_TERMS = ((1, 1, 3, 31), (5, 1, 7, 31), (9, 1, 11, 30))
ENGLAND_TERMS = ((1, 1, 3, 31), (4, 1, 7, 31), (9, 1, 12, 31))


def terms_for(school) -> tuple:
    return KENYA_TERMS if (school.country or "").upper() == "KE" else ENGLAND_TERMS


def period_for(kind: str, *, school, on: dt.date, pupil=None) -> tuple[dt.date, dt.date]:
    """(start, end), both inclusive, of a `kind` report asked for on `on`. The transcript needs
    the `pupil` (it starts at their first record); ValueError for an unknown kind."""
    if kind == "weekly":
        this_monday = on - dt.timedelta(days=on.weekday())
        return this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1)
    if kind == "monthly":
        end = on.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if kind == "term":
        return term_around(school=school, on=on)
    if kind == "transcript":
        if pupil is None:
            raise ValueError("A transcript's period starts at the pupil's first record: pass pupil.")
        first = first_record_on(pupil)
        return (min(first, on) if first else on), on
    if kind == "portfolio":
        if (school.country or "").upper() == "KE":
            return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
        year = on.year if on.month >= 9 else on.year - 1
        return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)
    raise ValueError(f"Unknown report kind {kind!r}")


def term_around(*, school, on: dt.date) -> tuple[dt.date, dt.date]:
    """The term containing `on`, or in a holiday the last one that ended before it."""
    candidates = []
    for year in (on.year - 1, on.year):
        for start_month, start_day, end_month, end_day in terms_for(school):
            candidates.append((dt.date(year, start_month, start_day), dt.date(year, end_month, end_day)))
    return max((start, end) for start, end in candidates if start <= on)


def first_record_on(pupil) -> dt.date | None:
    """The date of the pupil's earliest record of any kind (four small indexed queries)."""
    from django.db.models import Min

    from progress.models import ActivitySession, Assessment, Award, CompetencyJudgement

    dates = [
        Assessment.objects.filter(pupil=pupil, deleted_at__isnull=True).aggregate(d=Min("assessed_on"))["d"],
        CompetencyJudgement.objects.filter(pupil=pupil, deleted_at__isnull=True).aggregate(d=Min("judged_on"))["d"],
        Award.objects.filter(pupil=pupil, deleted_at__isnull=True).aggregate(d=Min("awarded_on"))["d"],
    ]
    started = ActivitySession.objects.filter(pupil=pupil, deleted_at__isnull=True).aggregate(d=Min("started_at"))["d"]
    if started:
        dates.append(started.astimezone(pupil.school.zone).date())
    dates = [d for d in dates if d]
    return min(dates) if dates else None


def _day(d: dt.date) -> str:
    return date_format(d, "j F Y")


def describe_period(kind: str, start: dt.date, end: dt.date) -> str:
    """The period in words, in the active language ("Week of 16 November 2026", "October 2026")."""
    if kind == "weekly":
        return _("Week of %(monday)s (to %(sunday)s)") % {"monday": _day(start), "sunday": _day(end)}
    if kind == "monthly":
        return date_format(start, "F Y").capitalize()
    if kind == "term":
        return _("Term from %(start)s to %(end)s") % {"start": _day(start), "end": _day(end)}
    if kind == "portfolio":
        if start.year == end.year:
            return _("School year %(year)s") % {"year": start.year}
        return _("School year %(first)s–%(second)s") % {"first": start.year, "second": str(end.year)[-2:]}
    return _("From %(start)s to %(end)s") % {"start": _day(start), "end": _day(end)}
