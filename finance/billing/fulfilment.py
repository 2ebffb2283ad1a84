"""What a confirmed payment pays for. Called by `finance.payments` inside the transaction that
marks a payment paid (after the payment's own ledger entry is posted); idempotent, because a
payment is settled once but this may be asked again after a crash.

CONTRACT (owned by finance.billing): `fulfil(payment)` applies `payment.purpose` with
`payment.details` (subscribe / plan change / renewal / add-on / balance), posting the charges to
the ledger with keys derived from the payment, and changing the subscription only now.
`payment_failed(payment)` undoes nothing (nothing was applied) but may cancel a pending add-on
purchase or a pending first subscription.
"""

from finance.models import Payment


def fulfil(payment: Payment) -> None:  # replaced by finance.billing
    return None


def payment_failed(payment: Payment) -> None:  # replaced by finance.billing
    return None
