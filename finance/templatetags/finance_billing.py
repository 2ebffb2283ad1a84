"""Template helpers for the finance pages."""

from django import template
from django.urls import NoReverseMatch, reverse

from finance.money import format_money

register = template.Library()


@register.simple_tag
def optional_url(name, *args):
    """The URL of `name`, or "" when no installed part provides it (a link is then left out)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def money(amount, currency):
    return format_money(amount, currency)


@register.filter
def owed(balance, currency):
    """A negative balance as the amount owed ("KES 1,500", not "−KES 1,500")."""
    return format_money(-balance, currency)
