"""The payment pages in the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
the world's child gets a family account that owes a plan's price, and the parent one payment in
each state the status page shows (waiting for the PIN, checking with M-Pesa, paid, not completed),
so each version of the page is checked. M-Pesa's own endpoints are POST-only (405 on GET)."""

from decimal import Decimal

from django.utils import timezone

from finance import ledger
from finance.models import AccountMember, FailureReason, FamilyAccount, Payment, PaymentStatus


def candidates(world) -> dict:
    member = AccountMember.objects.filter(pupil=world.child).select_related("account").first()
    if member is None:
        account = FamilyAccount.objects.create(school=world.child.school, currency="KES")
        AccountMember.objects.create(account=account, pupil=world.child)
    else:
        account = member.account
    ledger.post(account=account, kind="charge", purpose="subscribe", amount=Decimal("1500"), key="a11y-payments:charge")
    now = timezone.now()
    common = {"account": account, "amount": Decimal("1500"), "requested_by": world.parent}
    payments = [
        Payment.objects.create(**common, phone="+254712000301", status=PaymentStatus.WAITING, prompted_at=now),
        Payment.objects.create(**common, phone="+254712000302", status=PaymentStatus.CHECKING, prompted_at=now),
        Payment.objects.create(
            **common, phone="+254712000303", status=PaymentStatus.PAID, mpesa_receipt="NLJ7RT61SV", settled_at=now
        ),
        Payment.objects.create(
            **common,
            phone="+254712000304",
            status=PaymentStatus.FAILED,
            failure_reason=FailureReason.INSUFFICIENT_FUNDS,
            settled_at=now,
        ),
    ]
    ids = [payment.public_id for payment in payments]
    return {
        "route:finance:payment": {"public_id": ids},
        "route:finance:payment_status": {"public_id": ids[:1]},
        "route:finance:mpesa_callback": {"token": ["not-a-token"]},
        "route:finance:c2b_validation": {"secret": ["not-the-secret"]},
        "route:finance:c2b_confirmation": {"secret": ["not-the-secret"]},
    }
