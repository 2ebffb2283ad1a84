"""What happens when a payment is settled, without `finance.payments` knowing who cares.

`finance.payments` settles a payment exactly once (the first valid callback, STK query answer or
Paybill confirmation) and, in that same transaction, after posting the payment's own ledger
entry, calls `paid(payment)` or `failed(payment)`. The other parts register here from their
plugin's `ready()`:

- `finance.billing` applies what the payment paid for (`payment.purpose`, `payment.details`):
  charges on the ledger (keys derived from the payment), the plan change or renewal, the add-on
  purchase; on failure it cancels a pending add-on purchase or first subscription.
- `finance.receipts` numbers the receipt and records the outbox effect that sends it.

Hooks run inside the settling transaction: they write rows and record outbox entries, never
call the network. They must be idempotent (a settle retried after a crash calls them again).
"""

from collections.abc import Callable

from finance.models import Payment

Hook = Callable[[Payment], None]

_on_paid: dict[str, Hook] = {}
_on_failed: dict[str, Hook] = {}


def on_paid(name: str, hook: Hook) -> None:
    _on_paid[name] = hook


def on_failed(name: str, hook: Hook) -> None:
    _on_failed[name] = hook


def paid(payment: Payment) -> None:
    # Billing first (it applies the purchase), then receipts (the receipt describes it).
    for name in sorted(_on_paid, key=lambda n: (n != "billing", n)):
        _on_paid[name](payment)


def failed(payment: Payment) -> None:
    for name in sorted(_on_failed):
        _on_failed[name](payment)
