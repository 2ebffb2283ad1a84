"""Reads shared by the finance parts (each part's pages have their own selectors)."""

from django.core.cache import cache

from finance.models import Plan

_SCHOOLS_KEY = "finance:schools-taking-payments"


def schools_taking_payments() -> frozenset[int]:
    """Schools offering at least one plan: decides only whether the menu links to finance, so a
    minute's staleness is harmless (a new plan shows the link within a minute)."""
    found = cache.get(_SCHOOLS_KEY)
    if found is None:
        found = frozenset(Plan.objects.filter(is_active=True).values_list("school_id", flat=True).distinct())
        cache.set(_SCHOOLS_KEY, found, 60)
    return found


def forget_schools_taking_payments() -> None:
    cache.delete(_SCHOOLS_KEY)
