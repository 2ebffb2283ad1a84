"""M-Pesa payments from "Pay" to settled, exactly once.

A payment is created before M-Pesa is asked (status SENDING) together with the outbox effect that
sends the prompt (`finance.payments.effects`). It is then settled once, by whichever valid answer
comes first: the STK callback to the payment's own secret URL, an STK query we make ourselves when
the callback is late, or (Paybill) a C2B confirmation. Settling happens under the payment's row
lock: the first answer applies (status, ledger entry, `finance.settlement` hooks), every later one
is recorded as a duplicate and changes nothing.

Every request M-Pesa (or anyone) sends us is stored raw in `CallbackRecord` in its own transaction
before anything else is done with it, so a body is never lost even when applying it fails.

The one exception to "the first answer wins" is money taken after we gave up: a payment we closed
as not completed (no answer within DARAJA_GIVE_UP_SECONDS, or a prompt we believed failed) whose
success callback arrives later is still settled as paid, once (the family's money was taken and
must be credited); the callback record notes it and the audit log says "payment.paid_late".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts import policies as people
from finance import ledger, settlement
from finance.daraja.phones import InvalidPhone, normalise_kenyan_mobile
from finance.daraja.wire import MalformedCallback, failure_reason_for, parse_c2b, parse_stk_callback
from finance.models import (
    PENDING_PAYMENT_STATUSES,
    AccountMember,
    CallbackRecord,
    Currency,
    EntryKind,
    FailureReason,
    FamilyAccount,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Purpose,
)
from hub import outbox

logger = logging.getLogger(__name__)

# Outbox effects (handlers in finance.payments.effects).
STK_PUSH = "finance.stk_push"
STK_QUERY = "finance.stk_query"
# The notification kind school admins get for a payment answer that did not add up.
FLAGGED_KIND = "payment_flagged"

# M-Pesa's STK push takes whole shillings from 1 to 250,000 per transaction.
MAX_STK_AMOUNT = Decimal("250000")

BUSY_PHONE = _(
    "A payment request is already waiting on this phone. Enter your M-Pesa PIN on the phone, or wait a "
    "minute for it to end, then try again."
)


class PaymentRefused(Exception):
    """A payment that cannot be started; `.message` is a sentence for the parent."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def _msisdn(e164: str) -> str:
    return e164.lstrip("+")


def _account_reference(account: FamilyAccount) -> str:
    member = account.members.order_by("pupil__first_name", "pk").first()
    return member.reference if member else ""


# --- Starting an STK payment ------------------------------------------------------------------


def _whole_shillings(amount) -> Decimal:
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise PaymentRefused(_("Enter the amount in whole shillings, like 1500.")) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.to_integral_value():
        raise PaymentRefused(_("Enter the amount in whole shillings, like 1500."))
    if amount > MAX_STK_AMOUNT:
        raise PaymentRefused(_("M-Pesa takes at most KES 250,000 in one payment."))
    return amount


@transaction.atomic
def start_stk_payment(
    *,
    user,
    account: FamilyAccount,
    amount: Decimal,
    purpose: str,
    details: dict,
    phone: str,
    client_key: str | None = None,
) -> Payment:
    """Create a payment and record the outbox effect that prompts `phone` for it.

    The same `client_key` (the form's idempotency key) returns the payment it started the first
    time, so "Pay" pressed twice prompts once. Refuses (PaymentRefused) an account that is not in
    shillings, an amount that is not a positive whole number of shillings, a phone that is not a
    Kenyan mobile, and a phone that already has a prompt waiting (decided by the database's
    `payment_one_pending_prompt_per_phone` constraint, so two requests at the same moment cannot
    both pass).
    """
    if client_key:
        existing = Payment.objects.filter(client_key=client_key, account=account).first()
        if existing is not None:
            return existing
    if account.currency != Currency.KES:
        raise PaymentRefused(_("M-Pesa takes payments in Kenyan shillings only."))
    if getattr(settings, "DARAJA_ENVIRONMENT", "simulator") == "disabled":
        # Production before the operator has set Daraja up: Paybill still works (the school's
        # own M-Pesa), prompts cannot be sent.
        raise PaymentRefused(_("Payment requests to your phone are not set up yet. Please pay by M-Pesa Paybill."))
    amount = _whole_shillings(amount)
    try:
        e164 = normalise_kenyan_mobile(phone)
    except InvalidPhone as error:
        raise PaymentRefused(error.message) from None
    try:
        # A savepoint: the constraint's refusal rolls back only this insert.
        with transaction.atomic():
            payment = Payment.objects.create(
                account=account,
                requested_by=user,
                method=PaymentMethod.STK,
                purpose=purpose,
                details=details or {},
                amount=amount,
                currency=account.currency,
                phone=e164,
                account_reference=_account_reference(account),
                client_key=client_key or None,
            )
    except IntegrityError:
        if client_key:
            # Another request with this key won the race: it has committed by now (the insert
            # waited for it), so its payment is visible.
            existing = Payment.objects.filter(client_key=client_key, account=account).first()
            if existing is not None:
                return existing
        raise PaymentRefused(BUSY_PHONE) from None
    audit.record(
        actor=user,
        action="payment.started",
        target=payment,
        school=account.school_id,
        amount=str(amount),
        purpose=purpose,
    )
    outbox.record(STK_PUSH, target=payment)
    return payment


