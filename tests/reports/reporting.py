"""Helpers for the report job's tests: a seeded family, a report row, the PDF's text, and the
figures recomputed from the rows (never read from reports.content)."""

import datetime as dt
import io

from pypdf import PdfReader

from progress.models import ActivitySession, Assessment
from reports.models import Report
from reports.periods import period_for

TODAY = dt.date(2026, 11, 20)  # a Friday: the weekly report covers 9-15 November


def make_report(pupil, *, kind="weekly", copy="family", language="en", on=TODAY, **fields) -> Report:
    start, end = period_for(kind, school=pupil.school, on=on, pupil=pupil)
    return Report.objects.create(
        school=pupil.school,
        pupil=pupil,
        kind=kind,
        copy=copy,
        language=language,
        period_start=start,
        period_end=end,
        **fields,
    )


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def expected_activity(pupil, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(minutes, days with learning) from the rows, on the school's clock."""
    zone = pupil.school.zone
    by_day: dict = {}
    for session in ActivitySession.objects.filter(pupil=pupil, deleted_at__isnull=True):
        day = session.started_at.astimezone(zone).date()
        if start <= day <= end:
            by_day[day] = by_day.get(day, 0) + session.minutes
    return sum(by_day.values()), sum(1 for minutes in by_day.values() if minutes)


def expected_results(pupil, start: dt.date, end: dt.date) -> list[Assessment]:
    return sorted(
        (a for a in Assessment.objects.filter(pupil=pupil, deleted_at__isnull=True) if start <= a.assessed_on <= end),
        key=lambda a: (a.assessed_on, a.pk),
    )
