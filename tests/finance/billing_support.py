"""Settling payments the way finance.payments will: the payment's own ledger entry, then the
settlement hooks, in one transaction (shared by the billing tests)."""

import itertools
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from finance import ledger, settlement
from finance.billing.proration import period_end
from finance.billing.renewals import school_today
from finance.models import Payment, PaymentStatus, Subscription, SubscriptionStatus

_phones = itertools.count(1)


def asked(account, request, *, user=None) -> Payment:
    """The payment finance.payments would create for a billing PaymentRequest (still pending)."""
    return Payment.objects.create(
        account=account,
        requested_by=user,
        purpose=request.purpose,
        details=request.details,
        amount=request.amount,
        currency=account.currency,
        phone=f"+2547{next(_phones):08d}",
        status=PaymentStatus.SENDING,
    )


@transaction.atomic
def settle(payment: Payment) -> Payment:
    payment.status = PaymentStatus.PAID
    payment.settled_at = timezone.now()
    payment.save()
    ledger.post(
        account=payment.account,
        kind="payment",
        purpose=payment.purpose,
        amount=payment.amount,
        key=f"payment:{payment.pk}",
        payment=payment,
    )
    settlement.paid(payment)
    return payment


@transaction.atomic
def fail(payment: Payment) -> Payment:
    payment.status = PaymentStatus.FAILED
    payment.settled_at = timezone.now()
    payment.save()
    settlement.failed(payment)
    return payment


def active(account, plan, *, start: date | None = None, pupil=None) -> Subscription:
    """A subscription already running (its period started on `start`, default today)."""
    start = start or school_today(account.school)
    return Subscription.objects.create(
        account=account,
        pupil=pupil,
        plan=plan,
        status=SubscriptionStatus.ACTIVE,
        period_start=start,
        period_end=period_end(start, plan.period),
    )


def days(n: int) -> timedelta:
    return timedelta(days=n)
