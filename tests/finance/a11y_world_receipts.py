"""The receipt download in the every-page walk (tests/browser/test_every_page_accessible.py): the
world's child gets a family account (shared with the other finance parts' modules: made only if
none exists yet) and a paid, receipted payment. The walk sees a PDF, not a page, and checks only
that it answers; the PDF's own tagging is tested in tests/finance/test_receipts.py."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from finance.models import AccountMember, FamilyAccount, Payment, Plan
from finance.receipts.numbering import next_receipt_number


def account_for(world) -> FamilyAccount:
    member = AccountMember.objects.filter(pupil=world.child).select_related("account").first()
    if member is not None:
        return member.account
    account = FamilyAccount.objects.create(school=world.school, currency="KES")
    AccountMember.objects.create(account=account, pupil=world.child)
    return account


def candidates(world) -> dict:
    plan, _ = Plan.objects.get_or_create(
        school=world.school, code="standard", defaults={"name": "Standard", "price": Decimal("1500"), "currency": "KES"}
    )
    account = account_for(world)
    payment = Payment.objects.create(
        account=account,
        requested_by=world.parent,
        purpose="renewal",
        details={"plan_id": plan.pk},
        amount=plan.price,
        phone="+254712345678",
        status="paid",
        mpesa_receipt="A11YRCPT01",
        settled_at=timezone.now(),
    )
    with transaction.atomic():  # numbering locks the school's row
        payment.receipt_number = next_receipt_number(payment)
        payment.save(update_fields=["receipt_number"])
    return {"route:finance:receipt": {"public_id": [str(payment.public_id)]}}
