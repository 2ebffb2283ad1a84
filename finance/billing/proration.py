"""Period arithmetic and proration: pure functions, no database.

A period runs from its start up to, not including, its end, in calendar months (python-dateutil's
`relativedelta`: 31 January plus a month is the last day of February). A plan change on day `on`
is charged (or credited) for the days left, counting `on` itself: a change on the first day of a
period costs the whole difference, one on its last day one day's worth.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from finance.money import rounded

PERIOD_MONTHS = {"monthly": 1, "termly": 4, "yearly": 12}


def period_end(start: date, period: str) -> date:
    """The day the period that starts on `start` ends (the next period's first day)."""
    return start + relativedelta(months=PERIOD_MONTHS[str(period)])


@dataclass(frozen=True)
class Proration:
    days_left: int
    days_in_period: int
    # Positive: the family pays it; negative: it is credited to them. Rounded to the currency.
    amount: Decimal

    @property
    def is_charge(self) -> bool:
        return self.amount > 0

    @property
    def is_credit(self) -> bool:
        return self.amount < 0


def prorate(
    *, old_price: Decimal, new_price: Decimal, period_start: date, period_end: date, on: date, currency: str
) -> Proration:
    """The difference between two prices for the days of the period left on `on` (`on` included).
    A day before the period counts as its first day, a day at or after its end leaves nothing."""
    days_in_period = (period_end - period_start).days
    if days_in_period <= 0:
        raise ValueError("a period must end after it starts")
    days_left = max(0, min(days_in_period, (period_end - on).days))
    difference = Decimal(new_price) - Decimal(old_price)
    amount = rounded(difference * days_left / days_in_period, currency)
    # -0 reads badly ("−KES 0"): a change that costs nothing is 0.
    return Proration(days_left=days_left, days_in_period=days_in_period, amount=amount + Decimal(0))
