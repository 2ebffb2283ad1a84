"""Outbox handlers that talk to M-Pesa (the contract is in `hub.outbox`); imported by the payments
plug-in's ready().

Sending the prompt is done in two steps, so a parent is never prompted twice for one payment:

1. The handler, in the outbox's transaction, locks the payment and sets `push_attempted_at`
   (unless the payment is settled or a push was attempted before: then there is nothing to do).
   It returns `AfterCommit(step)`, so that mark is committed before M-Pesa is called.
2. The step calls M-Pesa with no row lock held (the callback may arrive before the push's response
   does, and must be able to settle the payment meanwhile), then records the answer in a short
   transaction of its own.

A worker that dies after the push and before recording its answer leaves `push_attempted_at` set:
when the sweeper runs the entry again, step 1 finds the mark and does not push again; the payment
is then settled by its callback (found by the URL's token) or closed by reconciliation. Only when
M-Pesa was surely not reached (DarajaUnavailable: network error, timeout, 5xx) does the step clear
the mark and raise, so the outbox retries the push with backoff; after the last attempt the
payment is closed as "prompt failed" and its page offers Paybill.

Caveat: a timeout counts as "not reached" (DarajaUnavailable), yet Daraja may have accepted the
request just before. A retry can then prompt once more; M-Pesa itself refuses a second prompt
while the first waits on the phone, which limits that to a prompt after the first one ended.
"""

import logging

from finance.daraja.client import DarajaError, DarajaUnavailable, client
from finance.daraja.phones import msisdn
from finance.models import Payment
from finance.payments import services
from hub import outbox
from hub.models import OutboxEntry

logger = logging.getLogger(__name__)

# Attempts at reaching M-Pesa for one prompt before the payment is closed as "prompt failed" (with
# the outbox's backoff, a minute or so: a parent is looking at the page meanwhile).
PUSH_ATTEMPTS = 4
QUERY_ATTEMPTS = 5


def _push(entry: OutboxEntry, payment_id: int) -> None:
    payment = Payment.objects.select_related("account").get(pk=payment_id)
    try:
        accepted = client().stk_push(
            phone_msisdn=msisdn(payment.phone),
            amount=int(payment.amount),
            account_reference=payment.account_reference or "Homeroom",
            description="Homeroom",
            callback_url=services.callback_url(payment),
        )
    except DarajaUnavailable as error:
        if entry.attempts >= PUSH_ATTEMPTS:
            services.push_refused(payment_id=payment_id, code=error.code, description=error.description)
            return
        services.push_release(payment_id=payment_id)
        raise
    except DarajaError as error:
        services.push_refused(payment_id=payment_id, code=error.code, description=error.description)
        return
    services.push_accepted(
        payment_id=payment_id,
        merchant_request_id=accepted.merchant_request_id,
        checkout_request_id=accepted.checkout_request_id,
    )


@outbox.handler(services.STK_PUSH, queue="realtime", max_attempts=PUSH_ATTEMPTS)
def stk_push(entry: OutboxEntry):
    payment = services.push_claim(payment_id=entry.object_id)
    if payment is None:
        return None
    return outbox.AfterCommit(lambda: _push(entry, payment.pk))


def _query(entry: OutboxEntry, payment: Payment) -> None:
    try:
        answer = client().stk_query(checkout_request_id=payment.checkout_request_id)
    except DarajaUnavailable:
        raise
    except DarajaError as error:
        # M-Pesa does not know the request (yet): leave the payment to the next check, and to
        # giving up after DARAJA_GIVE_UP_SECONDS.
        logger.warning("STK query for payment %s refused: %s", payment.pk, error)
        return
    services.query_answer_apply(
        payment_id=payment.pk,
        pending=answer.pending,
        result_code=answer.result_code,
        result_description=answer.result_description,
        raw=answer.raw,
    )


@outbox.handler(services.STK_QUERY, queue="realtime", max_attempts=QUERY_ATTEMPTS)
def stk_query(entry: OutboxEntry):
    payment = Payment.objects.filter(pk=entry.object_id).first()
    if payment is None or not payment.is_pending or not payment.checkout_request_id:
        return None
    # The query is a network call: made after this transaction, with no row lock held.
    return outbox.AfterCommit(lambda: _query(entry, payment))
