"""Billing's pages in the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
the world's parent gets a family account for their child on the Standard plan, with a little
history (a charge, a payment, a credit), so the plan, comparison, quote and history pages are
checked with something in them. `plan_id` is tried with Premium (an upgrade quote)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from finance import ledger
from finance.billing.proration import period_end
from finance.models import LIVE_SUBSCRIPTION, AddOn, Subscription, SubscriptionStatus
from tests.finance.billing_worlds import ensure_account, ensure_plans


def candidates(world) -> dict:
    plans = ensure_plans(world.school)
    AddOn.objects.get_or_create(
        school=world.school,
        code="tutoring",
        defaults={"name": "Extra tutoring", "unit": "hour", "price": Decimal("800"), "currency": "KES"},
    )
    account = ensure_account(world.child)
    if not Subscription.objects.filter(LIVE_SUBSCRIPTION, account=account, pupil__isnull=True).exists():
        start = timezone.now().date() - timedelta(days=5)
        Subscription.objects.create(
            account=account,
            plan=plans["standard"],
            status=SubscriptionStatus.ACTIVE,
            period_start=start,
            period_end=period_end(start, plans["standard"].period),
        )
    for kind, amount in (("charge", "1500"), ("payment", "1500"), ("credit", "200")):
        ledger.post(
            account=account,
            kind=kind,
            purpose="subscribe" if kind != "credit" else "plan_change",
            amount=Decimal(amount),
            key=f"a11y-billing:{account.pk}:{kind}",
            details={"plan": "Standard"},
        )
    return {"plan_id": [plans["premium"].pk]}
