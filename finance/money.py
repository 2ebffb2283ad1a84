"""Amounts as people read them, and as M-Pesa takes them."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

# M-Pesa takes whole shillings; pounds are kept to the penny.
QUANTUM = {"KES": Decimal("1"), "GBP": Decimal("0.01")}


def rounded(amount: Decimal, currency: str) -> Decimal:
    return Decimal(amount).quantize(QUANTUM.get(currency, Decimal("0.01")), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """ "KES 1,500" or "£12.50", with the locale's separators."""
    amount = Decimal(amount)
    places = 0 if currency == "KES" else 2
    text = number_format(abs(amount), decimal_pos=places, force_grouping=True)
    sign = "−" if amount < 0 else ""
    if currency == "GBP":
        return f"{sign}£{text}"
    return f"{sign}{currency} {text}"