# --- Sending the prompt (called by the outbox handler) ------------------------------------------


def callback_url(payment: Payment) -> str:
    base = settings.DARAJA_CALLBACK_BASE_URL.rstrip("/")
    return base + reverse("finance:mpesa_callback", args=[payment.callback_token])


@transaction.atomic
def push_claim(*, payment_id: int) -> Payment | None:
    """Mark the payment's one push as attempted (the caller commits this before calling M-Pesa).
    None when there is nothing to push: settled already, or a push was attempted before (then
    the callback or reconciliation settles it; a parent is never prompted twice for one payment)."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None or payment.status != PaymentStatus.SENDING or payment.push_attempted_at is not None:
        return None
    payment.push_attempted_at = timezone.now()
    payment.save(update_fields=["push_attempted_at"])
    return payment


@transaction.atomic
def push_accepted(*, payment_id: int, merchant_request_id: str, checkout_request_id: str) -> Payment:
    """M-Pesa accepted the push: the phone shows the prompt. The callback may have come first
    (out of order) and settled the payment: then only the ids are kept, the status stays."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    fields = []
    if not payment.merchant_request_id:
        payment.merchant_request_id = merchant_request_id
        fields.append("merchant_request_id")
    if not payment.checkout_request_id:
        payment.checkout_request_id = checkout_request_id
        fields.append("checkout_request_id")
    if payment.prompted_at is None:
        payment.prompted_at = timezone.now()
        fields.append("prompted_at")
    if payment.status == PaymentStatus.SENDING:
        payment.status = PaymentStatus.WAITING
        fields.append("status")
    if fields:
        payment.save(update_fields=fields)
    return payment


@transaction.atomic
def push_refused(*, payment_id: int, code: str = "", description: str = "") -> Payment:
    """M-Pesa refused the push (not registered for STK, invalid phone...) or stayed unreachable:
    the payment is not completed, and its page offers Paybill. Releases a push retry (the prompt
    never reached the phone)."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status in PENDING_PAYMENT_STATUSES:
        payment.status = PaymentStatus.FAILED
        payment.failure_reason = FailureReason.PROMPT_FAILED
        payment.result_code = str(code or "")[:16]
        payment.result_description = str(description or "")[:255]
        payment.settled_at = timezone.now()
        payment.save(update_fields=["status", "failure_reason", "result_code", "result_description", "settled_at"])
        audit.record(
            actor=None, action="payment.prompt_failed", target=payment, school=payment.account.school_id, code=code
        )
        settlement.failed(payment)
    return payment


@transaction.atomic
def push_release(*, payment_id: int) -> None:
    """M-Pesa could not be reached (network, timeout, 5xx): allow the next attempt to push."""
    Payment.objects.filter(pk=payment_id, status=PaymentStatus.SENDING).update(push_attempted_at=None)


# --- Settling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What M-Pesa said about one STK payment, from a callback or an STK query."""

    result_code: int
    result_description: str
    receipt: str | None = None


