"""Receipts: numbered when a payment is settled, emailed (PDF attached) through the outbox.

`receipt_issue` is the settlement hook (`finance.settlement.on_paid("receipts", ...)`): it runs in
the settling transaction, numbers the receipt once and records the `finance.receipt.send` effect,
whose handler (`finance.receipts.effects`) decides who receives it when it runs.
"""

from django.db import transaction

from finance.models import Payment, PaymentStatus
from finance.receipts.numbering import next_receipt_number
from hub import outbox

RECEIPT_SEND = "finance.receipt.send"


@transaction.atomic
def receipt_issue(payment: Payment) -> Payment:
    """Give a paid payment its receipt number (once: a settle retried after a crash keeps the first
    number) and record the email that sends it. Nothing for a payment that is not paid."""
    if payment.status != PaymentStatus.PAID:
        return payment
    if not payment.receipt_number:
        current = Payment.objects.filter(pk=payment.pk).values_list("receipt_number", flat=True).first()
        if current:
            payment.receipt_number = current
        else:
            payment.receipt_number = next_receipt_number(payment)
            Payment.objects.filter(pk=payment.pk).update(receipt_number=payment.receipt_number)
    # Not audited here: the settlement that calls this is, and numbering is part of it. (Auditing
    # would also take the school's audit chain lock while holding the school row: one lock order
    # fewer to keep in mind.)
    outbox.record(RECEIPT_SEND, target=payment)
    return payment
