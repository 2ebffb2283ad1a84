"""Paid payments as `finance.payments` leaves them (paid, its ledger entry posted, the settlement
hooks called in the same transaction), for the receipt tests and the page walks."""

import itertools
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from finance import ledger, settlement
from finance.models import FamilyAccount, Payment, PaymentStatus, Plan, Purpose

_codes = itertools.count(1)


def mpesa_code() -> str:
    return f"TST{next(_codes):07d}"


def settled_payment(
    account: FamilyAccount,
    *,
    amount=Decimal("1500"),
    plan: Plan | None = None,
    requested_by=None,
    phone: str = "+254712345678",
    period: tuple[str, str] = ("2026-11-01", "2026-12-01"),
    details: dict | None = None,
) -> Payment:
    """A payment of `account`, settled as paid: receipts numbers it and records its email."""
    with transaction.atomic():
        payment = Payment.objects.create(
            account=account,
            requested_by=requested_by,
            purpose=Purpose.RENEWAL if plan else Purpose.BALANCE,
            details=details
            if details is not None
            else ({"plan_id": plan.pk, "period_start": period[0], "period_end": period[1]} if plan else {}),
            amount=amount,
            currency=account.currency,
            phone=phone,
            status=PaymentStatus.PAID,
            mpesa_receipt=mpesa_code(),
            result_code="0",
            settled_at=timezone.now(),
        )
        if plan is not None:
            ledger.post(
                account=account,
                kind="charge",
                purpose=payment.purpose,
                amount=amount,
                key=f"charge:{payment.pk}",
                payment=payment,
            )
        ledger.post(
            account=account,
            kind="payment",
            purpose=payment.purpose,
            amount=amount,
            key=f"payment:{payment.pk}",
            payment=payment,
        )
        settlement.paid(payment)
    payment.refresh_from_db()
    return payment


def unpaid_payment(account: FamilyAccount, *, amount=Decimal("1500"), phone: str = "+254712000999") -> Payment:
    return Payment.objects.create(
        account=account,
        amount=amount,
        currency=account.currency,
        phone=phone,
        status=PaymentStatus.FAILED,
        failure_reason="cancelled",
    )
