"""Proration on its edges: pure arithmetic, no database."""

from datetime import date
from decimal import Decimal

import pytest

from finance.billing.proration import period_end, prorate

D = Decimal


def test_a_month_from_the_31st_of_january_ends_on_the_last_day_of_february():
    assert period_end(date(2027, 1, 31), "monthly") == date(2027, 2, 28)
    assert period_end(date(2028, 1, 31), "monthly") == date(2028, 2, 29)


def test_terms_are_four_months_and_years_twelve():
    assert period_end(date(2027, 1, 1), "termly") == date(2027, 5, 1)
    assert period_end(date(2027, 3, 1), "yearly") == date(2028, 3, 1)
    assert period_end(date(2028, 2, 29), "yearly") == date(2029, 2, 28)


def _december(on, old="1500", new="3000", currency="KES"):
    return prorate(
        old_price=D(old),
        new_price=D(new),
        period_start=date(2026, 12, 1),
        period_end=date(2027, 1, 1),
        on=on,
        currency=currency,
    )


def test_a_change_on_the_first_day_charges_the_whole_difference():
    result = _december(date(2026, 12, 1))
    assert (result.days_left, result.days_in_period, result.amount) == (31, 31, D("1500"))


def test_a_change_on_the_last_day_charges_one_day():
    result = _december(date(2026, 12, 31))
    assert result.days_left == 1
    assert result.amount == D("48")  # 1500 / 31 = 48.39, in whole shillings


def test_the_day_of_the_change_counts_as_a_day_left():
    # 11 December: 21 days left of 31 (11th to 31st).
    result = _december(date(2026, 12, 11))
    assert result.days_left == 21
    assert result.amount == D("1016")  # 1500 * 21 / 31 = 1016.13


def test_a_downgrade_is_a_credit():
    result = _december(date(2026, 12, 11), old="3000", new="1500")
    assert result.amount == D("-1016")
    assert result.is_credit
    assert not result.is_charge


def test_a_change_to_the_same_price_costs_nothing():
    result = _december(date(2026, 12, 11), old="1500", new="1500")
    assert result.amount == 0
    assert str(result.amount) == "0"  # not "-0"
    assert not result.is_charge
    assert not result.is_credit


@pytest.mark.parametrize(
    ("old", "new", "start", "end", "on", "expected"),
    [
        # A leap-year February has 29 days: its last day is 1/29 of the difference.
        ("2900", "5800", date(2028, 2, 1), date(2028, 3, 1), date(2028, 2, 29), (1, 29, D("100"))),
        # A leap year has 366 days.
        ("0", "36600", date(2028, 1, 1), date(2029, 1, 1), date(2028, 12, 31), (1, 366, D("100"))),
        # 15 January to 15 February is 31 days; on 1 February, 14 are left.
        ("1000", "4100", date(2027, 1, 15), date(2027, 2, 15), date(2027, 2, 1), (14, 31, D("1400"))),
    ],
    ids=["leap-february", "leap-year", "across-a-month-end"],
)
def test_days_left_and_in_the_period_follow_the_calendar(old, new, start, end, on, expected):
    result = prorate(old_price=D(old), new_price=D(new), period_start=start, period_end=end, on=on, currency="KES")
    assert (result.days_left, result.days_in_period, result.amount) == expected


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("KES", D("1016")), ("GBP", D("1016.13"))],
)
def test_rounding_to_whole_shillings_and_to_pence(currency, expected):
    assert _december(date(2026, 12, 11), currency=currency).amount == expected


def test_half_a_shilling_rounds_up():
    # 1 day of 31 at 31 * 1.5 = 46.5 a month: 1.5 -> 2.
    result = _december(date(2026, 12, 31), old="0", new="46.5")
    assert result.amount == D("2")


def test_before_the_period_is_the_whole_period_and_after_it_nothing():
    assert _december(date(2026, 11, 20)).days_left == 31
    assert _december(date(2027, 1, 1)).amount == 0


def test_a_period_that_does_not_end_after_it_starts_is_refused():
    with pytest.raises(ValueError, match="period"):
        prorate(
            old_price=D(1),
            new_price=D(2),
            period_start=date(2027, 1, 1),
            period_end=date(2027, 1, 1),
            on=date(2027, 1, 1),
            currency="KES",
        )