def _settle(payment: Payment, answer: Answer, record: CallbackRecord) -> str:
    """Apply `answer` to `payment` (locked by the caller). Returns the record's outcome."""
    now = timezone.now()
    if answer.result_code == 0:
        if payment.status == PaymentStatus.PAID:
            if answer.receipt and not payment.mpesa_receipt:
                # Settled by an STK query (which carries no receipt): keep the receipt now.
                payment.mpesa_receipt = answer.receipt
                payment.save(update_fields=["mpesa_receipt"])
                record.note = "receipt number added to a payment already settled"
            return CallbackRecord.Outcome.DUPLICATE
        late = payment.status == PaymentStatus.FAILED
        payment.status = PaymentStatus.PAID
        payment.failure_reason = ""
        payment.result_code = str(answer.result_code)
        payment.result_description = answer.result_description[:255]
        if answer.receipt:
            payment.mpesa_receipt = answer.receipt
        payment.settled_at = now
        payment.save(
            update_fields=[
                "status",
                "failure_reason",
                "result_code",
                "result_description",
                "mpesa_receipt",
                "settled_at",
            ]
        )
        ledger.post(
            account=payment.account,
            kind=EntryKind.PAYMENT,
            purpose=payment.purpose,
            amount=payment.amount,
            key=f"payment:{payment.pk}",
            payment=payment,
            created_by=payment.requested_by,
            details={"receipt": payment.mpesa_receipt or ""},
        )
        if late:
            record.note = "paid after the payment was closed as not completed: credited once"
        audit.record(
            actor=None,
            action="payment.paid_late" if late else "payment.paid",
            target=payment,
            school=payment.account.school_id,
            receipt=payment.mpesa_receipt or "",
        )
        settlement.paid(payment)
        return CallbackRecord.Outcome.APPLIED
    # Not completed.
    if payment.status not in PENDING_PAYMENT_STATUSES:
        return CallbackRecord.Outcome.DUPLICATE
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = failure_reason_for(answer.result_code)
    payment.result_code = str(answer.result_code)
    payment.result_description = answer.result_description[:255]
    payment.settled_at = now
    payment.save(update_fields=["status", "failure_reason", "result_code", "result_description", "settled_at"])
    audit.record(
        actor=None,
        action="payment.failed",
        target=payment,
        school=payment.account.school_id,
        reason=payment.failure_reason,
    )
    settlement.failed(payment)
    return CallbackRecord.Outcome.APPLIED


def _admin_url(record: CallbackRecord) -> str:
    try:
        return reverse("admin:finance_callbackrecord_change", args=[record.pk])
    except NoReverseMatch:
        return ""


def _flag(record: CallbackRecord, note: str) -> None:
    """Keep `record` for the school to look at, and tell the school's admins (now)."""
    from messaging.notifications import notify

    record.outcome = CallbackRecord.Outcome.FLAGGED
    record.note = note[:255]
    record.save(update_fields=["outcome", "note", "payment", "school"])
    if record.school_id is None:
        logger.warning("M-Pesa answer %s flagged with no school to tell: %s", record.pk, note)
        return
    for admin in people.role_holders("school_admin", school=record.school_id):
        notify(
            user=admin,
            kind=FLAGGED_KIND,
            title=_("An M-Pesa payment needs checking"),
            body=format_lazy(_("M-Pesa sent an answer that does not match: {note}"), note=note),
            url=_admin_url(record),
        )


# --- Callbacks -------------------------------------------------------------------------------


@transaction.atomic
def callback_store(*, source: str, raw_body: bytes, remote_addr: str | None) -> CallbackRecord:
    """Store what was received, as received, before anything else (its own transaction: it stays
    even when everything after it fails)."""
    return CallbackRecord.objects.create(
        source=source,
        raw_body=raw_body.decode("utf-8", errors="replace"),
        remote_addr=remote_addr or None,
    )


def callback_reject(record: CallbackRecord, note: str) -> None:
    """Mark a stored request as rejected (unknown address, malformed, refused sender)."""
    CallbackRecord.objects.filter(pk=record.pk).update(outcome=CallbackRecord.Outcome.REJECTED, note=note[:255])


class UnknownPayment(LookupError):
    """No payment has this callback token."""


@transaction.atomic
def stk_callback_apply(*, record: CallbackRecord, token: str) -> str:
    """Apply the STK callback stored in `record`, sent to the URL of the payment whose token is
    `token`. Raises UnknownPayment (no such token) and MalformedCallback (not Daraja's format):
    nothing is written then, and the caller marks the record rejected (`callback_reject`). Returns the record's outcome: applied, duplicate, or flagged
    (the answer does not match the request: nothing applied, the school's admins told)."""
    record = CallbackRecord.objects.select_for_update().get(pk=record.pk)
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(callback_token=token, method=PaymentMethod.STK)
        .first()
        if token
        else None
    )
    if payment is None:
        raise UnknownPayment("no payment has this callback address")
    record.payment = payment
    record.school_id = payment.account.school_id
    result = parse_stk_callback(record.raw_body.encode())
    problems = []
    if payment.checkout_request_id and result.checkout_request_id != payment.checkout_request_id:
        problems.append("CheckoutRequestID is not this payment's")
    if result.result_code == 0:
        if result.amount is None or Decimal(result.amount) != payment.amount:
            problems.append(f"amount {result.amount} instead of {payment.amount}")
        if result.phone_msisdn is None or str(result.phone_msisdn) != _msisdn(payment.phone):
            problems.append("a different phone number")
        if not result.receipt:
            problems.append("no M-Pesa receipt")
    if problems:
        _flag(record, "; ".join(problems))
        return record.outcome
    if not payment.checkout_request_id and result.checkout_request_id:
        # The callback overtook the push response (out of order): keep its ids now.
        payment.checkout_request_id = result.checkout_request_id
        payment.merchant_request_id = payment.merchant_request_id or result.merchant_request_id
        payment.save(update_fields=["checkout_request_id", "merchant_request_id"])
    if result.result_code == 0 and result.receipt and payment.mpesa_receipt != result.receipt:
        if Payment.objects.filter(mpesa_receipt=result.receipt).exclude(pk=payment.pk).exists():
            _flag(record, f"receipt {result.receipt} already settled another payment")
            return record.outcome
    answer = Answer(
        result_code=result.result_code, result_description=result.result_description or "", receipt=result.receipt
    )
    record.outcome = _settle(payment, answer, record)
    record.resolved_at = timezone.now()
    record.save(update_fields=["outcome", "note", "payment", "school", "resolved_at"])
    return record.outcome


