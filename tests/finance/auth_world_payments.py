"""The payment pages in the resolver walk (tests/test_authorization.py): payments of another
family at the first school and of a family at another school, named by their public ids (the
pages' only parameter), which nobody at the first school may open. The first family gets an
account of its own so that its pay and Paybill pages render for the walk.

Plans are left to billing's world: the site menu links finance only for schools with plans."""

from decimal import Decimal

from finance.models import AccountMember, FamilyAccount, Payment, PaymentStatus

PARAMETER_MODELS = {"public_id": Payment}


def _account_for(pupil) -> FamilyAccount:
    member = AccountMember.objects.filter(pupil=pupil).select_related("account").first()
    if member is not None:
        return member.account
    account = FamilyAccount.objects.create(school=pupil.school, currency="KES")
    AccountMember.objects.create(account=account, pupil=pupil)
    return account


def forbidden_rows(world) -> dict:
    _account_for(world.child)
    rows = []
    for pupil, phone in ((world.other_child, "+254711000201"), (world.far_pupil, "+254711000202")):
        account = _account_for(pupil)
        rows.append(
            Payment.objects.create(
                account=account, amount=Decimal("1500"), phone=phone, status=PaymentStatus.WAITING
            ).public_id
        )
        rows.append(
            Payment.objects.create(
                account=account,
                amount=Decimal("700"),
                phone=phone,
                status=PaymentStatus.PAID,
                mpesa_receipt=f"R{phone[-6:]}",
            ).public_id
        )
    return {Payment: rows}
