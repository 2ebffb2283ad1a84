"""The family ledger: the one way money enters or leaves an account's books.

`post()` is idempotent by `key` (a handler that runs twice posts once) and never edits an entry;
`balance()` is the sum. Call both inside the transaction that makes the change they record.
"""

from decimal import Decimal

from django.db.models import Sum

from finance.models import EntryKind, FamilyAccount, LedgerEntry, Payment, Subscription

NEGATIVE_KINDS = (EntryKind.CHARGE, EntryKind.REFUND)


def post(
    *,
    account: FamilyAccount,
    kind: str,
    purpose: str,
    amount: Decimal,
    key: str,
    payment: Payment | None = None,
    subscription: Subscription | None = None,
    created_by=None,
    details: dict | None = None,
) -> LedgerEntry:
    """Record one entry. `amount` is given as a positive figure; charges and refunds are stored
    negative. Posting the same `key` again returns the first entry unchanged."""
    amount = Decimal(amount)
    if amount < 0:
        raise ValueError("give ledger amounts as positive figures; the kind decides the sign")
    signed = -amount if kind in NEGATIVE_KINDS else amount
    entry, _created = LedgerEntry.objects.get_or_create(
        key=key,
        defaults={
            "account": account,
            "kind": kind,
            "purpose": purpose,
            "amount": signed,
            "currency": account.currency,
            "payment": payment,
            "subscription": subscription,
            "created_by": created_by,
            "details": details or {},
        },
    )
    return entry


def balance(account: FamilyAccount | int) -> Decimal:
    """Positive: the family is in credit; negative: they owe."""
    total = LedgerEntry.objects.filter(account_id=getattr(account, "pk", account)).aggregate(total=Sum("amount"))[
        "total"
    ]
    return total or Decimal("0")