# --- Checking ourselves: STK query and reconciliation -----------------------------------------


def _due_for_check(now):
    """Prompts whose callback is late, and checks whose answer said "still being processed"."""
    from django.db.models import Q

    grace = now - timedelta(seconds=settings.DARAJA_CALLBACK_GRACE_SECONDS)
    return Payment.objects.filter(method=PaymentMethod.STK, checkout_request_id__isnull=False).filter(
        Q(status=PaymentStatus.WAITING, prompted_at__lte=grace)
        | Q(status=PaymentStatus.CHECKING) & (Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=grace))
    )


def _check(payment: Payment, now) -> None:
    payment.status = PaymentStatus.CHECKING
    payment.checks += 1
    payment.last_checked_at = now
    payment.save(update_fields=["status", "checks", "last_checked_at"])
    outbox.record(STK_QUERY, target=payment, key=f"check-{payment.checks}")


@transaction.atomic
def payment_check_if_late(*, payment: Payment) -> bool:
    """From the status page: when the prompt's callback is late, ask M-Pesa (through the outbox,
    never in the request). Whether a check was started."""
    now = timezone.now()
    locked = _due_for_check(now).select_for_update(skip_locked=True).filter(pk=payment.pk).first()
    if locked is None:
        return False
    _check(locked, now)
    payment.status, payment.checks, payment.last_checked_at = locked.status, locked.checks, locked.last_checked_at
    return True


