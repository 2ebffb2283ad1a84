"""Corrections a school makes to a family's account: a new ledger entry (a credit or a charge) with
the reason written down, never a change to an entry already made."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from finance import ledger
from finance.models import EntryKind, FamilyAccount, LedgerEntry, Purpose
from finance.money import rounded

CORRECTION_KINDS = (EntryKind.CREDIT, EntryKind.CHARGE)


@transaction.atomic
def ledger_correct(
    *, actor: User, account: FamilyAccount, kind: str, amount: Decimal, reason: str, key: str
) -> LedgerEntry:
    """Post a credit (the family is owed, or owes less) or a charge (they owe more) of `amount`
    (positive, in the account's currency) to `account`, with `reason`; audited. `key` is the
    form's idempotency key: the same correction submitted twice is posted once. Refuses another
    kind, a zero or negative amount and an empty reason with a ValidationError."""
    if kind not in CORRECTION_KINDS:
        raise ValidationError(_("A correction is a credit or a charge."))
    amount = rounded(Decimal(amount), account.currency)
    if amount <= 0:
        raise ValidationError(_("Enter an amount greater than zero."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the account is corrected: the family and the auditors will ask."))
    entry_key = f"correction:{account.pk}:{key}"
    already = LedgerEntry.objects.filter(key=entry_key).exists()
    entry = ledger.post(
        account=account,
        kind=kind,
        purpose=Purpose.BALANCE,
        amount=amount,
        key=entry_key,
        created_by=actor,
        details={"reason": reason, "correction": True},
    )
    if not already:
        audit.record(
            actor=actor,
            action="ledger.corrected",
            target=entry,
            school=account.school_id,
            account_id=account.pk,
            kind=kind,
            amount=str(amount),
            reason=reason,
        )
    return entry
