"""The payment flow over real HTTP against the local Daraja: our prompt goes to the simulator,
the simulator's callbacks come back to our callback URL on a live server, and what the parent
sees and the family's ledger are checked. One test per scenario of the issue."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from finance import ledger
from finance.daraja.client import client as daraja_client
from finance.models import CallbackRecord, FailureReason, LedgerEntry, Payment, PaymentMethod, PaymentStatus
from finance.payments import services
from messaging.models import Notification
from tests.finance import payments_kit as kit
from tests.finance.world import finance_world

settled_hooks = kit.settled_hooks

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "254712345670"


@pytest.fixture
def world(live_server, daraja, settings):
    settings.DARAJA_CALLBACK_BASE_URL = live_server.url
    return finance_world()


def pay(client, world, *, phone=PHONE, amount="1500", client_key="press-once-key"):
    client.force_login(world.guardian)
    response = client.post(reverse("finance:pay"), {"phone": phone, "amount": amount, "client_key": client_key})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Payment.objects.get(client_key=client_key)


def settled(payment, *, timeout=5.0) -> Payment:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        payment.refresh_from_db()
        if not payment.is_pending:
            return payment
        time.sleep(0.05)
    raise AssertionError(f"payment still {payment.status} after {timeout}s")


def status_text(client, payment) -> str:
    return client.get(reverse("finance:payment_status", args=[payment.public_id])).content.decode()


def test_success_the_parent_sees_paid_and_the_ledger_has_it_once(client, world, daraja, settled_hooks):
    payment = pay(client, world)
    assert payment.status == PaymentStatus.WAITING
    assert "Waiting for your PIN" in status_text(client, payment)
    payment = settled(payment)
    assert payment.status == PaymentStatus.PAID
    assert payment.mpesa_receipt
    assert payment.mpesa_receipt in status_text(client, payment)
    assert ledger.balance(world.account) == Decimal("1500")
    assert settled_hooks["paid"] == [payment.pk]
    (push,) = daraja.pushes
    assert push["CallBackURL"].endswith(f"/callbacks/stk/{payment.callback_token}/")
    assert push["AccountReference"] == payment.account_reference


@pytest.mark.parametrize(
    ("scenario", "reason", "words"),
    [
        ("cancel", FailureReason.CANCELLED, "You cancelled the request on your phone."),
        ("timeout", FailureReason.TIMED_OUT, "The request timed out"),
        ("wrong_pin", FailureReason.WRONG_PIN, "The M-Pesa PIN entered was wrong."),
        ("insufficient_funds", FailureReason.INSUFFICIENT_FUNDS, "not enough money"),
    ],
)
def test_a_prompt_not_completed_says_why(client, world, daraja, settled_hooks, scenario, reason, words):
    daraja.set_scenario(PHONE, scenario)
    payment = settled(pay(client, world))
    assert (payment.status, payment.failure_reason) == (PaymentStatus.FAILED, reason)
    text = status_text(client, payment)
    assert words in text
    assert "Try again" in text
    assert ledger.balance(world.account) == 0
    assert settled_hooks == {"paid": [], "failed": [payment.pk]}


def test_a_duplicated_callback_is_applied_once(client, world, daraja):
    daraja.set_scenario(PHONE, "duplicate_callback")
    payment = settled(pay(client, world))
    daraja.wait_for_callbacks(2)
    assert [sent["answer"] for sent in daraja.callbacks_sent] == [{"ResultCode": 0, "ResultDesc": "Accepted"}] * 2
    assert sorted(CallbackRecord.objects.filter(payment=payment).values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
    ]
    assert LedgerEntry.objects.filter(payment=payment).count() == 1
    assert payment.status == PaymentStatus.PAID


def test_a_callback_before_the_push_answer_leaves_the_payment_paid(client, world, daraja):
    daraja.set_scenario(PHONE, "out_of_order")
    payment = pay(client, world)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID  # not moved back to "waiting" by the push's answer
    assert payment.checkout_request_id == daraja.state()["pushes"][0]["CheckoutRequestID"]
    assert LedgerEntry.objects.filter(payment=payment).count() == 1


def test_a_lost_callback_is_settled_by_reconciliation(client, world, daraja, settings):
    daraja.set_scenario(PHONE, "no_callback")
    payment = pay(client, world)
    time.sleep(0.4)  # the simulated customer has paid by now; no callback comes
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.WAITING
    assert services.reconcile_payments().checked == 0  # within the grace
    Payment.objects.filter(pk=payment.pk).update(prompted_at=timezone.now() - timedelta(minutes=5))
    assert services.reconcile_payments().checked == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert ledger.balance(world.account) == Decimal("1500")
    assert CallbackRecord.objects.get(payment=payment).source == "query"
    assert "Paid" in status_text(client, payment)


def test_a_phone_not_on_m_pesa_fails_the_prompt_and_offers_paybill(client, world, daraja):
    daraja.set_scenario(PHONE, "not_registered")
    payment = pay(client, world)
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (PaymentStatus.FAILED, FailureReason.PROMPT_FAILED)
    assert "Pay by M-Pesa Paybill instead" in status_text(client, payment)
    assert daraja.pushes == []


def test_a_callback_replayed_five_times_is_one_payment(client, world, daraja, live_server):
    payment = settled(pay(client, world))
    (sent,) = daraja.wait_for_callbacks(1)
    for _ in range(4):
        answer = requests.post(sent["url"], json=sent["body"], timeout=5)
        assert answer.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(payment=payment).count() == 1
    assert ledger.balance(world.account) == Decimal("1500")
    assert CallbackRecord.objects.filter(payment=payment, outcome="duplicate").count() == 4


def test_a_tampered_amount_is_rejected_flagged_and_the_school_told(client, world, daraja):
    daraja.set_scenario(PHONE, "no_callback")
    payment = pay(client, world)
    payment.refresh_from_db()
    forged = kit.stk_callback(payment, amount=1.0, receipt="FORGED0001")
    url = services.callback_url(payment)
    answer = requests.post(url, data=forged, headers={"Content-Type": "application/json"}, timeout=5)
    assert answer.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.WAITING
    assert ledger.balance(world.account) == 0
    assert CallbackRecord.objects.get(payment=payment).outcome == "flagged"
    assert Notification.objects.filter(kind="payment_flagged", user=world.school_admin).count() == 1


def test_the_callback_url_accepts_nothing_without_its_token(client, world, daraja, live_server):
    payment = settled(pay(client, world))
    (sent,) = daraja.wait_for_callbacks(1)
    wrong = live_server.url + reverse("finance:mpesa_callback", args=["guessed-token"])
    assert requests.post(wrong, json=sent["body"], timeout=5).status_code == 404
    assert requests.get(sent["url"], timeout=5).status_code == 405
    assert requests.post(sent["url"], data=b"{not json", timeout=5).status_code == 400
    rejected = CallbackRecord.objects.filter(outcome="rejected").order_by("pk")
    assert [record.raw_body[:9] for record in rejected] == [json.dumps(sent["body"])[:9], "{not json"]
    assert LedgerEntry.objects.filter(payment=payment).count() == 1


def test_pay_pressed_twice_prompts_once(client, world, daraja):
    first = pay(client, world, client_key="same-form-key")
    second = pay(client, world, client_key="same-form-key")
    assert first.pk == second.pk
    assert Payment.objects.count() == 1
    assert len(daraja.pushes) == 1


def _register_paybill(live_server, settings):
    settings.DARAJA_C2B_TOKEN = "c2b-path-secret"  # noqa: S105 (a test value)
    base = live_server.url
    daraja_client().register_c2b_urls(
        validation_url=base + reverse("finance:c2b_validation", args=["c2b-path-secret"]),
        confirmation_url=base + reverse("finance:c2b_confirmation", args=["c2b-path-secret"]),
    )


def test_a_paybill_payment_is_matched_to_its_family(world, daraja, live_server, settings, settled_hooks):
    _register_paybill(live_server, settings)
    reference = world.account.members.order_by("pk").last().reference
    outcome = daraja.pay_bill(phone_msisdn="254722000111", amount=2500, account=reference.lower())
    assert outcome["validation"]["ResultCode"] == "0"
    assert outcome["confirmation"] == {"ResultCode": 0, "ResultDesc": "Accepted"}
    (payment,) = Payment.objects.all()
    assert (payment.method, payment.status, payment.account) == (PaymentMethod.PAYBILL, "paid", world.account)
    assert payment.mpesa_receipt == outcome["body"]["TransID"]
    assert ledger.balance(world.account) == Decimal("2500")
    assert ledger.balance(world.other_account) == 0
    assert settled_hooks["paid"] == [payment.pk]


def test_a_paybill_payment_to_an_unknown_account_number_is_refused_or_flagged(world, daraja, live_server, settings):
    _register_paybill(live_server, settings)
    # With validation on, M-Pesa asks first and the customer's money is not taken.
    outcome = daraja.pay_bill(phone_msisdn="254722000111", amount=900, account="NOSUCH9")
    assert outcome["validation"]["ResultCode"] == "C2B00012"
    assert outcome["confirmation"] is None
    # Without validation (Daraja's default), the money arrives: it is flagged, not lost.
    confirmation = live_server.url + reverse("finance:c2b_confirmation", args=["c2b-path-secret"])
    body = outcome["body"]
    assert requests.post(confirmation, json=body, timeout=5).json()["ResultCode"] == 0
    assert not Payment.objects.exists()
    assert CallbackRecord.objects.get(source="c2b_confirm").outcome == "flagged"
