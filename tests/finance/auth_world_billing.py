"""Billing's rows for the resolver walk (tests/test_authorization.py): the first family's account
and plans (so their pages render), and another school's plans and family account, whose names
carry the "Farschool" marker that must never show at the first school. `plan_id` in a URL is
tried with the other school's plans."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from finance import ledger
from finance.billing.proration import period_end
from finance.models import LIVE_SUBSCRIPTION, Plan, Subscription, SubscriptionStatus
from tests.finance.billing_worlds import ensure_account, ensure_plans

PARAMETER_MODELS = {"plan_id": Plan}


def _subscribed(account, plan):
    if not Subscription.objects.filter(LIVE_SUBSCRIPTION, account=account, pupil__isnull=True).exists():
        start = timezone.now().date() - timedelta(days=3)
        Subscription.objects.create(
            account=account,
            plan=plan,
            status=SubscriptionStatus.ACTIVE,
            period_start=start,
            period_end=period_end(start, plan.period),
        )


def forbidden_rows(world) -> dict:
    plans = ensure_plans(world.school)
    _subscribed(ensure_account(world.child), plans["standard"])

    other = ensure_account(world.other_child)
    _subscribed(other, plans["premium"])

    far_plans = ensure_plans(world.other_school, prefix="Farschool ")
    far = ensure_account(world.far_pupil)
    _subscribed(far, far_plans["premium"])
    ledger.post(
        account=far,
        kind="credit",
        purpose="balance",
        amount=Decimal("777"),
        key=f"auth-world:far:{far.pk}",
        details={"plan": "Farschool premium"},
    )
    return {Plan: [plan.pk for plan in far_plans.values()]}
