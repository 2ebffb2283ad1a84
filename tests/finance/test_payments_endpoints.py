"""The URLs M-Pesa posts to: the STK callback (a per-payment secret token) and Paybill's
validation and confirmation (DARAJA_C2B_TOKEN). Everything received is stored raw first; nothing
is accepted without the right secret; a replay changes nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from finance import ledger
from finance.models import CallbackRecord, FailureReason, Payment, PaymentMethod, PaymentStatus
from finance.payments import services
from messaging.models import Notification
from tests.finance import payments_kit as kit
from tests.finance.payments_kit import c2b_body, payment_entries, stk_callback

fake_daraja, fw, settled_hooks = kit.fake_daraja, kit.fw, kit.settled_hooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(fw, fake_daraja, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.start_stk_payment(
            user=fw.guardian,
            account=fw.account,
            amount=Decimal("1500"),
            purpose="balance",
            details={},
            phone="0712345678",
        )
    payment.refresh_from_db()
    return payment


def post(client, url, body: bytes, **extra):
    return client.post(url, data=body, content_type="application/json", **extra)


def callback_url(payment):
    return reverse("finance:mpesa_callback", args=[payment.callback_token])


def test_a_callback_replayed_five_times_is_one_payment(client, fw, waiting, settled_hooks):
    before = ledger.balance(fw.account)
    for _ in range(5):
        response = post(client, callback_url(waiting), stk_callback(waiting))
        assert response.status_code == 200
        assert response.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.PAID
    assert len(payment_entries(waiting)) == 1
    assert ledger.balance(fw.account) == before + Decimal("1500")
    assert settled_hooks["paid"] == [waiting.pk]
    outcomes = list(CallbackRecord.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["applied", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert CallbackRecord.objects.filter(payment=waiting, school=fw.school).count() == 5


def test_a_tampered_amount_is_rejected_flagged_and_the_school_admin_told(client, fw, waiting, settled_hooks):
    response = post(client, callback_url(waiting), stk_callback(waiting, amount=15.0))
    assert response.status_code == 200  # M-Pesa is answered; nothing is applied
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.WAITING
    assert ledger.balance(fw.account) == 0
    assert settled_hooks["paid"] == []
    record = CallbackRecord.objects.get()
    assert record.outcome == CallbackRecord.Outcome.FLAGGED
    assert '"Value": 15.0' in record.raw_body
    assert list(Notification.objects.filter(kind="payment_flagged").values_list("user", flat=True)) == [
        fw.school_admin.pk
    ]


def test_a_cancelled_prompt_says_so(client, waiting):
    assert post(client, callback_url(waiting), stk_callback(waiting, code=1032)).status_code == 200
    waiting.refresh_from_db()
    assert (waiting.status, waiting.failure_reason) == (PaymentStatus.FAILED, FailureReason.CANCELLED)


def test_a_wrong_token_is_404_and_the_body_is_kept(client, waiting):
    response = post(client, reverse("finance:mpesa_callback", args=["not-the-token"]), stk_callback(waiting))
    assert response.status_code == 404
    record = CallbackRecord.objects.get()
    assert record.outcome == CallbackRecord.Outcome.REJECTED
    assert "NLJ7RT61SV" in record.raw_body
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.WAITING


def test_a_get_is_refused(client, waiting):
    assert client.get(callback_url(waiting)).status_code == 405
    assert not CallbackRecord.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b'{"Body": {}}', b"", b'{"Body": {"stkCallback": {"ResultCode": 0}}}'])
def test_a_malformed_body_is_400_and_kept(client, waiting, body):
    response = post(client, callback_url(waiting), body)
    assert response.status_code == 400
    record = CallbackRecord.objects.get()
    assert record.outcome == CallbackRecord.Outcome.REJECTED
    assert record.raw_body == body.decode()
    assert record.note.startswith("malformed")
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.WAITING


def test_the_allow_list_refuses_another_address(client, waiting, settings):
    settings.DARAJA_CALLBACK_ALLOWED_IPS = ["196.201.214.0/24"]
    response = post(client, callback_url(waiting), stk_callback(waiting), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    record = CallbackRecord.objects.get()
    assert (record.outcome, record.remote_addr) == ("rejected", "203.0.113.9")
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.WAITING
    response = post(client, callback_url(waiting), stk_callback(waiting), REMOTE_ADDR="196.201.214.200")
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.PAID


def test_the_allow_list_believes_a_forwarded_address_only_from_our_proxy(client, waiting, settings):
    settings.DARAJA_CALLBACK_ALLOWED_IPS = ["196.201.214.200"]
    settings.TRUSTED_PROXY_ADDRESSES = ["10.0.0.0/8"]
    # A stranger claiming to be M-Pesa in X-Forwarded-For is not believed.
    forged = post(
        client,
        callback_url(waiting),
        stk_callback(waiting),
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="196.201.214.200",
    )
    assert forged.status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.WAITING
    # The same header from our own load balancer is believed.
    forwarded = post(
        client,
        callback_url(waiting),
        stk_callback(waiting),
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="196.201.214.200",
    )
    assert forwarded.status_code == 200
    assert CallbackRecord.objects.filter(remote_addr="196.201.214.200", outcome="applied").count() == 1


# --- Paybill ------------------------------------------------------------------------------------

C2B_SECRET = "test-c2b-path-secret"  # noqa: S105 (a test value)


def c2b_url(name, secret=C2B_SECRET):
    return reverse(f"finance:{name}", args=[secret])


@pytest.fixture
def c2b_secret(settings):
    settings.DARAJA_C2B_TOKEN = C2B_SECRET


def test_paybill_validation_accepts_a_known_account_number_in_any_case(client, fw, c2b_secret):
    reference = fw.account.members.first().reference
    accepted = post(client, c2b_url("c2b_validation"), c2b_body(account=reference.lower()))
    assert accepted.json()["ResultCode"] == "0"
    refused = post(client, c2b_url("c2b_validation"), c2b_body(account="NOSUCH1"))
    assert refused.json() == {"ResultCode": "C2B00012", "ResultDesc": "Rejected"}
    no_amount = post(client, c2b_url("c2b_validation"), c2b_body(account=reference, amount="0"))
    assert no_amount.json()["ResultCode"] == "C2B00012"
    assert CallbackRecord.objects.filter(source="c2b_validate").count() == 3


def test_a_paybill_payment_reaches_its_family_once(client, fw, c2b_secret, settled_hooks):
    reference = fw.account.members.first().reference
    for _ in range(3):
        response = post(
            client, c2b_url("c2b_confirmation"), c2b_body(account=f" {reference.lower()} ", amount="2000.00")
        )
        assert response.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    (payment,) = Payment.objects.all()
    assert (payment.method, payment.status, payment.purpose) == (PaymentMethod.PAYBILL, PaymentStatus.PAID, "balance")
    assert payment.account == fw.account
    assert payment.mpesa_receipt == "RKTQDM7W6S"
    assert ledger.balance(fw.account) == Decimal("2000")
    assert ledger.balance(fw.other_account) == 0
    assert settled_hooks["paid"] == [payment.pk]
    outcomes = list(CallbackRecord.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["applied", "duplicate", "duplicate"]


def test_a_paybill_payment_to_an_unknown_account_number_is_flagged(client, fw, c2b_secret):
    response = post(client, c2b_url("c2b_confirmation"), c2b_body(account="WRONG12"))
    assert response.status_code == 200
    assert not Payment.objects.exists()
    record = CallbackRecord.objects.get()
    assert record.outcome == CallbackRecord.Outcome.FLAGGED
    assert "WRONG12" in record.note


@pytest.mark.parametrize("name", ["c2b_validation", "c2b_confirmation"])
def test_paybill_urls_need_the_secret(client, fw, c2b_secret, name):
    reference = fw.account.members.first().reference
    response = post(client, c2b_url(name, secret="guessed"), c2b_body(account=reference))
    assert response.status_code == 404
    assert not Payment.objects.exists()
    assert CallbackRecord.objects.get().outcome == "rejected"
    assert client.get(c2b_url(name)).status_code == 405


def test_a_malformed_confirmation_is_400_and_kept(client, c2b_secret):
    response = post(client, c2b_url("c2b_confirmation"), b'{"TransID": 5}')
    assert response.status_code == 400
    assert CallbackRecord.objects.get().raw_body == '{"TransID": 5}'
