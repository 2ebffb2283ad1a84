"""Streaks and the figures behind the cards, on hand-made records."""

import datetime

from django.utils import timezone

from parents import selectors
from progress.models import ActivitySession
from tests import factories

TODAY = datetime.date(2026, 11, 29)


def days_back(*offsets):
    return {TODAY - datetime.timedelta(days=offset) for offset in offsets}


def test_no_activity_is_no_streak():
    streak = selectors.streak_of(set(), TODAY)
    assert (streak.days, streak.longest, streak.at_least) == (0, 0, False)


def test_a_streak_counts_back_from_today():
    assert selectors.streak_of(days_back(0, 1, 2, 4), TODAY).days == 3


def test_a_streak_is_not_broken_before_today_is_over():
    assert selectors.streak_of(days_back(1, 2), TODAY).days == 2


def test_a_gap_of_two_days_ends_it_and_the_longest_run_is_kept():
    streak = selectors.streak_of(days_back(2, 3, 10, 11, 12, 13), TODAY)
    assert streak.days == 0
    assert streak.longest == 4


def test_a_streak_longer_than_the_look_back_says_at_least():
    streak = selectors.streak_of(days_back(*range(150)), TODAY, lookback=100)
    assert streak.days == 100
    assert streak.at_least


def test_minutes_are_summed_per_child_and_day_on_the_readers_clock(db):
    guardian = factories.UserFactory(time_zone="Africa/Nairobi")
    child = factories.PupilFactory()
    nairobi = guardian.zone
    # 23:30 in Nairobi on the 28th is 20:30 UTC: the 28th for the family, whatever the server's clock.
    for hour, minutes in ((9, 30), (23, 15)):
        ActivitySession.objects.create(
            pupil=child,
            started_at=datetime.datetime(2026, 11, 28, hour, 30, tzinfo=nairobi),
            minutes=minutes,
        )
    ActivitySession.objects.create(
        pupil=child, started_at=datetime.datetime(2026, 11, 29, 0, 30, tzinfo=nairobi), minutes=10
    )
    deleted = ActivitySession.objects.create(
        pupil=child, started_at=datetime.datetime(2026, 11, 29, 8, 0, tzinfo=nairobi), minutes=99
    )
    deleted.deleted_at = timezone.now()
    deleted.save(update_fields=["deleted_at"])
    found = selectors.minutes_by_day(user=guardian, pupil_ids=[child.pk], since=datetime.date(2026, 11, 1))
    assert found[child.pk] == {datetime.date(2026, 11, 28): 45, datetime.date(2026, 11, 29): 10}


def test_an_england_radar_shows_the_age_related_expectations_by_their_codes(db):
    from progress.competencies import ensure_built_in
    from progress.models import Competency, CompetencyJudgement

    school = factories.SchoolFactory(curriculum="england")
    child = factories.PupilFactory(school=school)
    ensure_built_in()
    reading = Competency.objects.get(school=None, code="READ")
    maths = Competency.objects.get(school=None, code="MATH")
    for competency, level, day in ((reading, "WTS", 1), (reading, "EXS", 20), (maths, "GDS", 5)):
        CompetencyJudgement.objects.create(
            pupil=child, competency=competency, scale="england_are", level=level, judged_on=datetime.date(2026, 11, day)
        )
    chart, kind = selectors.competency_radar_for(child)
    assert kind == "are"
    # The latest judgement of each, as its code and rank on the scale; writing not judged yet.
    assert chart.values == [("EXS", 2), None, ("GDS", 3)]
    assert [str(row[0]) for row in chart.rows] == ["Reading", "Writing", "Mathematics"]
    assert "WTS" in str(chart.svg)  # the innermost ring's label
