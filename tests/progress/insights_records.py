"""Records for the insights tests, made directly (the rules read rows, not how they were written)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from progress.models import ActivitySession, Assessment, Goal, Insight, Milestone, Subject


def subject(school, name="Mathematics"):
    return Subject.objects.get_or_create(school=school, name=name)[0]


def at(pupil, day: datetime.date, hour: int = 16) -> datetime.datetime:
    """`day` at `hour` on the pupil's school's clock."""
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=pupil.school.zone)


def activity(pupil, day: datetime.date, minutes: int, *, hour: int = 16, subject_row=None, kind="lesson"):
    return ActivitySession.objects.create(
        pupil=pupil, started_at=at(pupil, day, hour), minutes=minutes, subject=subject_row, kind=kind
    )


def daily_activity(pupil, *, until: datetime.date, days: int, minutes: int, subject_row=None):
    ActivitySession.objects.bulk_create(
        ActivitySession(
            pupil=pupil,
            started_at=at(pupil, until - datetime.timedelta(days=n)),
            minutes=minutes,
            subject=subject_row,
        )
        for n in range(days)
    )


def assessment(pupil, subject_row, day, score, out_of=100, **extra):
    return Assessment.objects.create(
        pupil=pupil,
        subject=subject_row,
        title=extra.pop("title", f"Test {day}"),
        assessed_on=day,
        score=None if score is None else Decimal(score),
        max_score=None if score is None else Decimal(out_of),
        **extra,
    )


def goal(pupil, created_by, **fields):
    fields.setdefault("title", "Read every night")
    fields.setdefault("category", "academic")
    return Goal.objects.create(pupil=pupil, created_by=created_by, **fields)


def milestone(pupil, day, key="streak:7", kind="streak", title="Seven days in a row"):
    return Milestone.objects.create(pupil=pupil, kind=kind, key=key, title=title, happened_on=day)


def insight(pupil, *, rule="engagement_drop", severity="warning", key=None, numbers=None, **fields):
    numbers = numbers or {"this_week": 34, "average": 95, "weeks": 4, "percent_down": 64}
    return Insight.objects.create(
        pupil=pupil,
        rule=rule,
        severity=severity,
        key=key or f"{rule}:{timezone.now().timestamp()}",
        numbers=numbers,
        **fields,
    )
