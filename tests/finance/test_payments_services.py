"""The M-Pesa payment flow without HTTP: starting a payment, the one prompt, settling once,
checking ourselves (STK query) and giving up. Daraja is a stand-in (`FakeDaraja`); the callbacks
are applied through the same services the callback URL calls."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from finance import ledger
from finance.daraja.client import DarajaError, DarajaUnavailable
from finance.models import CallbackRecord, FailureReason, FamilyAccount, Payment, PaymentStatus
from finance.payments import services
from hub import outbox
from hub.models import OutboxEntry
from tests.finance import payments_kit as kit
from tests.finance.payments_kit import payment_entries, query, stk_callback

fake_daraja, fw, settled_hooks = kit.fake_daraja, kit.fw, kit.settled_hooks

pytestmark = pytest.mark.django_db


def start(fw, *, amount=1500, phone="0712 345 678", client_key=None, user=None):
    return services.start_stk_payment(
        user=user or fw.guardian,
        account=fw.account,
        amount=Decimal(amount),
        purpose="balance",
        details={},
        phone=phone,
        client_key=client_key,
    )


def callback(payment, body: bytes) -> str:
    record = services.callback_store(source=CallbackRecord.Source.STK_CALLBACK, raw_body=body, remote_addr=None)
    return services.stk_callback_apply(record=record, token=payment.callback_token)


def test_a_payment_prompts_the_normalised_phone_once_and_waits_for_the_pin(
    fw, fake_daraja, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment = start(fw)
    payment.refresh_from_db()
    assert payment.phone == "+254712345678"
    assert payment.status == PaymentStatus.WAITING
    assert payment.checkout_request_id == "ws_CO_fake_1"
    assert payment.prompted_at is not None
    assert payment.push_attempted_at is not None
    (push,) = fake_daraja.pushes
    assert push["phone_msisdn"] == "254712345678"
    assert push["amount"] == 1500
    assert push["callback_url"].endswith(f"/finance/callbacks/stk/{payment.callback_token}/")
    first_child = fw.account.members.order_by("pupil__first_name").first()
    assert push["account_reference"] == first_child.reference


@pytest.mark.parametrize(
    ("amount", "phone", "words"),
    [
        (0, "0712345678", "whole shillings"),
        (Decimal("10.50"), "0712345678", "whole shillings"),
        (-5, "0712345678", "whole shillings"),
        (1500, "0800 123", ""),
    ],
)
def test_refuses_what_m_pesa_cannot_take(fw, fake_daraja, amount, phone, words):
    with pytest.raises(services.PaymentRefused) as refused:
        start(fw, amount=amount, phone=phone)
    assert words in str(refused.value.message)
    assert not Payment.objects.exists()
    assert fake_daraja.pushes == []


def test_refuses_an_account_not_in_shillings(fw, fake_daraja):
    FamilyAccount.objects.filter(pk=fw.account.pk).update(currency="GBP")
    fw.account.refresh_from_db()
    with pytest.raises(services.PaymentRefused, match="Kenyan shillings"):
        start(fw)


def test_a_second_prompt_for_a_phone_with_one_waiting_is_refused(fw, fake_daraja, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(fw, phone="0712345678")
    with pytest.raises(services.PaymentRefused) as refused:
        start(fw, phone="+254 712 345 678")
    assert "already waiting on this phone" in str(refused.value.message)
    assert Payment.objects.count() == 1
    assert len(fake_daraja.pushes) == 1


def test_the_same_client_key_starts_one_payment(fw, fake_daraja, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = start(fw, client_key="key-abcdefgh")
    with django_capture_on_commit_callbacks(execute=True):
        again = start(fw, client_key="key-abcdefgh")
    assert again.pk == first.pk
    assert len(fake_daraja.pushes) == 1


def test_a_refused_push_fails_the_payment_as_prompt_failed(
    fw, fake_daraja, settled_hooks, django_capture_on_commit_callbacks
):
    fake_daraja.push_error = DarajaError(status=400, code="400.002.02", description="Invalid PhoneNumber")
    with django_capture_on_commit_callbacks(execute=True):
        payment = start(fw)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_reason == FailureReason.PROMPT_FAILED
    assert settled_hooks["failed"] == [payment.pk]
    # The phone is free again for another try.
    fake_daraja.push_error = None
    with django_capture_on_commit_callbacks(execute=True):
        start(fw)


def _run_again(payment):
    entry = OutboxEntry.objects.get(effect=services.STK_PUSH, object_id=payment.pk)
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    return outbox.run(entry.pk)


def test_m_pesa_unreachable_is_retried_then_the_prompt_fails(fw, fake_daraja, django_capture_on_commit_callbacks):
    fake_daraja.push_error = DarajaUnavailable(status=503, code="503", description="down")
    with django_capture_on_commit_callbacks(execute=True):
        payment = start(fw)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SENDING
    assert payment.push_attempted_at is None  # M-Pesa was not reached: a retry may push
    outcomes = [_run_again(payment) for _attempt in range(3)]
    assert outcomes[-1] == "done"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_reason == FailureReason.PROMPT_FAILED
    assert len(fake_daraja.pushes) == 4


def test_a_crash_after_the_push_never_prompts_again(fw, fake_daraja, django_capture_on_commit_callbacks):
    # The worker dies between the push and recording its answer: the mark is committed, the
    # entry stays pending, the sweeper runs it again.
    pushed = []

    def crash(kwargs, checkout):
        pushed.append(checkout)
        raise SystemExit("worker killed")

    fake_daraja.before_push_answer = crash
    with pytest.raises(SystemExit), django_capture_on_commit_callbacks(execute=True):
        payment = start(fw)
    payment = Payment.objects.get()
    assert payment.push_attempted_at is not None
    fake_daraja.before_push_answer = None
    _run_again(payment)
    assert len(fake_daraja.pushes) == 1
    # The callback (found by the URL's token) settles it although the push's answer was lost.
    assert callback(payment, stk_callback(payment, checkout=pushed[0])) == CallbackRecord.Outcome.APPLIED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.checkout_request_id == pushed[0]


def test_a_callback_before_the_push_answer_is_not_undone(
    fw, fake_daraja, settled_hooks, django_capture_on_commit_callbacks
):
    def callback_first(kwargs, checkout):
        payment = Payment.objects.get()
        assert callback(payment, stk_callback(payment, checkout=checkout)) == CallbackRecord.Outcome.APPLIED

    fake_daraja.before_push_answer = callback_first
    with django_capture_on_commit_callbacks(execute=True):
        payment = start(fw)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.checkout_request_id == "ws_CO_fake_1"
    assert len(payment_entries(payment)) == 1
    assert settled_hooks["paid"] == [payment.pk]


@pytest.fixture
def waiting(fw, fake_daraja, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = start(fw)
    payment.refresh_from_db()
    return payment


def test_success_settles_once_however_often_it_is_replayed(fw, waiting, settled_hooks):
    before = ledger.balance(fw.account)
    outcomes = [callback(waiting, stk_callback(waiting)) for _ in range(5)]
    assert outcomes == ["applied"] + ["duplicate"] * 4
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.PAID
    assert waiting.mpesa_receipt == "NLJ7RT61SV"
    assert waiting.settled_at is not None
    assert len(payment_entries(waiting)) == 1
    assert ledger.balance(fw.account) == before + Decimal("1500")
    assert settled_hooks["paid"] == [waiting.pk]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (1032, FailureReason.CANCELLED),
        (1037, FailureReason.TIMED_OUT),
        (2001, FailureReason.WRONG_PIN),
        (1, FailureReason.INSUFFICIENT_FUNDS),
        (9999, FailureReason.OTHER),
    ],
)
def test_a_failure_says_why_and_frees_the_phone(fw, waiting, settled_hooks, code, reason):
    assert callback(waiting, stk_callback(waiting, code=code)) == "applied"
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.FAILED
    assert waiting.failure_reason == reason
    assert payment_entries(waiting) == []
    assert settled_hooks["failed"] == [waiting.pk]
    # A replayed failure changes nothing.
    assert callback(waiting, stk_callback(waiting, code=code)) == "duplicate"
    assert settled_hooks["failed"] == [waiting.pk]


def test_a_tampered_amount_is_flagged_and_the_school_admin_told(fw, waiting, settled_hooks):
    from messaging.models import Notification

    outcome = callback(waiting, stk_callback(waiting, amount=1.0))
    assert outcome == CallbackRecord.Outcome.FLAGGED
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.WAITING
    assert payment_entries(waiting) == []
    assert settled_hooks["paid"] == []
    record = CallbackRecord.objects.get(outcome="flagged")
    assert "amount" in record.note
    assert record.school_id == fw.school.pk
    (notice,) = Notification.objects.filter(kind=services.FLAGGED_KIND)
    assert notice.user == fw.school_admin
    assert not Notification.objects.filter(kind=services.FLAGGED_KIND, user=fw.guardian).exists()


def test_a_callback_from_another_phone_or_request_is_flagged(fw, waiting):
    assert callback(waiting, stk_callback(waiting, phone=254799000111)) == "flagged"
    assert callback(waiting, stk_callback(waiting, checkout="ws_CO_someone_else")) == "flagged"
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.WAITING


def test_a_late_prompt_is_checked_with_m_pesa_and_settled(
    fw, waiting, fake_daraja, settled_hooks, django_capture_on_commit_callbacks
):
    assert services.reconcile_payments().checked == 0  # within the grace: nothing to ask yet
    Payment.objects.filter(pk=waiting.pk).update(prompted_at=timezone.now() - timedelta(seconds=120))
    fake_daraja.query_answer = query(None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reconcile_payments().checked == 1
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.CHECKING  # "being processed": keep waiting
    assert fake_daraja.queries == ["ws_CO_fake_1"]
    fake_daraja.query_answer = query(0)
    later = timezone.now() + timedelta(seconds=120)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reconcile_payments(now=later).checked == 1
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.PAID
    assert len(payment_entries(waiting)) == 1
    assert settled_hooks["paid"] == [waiting.pk]
    # The callback that finally arrives is a duplicate, but its receipt is kept.
    assert callback(waiting, stk_callback(waiting)) == "duplicate"
    waiting.refresh_from_db()
    assert waiting.mpesa_receipt == "NLJ7RT61SV"
    assert len(payment_entries(waiting)) == 1


def test_a_query_that_says_cancelled_fails_the_payment(fw, waiting, fake_daraja, django_capture_on_commit_callbacks):
    Payment.objects.filter(pk=waiting.pk).update(prompted_at=timezone.now() - timedelta(seconds=120))
    fake_daraja.query_answer = query(1032)
    with django_capture_on_commit_callbacks(execute=True):
        services.reconcile_payments()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.failure_reason) == (PaymentStatus.FAILED, FailureReason.CANCELLED)
    assert CallbackRecord.objects.filter(source="query", payment=waiting, outcome="applied").exists()


def test_nobody_answers_the_payment_is_closed_and_a_late_success_still_credited_once(fw, waiting, settled_hooks):
    Payment.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert services.reconcile_payments().given_up == 1
    waiting.refresh_from_db()
    assert (waiting.status, waiting.failure_reason) == (PaymentStatus.FAILED, FailureReason.NO_ANSWER)
    assert settled_hooks["failed"] == [waiting.pk]
    assert services.reconcile_payments().given_up == 0
    # M-Pesa took the money after all: it is credited, once.
    assert callback(waiting, stk_callback(waiting)) == "applied"
    assert callback(waiting, stk_callback(waiting)) == "duplicate"
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.PAID
    assert len(payment_entries(waiting)) == 1
    assert settled_hooks["paid"] == [waiting.pk]
    assert "closed as not completed" in CallbackRecord.objects.get(outcome="applied").note


def test_reconcile_payments_command(fw, waiting, capsys):
    from django.core.management import call_command

    Payment.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(hours=2))
    call_command("reconcile_payments")
    assert "1 closed without an answer" in capsys.readouterr().out


def test_reconciliation_runs_every_minute():
    from django.apps import apps

    entry = apps.get_app_config("finance").periodic_tasks()["finance-reconcile-payments"]
    assert entry == {"task": "finance.payments.tasks.reconcile_payments", "schedule": 60.0}


def test_prompts_are_refused_while_mpesa_is_disabled_and_nothing_is_saved(fw, fake_daraja, settings):
    settings.DARAJA_ENVIRONMENT = "disabled"
    with pytest.raises(services.PaymentRefused, match="Paybill"):
        start(fw)
    assert not Payment.objects.exists()
    assert fake_daraja.pushes == []
