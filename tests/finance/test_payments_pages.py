"""The parent's payment pages: paying, the live status page and Paybill instructions, from the
outside (who may open what), as a parent sees them, and at a constant cost."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import GuardianScope, Guardianship
from finance import ledger
from finance.models import CallbackRecord, FailureReason, Payment, PaymentStatus
from finance.payments import services
from tests.finance import payments_kit as kit
from tests.finance.payments_kit import query, stk_callback

fake_daraja, fw = kit.fake_daraja, kit.fw

pytestmark = pytest.mark.django_db


def start(fw, **overrides):
    values = {
        "user": fw.guardian,
        "account": fw.account,
        "amount": Decimal("1500"),
        "purpose": "balance",
        "details": {},
        "phone": "0712345678",
    }
    return services.start_stk_payment(**{**values, **overrides})


@pytest.fixture
def payment(fw, fake_daraja, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = start(fw)
    created.refresh_from_db()
    return created


def pages(payment):
    return [
        reverse("finance:pay"),
        reverse("finance:paybill"),
        reverse("finance:payment", args=[payment.public_id]),
        reverse("finance:payment_status", args=[payment.public_id]),
    ]


def test_the_family_guardian_sees_every_page(client, fw, payment):
    client.force_login(fw.guardian)
    for url in pages(payment):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(client, payment):
    for url in pages(payment):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("account_login") in response["Location"]


def test_another_family_or_school_guessing_the_payment_gets_404(client, fw, payment):
    from tests.factories import GuardianshipFactory, UserFactory

    stranger = UserFactory()
    GuardianshipFactory(guardian=stranger, pupil=fw.stranger_account.members.get().pupil)
    for person in (fw.other_guardian, stranger):
        client.force_login(person)
        for url in pages(payment)[2:]:
            assert client.get(url).status_code == 404, (person, url)
        # Paying into another family's account by naming it.
        assert client.get(reverse("finance:pay") + f"?account={fw.account.pk}").status_code == 404
        assert (
            client.post(
                reverse("finance:pay") + f"?account={fw.account.pk}", {"phone": "0722000111", "amount": "5"}
            ).status_code
            == 404
        )
    assert Payment.objects.count() == 1


def test_a_co_parent_whose_finance_scope_was_withdrawn_gets_404(client, fw, payment):
    for link in Guardianship.objects.filter(guardian=fw.co_parent):
        GuardianScope.objects.create(guardianship=link, finance=False)
    client.force_login(fw.co_parent)
    for url in pages(payment):
        assert client.get(url).status_code == 404, url


def test_the_pay_form_offers_what_the_family_owes_and_the_parents_phone(client, fw, fake_daraja):
    ledger.post(account=fw.account, kind="charge", purpose="subscribe", amount=Decimal("1500"), key="test:charge")
    client.force_login(fw.guardian)
    body = client.get(reverse("finance:pay")).content.decode()
    assert "KES 1,500" in body
    assert 'value="+254712345678"' in body
    assert 'value="1500"' in body


def test_pay_pressed_twice_starts_one_payment_and_one_prompt(
    client, fw, fake_daraja, django_capture_on_commit_callbacks
):
    client.force_login(fw.guardian)
    form = {"phone": "0712 345 678", "amount": "1500", "client_key": "double-press-key"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("finance:pay"), form)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(reverse("finance:pay"), form)
    payment = Payment.objects.get()
    assert first["Location"] == second["Location"] == reverse("finance:payment", args=[payment.public_id])
    assert len(fake_daraja.pushes) == 1


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"phone": "0712345678", "amount": "15.5"}, "whole shillings"),
        ({"phone": "12345", "amount": "100"}, ""),
        ({"phone": "", "amount": "100"}, "Enter the M-Pesa phone number"),
        ({"phone": "0712345678", "amount": "0"}, "at least KES 1"),
    ],
)
def test_a_wrong_form_is_shown_again_with_the_error_summary(client, fw, fake_daraja, form, words):
    client.force_login(fw.guardian)
    response = client.post(reverse("finance:pay"), form)
    assert response.status_code == 422
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert words in body
    assert "<title>Error:" in body
    assert not Payment.objects.exists()


def test_a_second_payment_while_one_waits_on_the_phone_is_refused_on_the_form(client, fw, payment):
    client.force_login(fw.guardian)
    response = client.post(reverse("finance:pay"), {"phone": "0712345678", "amount": "500"})
    assert response.status_code == 422
    assert "already waiting on this phone" in response.content.decode()


def _status(client, payment):
    return client.get(reverse("finance:payment_status", args=[payment.public_id])).content.decode()


def test_the_status_polls_while_pending_and_stops_once_settled(client, fw, payment):
    client.force_login(fw.guardian)
    page = client.get(reverse("finance:payment", args=[payment.public_id])).content.decode()
    assert 'role="status"' in page
    assert 'aria-live="polite"' in page
    assert 'hx-trigger="every 3s"' in page
    assert "Waiting for your PIN" in page
    assert "Check again" in page  # without JavaScript
    fragment = _status(client, payment)
    assert "<html" not in fragment
    assert 'hx-trigger="every 3s"' in fragment
    services.stk_callback_apply(
        record=services.callback_store(source="stk", raw_body=stk_callback(payment), remote_addr=None),
        token=payment.callback_token,
    )
    fragment = _status(client, payment)
    assert "Paid" in fragment
    assert "NLJ7RT61SV" in fragment
    assert "hx-trigger" not in fragment
    assert "Check again" not in fragment


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (1032, "You cancelled the request on your phone."),
        (1037, "The request timed out before the PIN was entered."),
        (2001, "The M-Pesa PIN entered was wrong."),
        (1, "There was not enough money in the M-Pesa account."),
    ],
)
def test_not_completed_says_why_and_what_to_do(client, fw, payment, code, words):
    services.stk_callback_apply(
        record=services.callback_store(source="stk", raw_body=stk_callback(payment, code=code), remote_addr=None),
        token=payment.callback_token,
    )
    client.force_login(fw.guardian)
    body = client.get(reverse("finance:payment", args=[payment.public_id])).content.decode()
    assert "Not completed" in body
    assert words in body
    assert reverse("finance:pay") in body
    assert reverse("finance:paybill") in body


def test_a_prompt_m_pesa_could_not_send_offers_paybill(client, fw, fake_daraja, django_capture_on_commit_callbacks):
    from finance.daraja.client import DarajaError

    fake_daraja.push_error = DarajaError(status=400, code="500.001.1001", description="not registered")
    with django_capture_on_commit_callbacks(execute=True):
        failed = start(fw)
    client.force_login(fw.guardian)
    body = client.get(reverse("finance:payment", args=[failed.public_id])).content.decode()
    assert str(FailureReason.PROMPT_FAILED.label) in body
    assert "Pay by M-Pesa Paybill instead" in body


def test_the_status_page_asks_m_pesa_once_the_grace_has_passed(
    client, fw, payment, fake_daraja, django_capture_on_commit_callbacks
):
    client.force_login(fw.guardian)
    _status(client, payment)
    assert fake_daraja.queries == []  # within the grace
    Payment.objects.filter(pk=payment.pk).update(prompted_at=timezone.now() - timedelta(seconds=100))
    fake_daraja.query_answer = query(None)
    with django_capture_on_commit_callbacks(execute=True):
        fragment = _status(client, payment)
    assert fake_daraja.queries == [payment.checkout_request_id]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CHECKING
    assert "Checking with M-Pesa" in _status(client, payment)
    _status(client, payment)
    assert len(fake_daraja.queries) == 1  # not again until the next grace
    assert "hx-trigger" in fragment


def test_the_paybill_page_shows_each_childs_account_number_and_the_steps(client, fw, settings):
    settings.DARAJA_SHORTCODE = "600100"
    client.force_login(fw.guardian)
    body = client.get(reverse("finance:paybill")).content.decode()
    assert "600100" in body
    for member in fw.account.members.select_related("pupil"):
        assert member.reference in body
        assert member.pupil.full_name in body
    assert fw.other_account.members.get().reference not in body
    assert "Lipa na M-Pesa" in body


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_status_page_costs_the_same_however_much_history(client, fw, payment, fake_daraja):
    client.force_login(fw.guardian)
    url = reverse("finance:payment", args=[payment.public_id])
    fragment = reverse("finance:payment_status", args=[payment.public_id])
    client.get(url)  # the first request after signing in records the device
    small = (_queries(client, url), _queries(client, fragment))
    for number in range(8):
        Payment.objects.create(
            account=fw.account, amount=Decimal("100"), phone=f"+25471100000{number}", status=PaymentStatus.FAILED
        )
        CallbackRecord.objects.create(source="stk", payment=payment, raw_body="{}")
    assert (_queries(client, url), _queries(client, fragment)) == small