@transaction.atomic
def query_answer_apply(
    *, record: CallbackRecord, payment_id: int, pending: bool, result_code, result_description: str
) -> str:
    """Apply an STK query's answer (already stored raw in `record`): paid, not completed with the
    reason, or, while M-Pesa is still processing it, keep waiting (the next reconciliation asks
    again, until DARAJA_GIVE_UP_SECONDS)."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("account").get(pk=payment_id)
    record = CallbackRecord.objects.select_for_update().get(pk=record.pk)
    record.payment = payment
    record.school_id = payment.account.school_id
    if pending or result_code is None:
        record.note = "still being processed"
        record.outcome = CallbackRecord.Outcome.RECEIVED
    elif payment.status not in PENDING_PAYMENT_STATUSES:
        record.outcome = CallbackRecord.Outcome.DUPLICATE
    else:
        answer = Answer(result_code=int(result_code), result_description=result_description or "")
        record.outcome = _settle(payment, answer, record)
    record.resolved_at = timezone.now()
    record.save(update_fields=["payment", "school", "outcome", "note", "resolved_at"])
    return record.outcome


@transaction.atomic
def _give_up(payment_id: int, now) -> bool:
    payment = (
        Payment.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("account")
        .filter(pk=payment_id, status__in=PENDING_PAYMENT_STATUSES)
        .first()
    )
    if payment is None:
        return False
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = FailureReason.NO_ANSWER
    payment.settled_at = now
    payment.save(update_fields=["status", "failure_reason", "settled_at"])
    audit.record(actor=None, action="payment.no_answer", target=payment, school=payment.account.school_id)
    settlement.failed(payment)
    return True


@dataclass
class Reconciled:
    checked: int = 0
    given_up: int = 0


def reconcile_payments(*, now=None) -> Reconciled:
    """The periodic sweep (every minute): prompts whose callback is late are checked with an STK
    query (through the outbox), and payments pending longer than DARAJA_GIVE_UP_SECONDS are
    closed as not completed (NO_ANSWER), so nothing is pending forever. A success that arrives
    after that is still credited once (see the module docstring). Each payment is its own short
    transaction; rows locked by a callback being applied right now are skipped until next time."""
    now = now or timezone.now()
    done = Reconciled()
    give_up_before = now - timedelta(seconds=settings.DARAJA_GIVE_UP_SECONDS)
    stale = Payment.objects.filter(status__in=PENDING_PAYMENT_STATUSES, created_at__lte=give_up_before)
    for payment_id in stale.values_list("pk", flat=True)[:500]:
        done.given_up += _give_up(payment_id, now)
    for payment_id in _due_for_check(now).values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            payment = _due_for_check(now).select_for_update(skip_locked=True).filter(pk=payment_id).first()
            if payment is not None:
                _check(payment, now)
                done.checked += 1
    if done.checked or done.given_up:
        logger.info("reconcile_payments: %s checked with M-Pesa, %s closed without an answer", *vars(done).values())
    return done


# --- Paybill (C2B) -------------------------------------------------------------------------------


def _member_for(reference: str) -> AccountMember | None:
    reference = (reference or "").strip()
    if not reference:
        return None
    return AccountMember.objects.select_related("account").filter(reference__iexact=reference).first()


ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}
C2B_REJECTED = {"ResultCode": "C2B00012", "ResultDesc": "Rejected"}


@transaction.atomic
def c2b_validate(*, record: CallbackRecord) -> dict:
    """Daraja asks before taking a Paybill payment: accept a known account number (any case) and
    a positive amount; reject anything else (the customer's money is then not taken)."""
    try:
        c2b = parse_c2b(record.raw_body.encode())
    except MalformedCallback as error:
        callback_reject(record, f"malformed: {error}")
        return C2B_REJECTED
    member = _member_for(c2b.bill_ref)
    if member is None or c2b.amount is None or Decimal(c2b.amount) <= 0:
        callback_reject(record, "unknown account number or no amount")
        return C2B_REJECTED
    CallbackRecord.objects.filter(pk=record.pk).update(
        outcome=CallbackRecord.Outcome.APPLIED, school_id=member.account.school_id, resolved_at=timezone.now()
    )
    return {"ResultCode": "0", "ResultDesc": "Accepted"}


@transaction.atomic
def c2b_confirm(*, record: CallbackRecord) -> str:
    """Money received by Paybill: one paid payment per M-Pesa transaction (a repeat is a
    duplicate), in the ledger of the family whose account number was typed. An unknown account
    number is flagged: the money came in but belongs to nobody yet. Raises MalformedCallback
    (nothing written; the caller rejects the record)."""
    record = CallbackRecord.objects.select_for_update().get(pk=record.pk)
    c2b = parse_c2b(record.raw_body.encode())
    existing = Payment.objects.filter(mpesa_receipt=c2b.trans_id).first()
    if existing is not None:
        record.payment = existing
        record.outcome = CallbackRecord.Outcome.DUPLICATE
        record.save(update_fields=["payment", "outcome"])
        return record.outcome
    member = _member_for(c2b.bill_ref)
    if member is None:
        _flag(record, f"Paybill payment {c2b.trans_id} of KES {c2b.amount} to unknown account number {c2b.bill_ref!r}")
        return record.outcome
    account = member.account
    record.school_id = account.school_id
    amount = Decimal(c2b.amount)
    msisdn = str(c2b.msisdn or "")
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                account=account,
                method=PaymentMethod.PAYBILL,
                purpose=Purpose.BALANCE,
                amount=amount,
                currency=account.currency,
                phone=f"+{msisdn}" if msisdn.isdigit() and len(msisdn) <= 15 else "",
                status=PaymentStatus.PAID,
                account_reference=member.reference,
                mpesa_receipt=c2b.trans_id,
                settled_at=timezone.now(),
                details={"paid_by": (c2b.first_name or "")[:100], "account_number": c2b.bill_ref},
            )
    except IntegrityError:
        # The same confirmation, delivered twice at once: the other one applied it.
        record.outcome = CallbackRecord.Outcome.DUPLICATE
        record.save(update_fields=["outcome", "school"])
        return record.outcome
    ledger.post(
        account=account,
        kind=EntryKind.PAYMENT,
        purpose=payment.purpose,
        amount=amount,
        key=f"payment:{payment.pk}",
        payment=payment,
        details={"receipt": c2b.trans_id},
    )
    audit.record(actor=None, action="payment.paybill", target=payment, school=account.school_id, receipt=c2b.trans_id)
    settlement.paid(payment)
    record.payment = payment
    record.outcome = CallbackRecord.Outcome.APPLIED
    record.resolved_at = timezone.now()
    record.save(update_fields=["payment", "school", "outcome", "resolved_at"])
    return record.outcome
