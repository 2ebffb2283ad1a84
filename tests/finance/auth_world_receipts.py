"""Finance rows at the other school for the resolver walk (tests/test_authorization.py): a plan,
an add-on, a family account with its pupil, a subscription, a paid and receipted payment with its
ledger entries, an add-on purchase and a flagged callback, each carrying a "Farschool" marker that
must never show to anyone at the first school (Django admin included)."""

from decimal import Decimal

from django.utils import timezone

from finance.models import (
    AccountMember,
    AddOn,
    AddOnPurchase,
    CallbackRecord,
    FamilyAccount,
    LedgerEntry,
    Payment,
    Plan,
    Subscription,
)

# The receipt's URL names its payment by public id (a UUID): the walk's integer ids do not
# resolve, which is itself a 404 to a guesser.
PARAMETER_MODELS: dict = {"public_id": Payment}


def forbidden_rows(world) -> dict:
    school = world.other_school
    # Several finance modules add rows to one world: reuse what another made for the far pupil.
    plan, _ = Plan.objects.get_or_create(
        school=school, code="far-plan", defaults={"name": "Farschool plan", "price": Decimal("1500")}
    )
    add_on, _ = AddOn.objects.get_or_create(
        school=school, code="far-tutoring", defaults={"name": "Farschool tutoring", "price": Decimal("800")}
    )
    member = AccountMember.objects.filter(pupil=world.far_pupil).select_related("account").first()
    if member is None:
        account = FamilyAccount.objects.create(school=school, currency="KES")
        member = AccountMember.objects.create(account=account, pupil=world.far_pupil)
    account = member.account
    subscription = Subscription.objects.filter(account=account, pupil__isnull=True).exclude(status="ended").first()
    if subscription is None:
        subscription = Subscription.objects.create(account=account, plan=plan, status="active")
    payment = Payment.objects.create(
        account=account,
        requested_by=world.far_parent,
        amount=Decimal("1500"),
        phone="+254799000123",
        status="paid",
        mpesa_receipt="FARSCHOOL1",
        receipt_number="FARSCHOOL-2026-000001",
        settled_at=timezone.now(),
        details={"payer_name": "Farschool payer"},
    )
    entries = [
        LedgerEntry.objects.create(
            account=account,
            kind="payment",
            purpose="balance",
            amount=Decimal("1500"),
            currency="KES",
            payment=payment,
            key=f"payment:{payment.pk}",
            details={"reason": "Farschool payment"},
        ),
        LedgerEntry.objects.create(
            account=account,
            kind="charge",
            purpose="balance",
            amount=Decimal("-1500"),
            currency="KES",
            subscription=subscription,
            key=f"charge:{payment.pk}",
            details={"reason": "Farschool charge"},
        ),
    ]
    purchase = AddOnPurchase.objects.create(
        account=account, add_on=add_on, unit_price=Decimal("800"), bought_by=world.far_parent
    )
    callback = CallbackRecord.objects.create(
        source="stk",
        payment=payment,
        school=school,
        raw_body='{"Farschool": "callback body"}',
        outcome="flagged",
        note="Farschool callback",
    )
    return {
        Plan: [plan.pk],
        AddOn: [add_on.pk],
        FamilyAccount: [account.pk],
        AccountMember: [member.pk],
        Subscription: [subscription.pk],
        Payment: [payment.pk],
        LedgerEntry: [entry.pk for entry in entries],
        AddOnPurchase: [purchase.pk],
        CallbackRecord: [callback.pk],
    }
