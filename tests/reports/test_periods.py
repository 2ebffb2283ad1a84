"""The dates each kind of report covers, and how they are said."""

import datetime as dt

import pytest
from django.utils import translation

from accounts.models import School
from reports.periods import describe_period, period_for
from tests.parents.family import seed_family

KENYA = School(name="K", slug="k", country="KE", curriculum="kenya_cbc")
ENGLAND = School(name="E", slug="e", country="GB", curriculum="england")
D = dt.date


@pytest.mark.parametrize("on", [D(2026, 11, 23), D(2026, 11, 26), D(2026, 11, 29)])
def test_weekly_is_the_whole_week_before_the_week_asked_in(on):
    assert period_for("weekly", school=KENYA, on=on) == (D(2026, 11, 16), D(2026, 11, 22))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2026, 11, 1), (D(2026, 10, 1), D(2026, 10, 31))),
        (D(2026, 3, 30), (D(2026, 2, 1), D(2026, 2, 28))),
        (D(2027, 1, 15), (D(2026, 12, 1), D(2026, 12, 31))),
    ],
)
def test_monthly_is_the_previous_calendar_month(on, expected):
    assert period_for("monthly", school=ENGLAND, on=on) == expected


@pytest.mark.parametrize(
    ("school", "on", "expected"),
    [
        (KENYA, D(2026, 2, 10), (D(2026, 1, 1), D(2026, 3, 31))),
        (KENYA, D(2026, 4, 10), (D(2026, 1, 1), D(2026, 3, 31))),  # April holiday: term 1 just ended
        (KENYA, D(2026, 6, 1), (D(2026, 5, 1), D(2026, 7, 31))),
        (KENYA, D(2026, 12, 20), (D(2026, 9, 1), D(2026, 11, 30))),
        (ENGLAND, D(2026, 10, 5), (D(2026, 9, 1), D(2026, 12, 31))),
        (ENGLAND, D(2026, 8, 15), (D(2026, 4, 1), D(2026, 7, 31))),  # summer holiday
        (ENGLAND, D(2027, 2, 1), (D(2027, 1, 1), D(2027, 3, 31))),
    ],
)
def test_term_is_the_current_or_last_term_by_country(school, on, expected):
    assert period_for("term", school=school, on=on) == expected


def test_portfolio_is_the_school_year():
    assert period_for("portfolio", school=ENGLAND, on=D(2026, 11, 3)) == (D(2026, 9, 1), D(2027, 8, 31))
    assert period_for("portfolio", school=ENGLAND, on=D(2026, 7, 3)) == (D(2025, 9, 1), D(2026, 8, 31))
    assert period_for("portfolio", school=KENYA, on=D(2026, 7, 3)) == (D(2026, 1, 1), D(2026, 12, 31))


@pytest.mark.django_db
def test_transcript_runs_from_the_first_record():
    today = D(2026, 11, 20)
    family = seed_family(children=1, days=12, label="tr", today=today)
    pupil = family.children[0]
    # Seeded activity runs back 11 days (offset 0..11), the oldest is 9 November.
    assert period_for("transcript", school=family.school, on=today, pupil=pupil) == (D(2026, 11, 9), today)
    with pytest.raises(ValueError, match="pupil"):
        period_for("transcript", school=family.school, on=today)


def test_describe_period_in_the_reports_language():
    with translation.override("en"):
        assert (
            describe_period("weekly", D(2026, 11, 16), D(2026, 11, 22))
            == "Week of 16 November 2026 (to 22 November 2026)"
        )
        assert describe_period("monthly", D(2026, 10, 1), D(2026, 10, 31)) == "October 2026"
        assert describe_period("portfolio", D(2026, 9, 1), D(2027, 8, 31)) == "School year 2026–27"
    with translation.override("es"):
        assert "octubre" in describe_period("monthly", D(2026, 10, 1), D(2026, 10, 31)).lower()


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown"):
        period_for("yearly", school=KENYA, on=D(2026, 1, 1))
