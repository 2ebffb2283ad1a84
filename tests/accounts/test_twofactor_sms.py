"""The SMS gateway (hub/sms.py) against the local Africa's Talking simulator, and text message
codes from set-up to sign-in."""

import pytest
import requests
from django.urls import reverse

from accounts.models import SMSDevice
from hub import sms
from tests.accounts.conftest import code_in, end_throttle_pause, sign_in, sign_out
from tests.simulators.africastalking import AfricasTalkingSimulator

KENYAN_MOBILE = "+254711123456"
VERIFY = reverse("twofactor:verify")
HOME = reverse("home")


def test_console_backend_keeps_an_outbox(settings):
    settings.SMS_BACKEND = "console"
    message_id = sms.send(to="+254 711 123 456", body="Hello")
    assert sms.outbox[-1].to == KENYAN_MOBILE
    assert sms.outbox[-1].body == "Hello"
    assert sms.outbox[-1].message_id == message_id


def test_invalid_number_is_refused_before_sending(settings):
    settings.SMS_BACKEND = "console"
    with pytest.raises(sms.SMSDeliveryError):
        sms.send(to="0711 123", body="Hello")
    assert sms.outbox == []


def test_africastalking_backend_speaks_the_wire_format(sms_gateway):
    message_id = sms.send(to="+254 711 123 456", body="Your code is 123456")
    assert message_id.startswith("ATXid_")
    received = sms_gateway.messages[-1]
    assert received == {
        "to": KENYAN_MOBILE,
        "message": "Your code is 123456",
        "from": "HOMEROOM",
        "messageId": message_id,
    }
    assert sms_gateway.requests[-1]["username"] == "homeroom-test"


def test_simulator_answers_like_the_real_api(sms_gateway):
    response = requests.post(
        sms_gateway.url,
        data={"username": "homeroom-test", "to": f"{KENYAN_MOBILE},+2547", "message": "Hi"},
        headers={"apiKey": "test-api-key", "Accept": "application/json"},
        timeout=5,
    )
    assert response.status_code == 201
    data = response.json()["SMSMessageData"]
    assert data["Message"] == "Sent to 1/2 Total Cost: KES 0.8000"
    ok, bad = data["Recipients"]
    assert (ok["statusCode"], ok["status"], ok["cost"]) == (101, "Success", "KES 0.8000")
    assert (bad["statusCode"], bad["status"], bad["number"]) == (403, "InvalidPhoneNumber", "+2547")


def test_refused_recipient_raises(sms_gateway):
    # hub.sms checks numbers itself; skip that check to see the gateway's refusal handled.
    with pytest.raises(sms.SMSDeliveryError, match="InvalidPhoneNumber"):
        sms._send_africastalking(to="+2547", body="Hi")


def test_wrong_api_key_raises(sms_gateway, settings):
    settings.SMS_API_KEY = "not-the-key"
    with pytest.raises(sms.SMSDeliveryError, match="401"):
        sms.send(to=KENYAN_MOBILE, body="Hi")
    assert sms_gateway.messages == []


def test_unreachable_gateway_raises(settings):
    with AfricasTalkingSimulator() as gateway:
        url = gateway.url
    settings.SMS_BACKEND = "africastalking"
    settings.SMS_API_URL = url  # the simulator has stopped: nothing listens there now
    with pytest.raises(sms.SMSDeliveryError, match="Could not reach"):
        sms.send(to=KENYAN_MOBILE, body="Hi")


@pytest.mark.django_db
def test_text_message_codes_from_setup_to_sign_in(client, parent, sms_gateway):
    sign_in(client, parent)
    response = client.post(reverse("twofactor:sms_send"), {"phone": "+254 711 123 456"})
    assert response.status_code == 302
    assert sms_gateway.messages[-1]["to"] == KENYAN_MOBILE
    setup_code = code_in(sms_gateway.messages[-1]["message"])

    response = client.post(reverse("twofactor:sms"), {"code": setup_code})
    assert response.status_code == 302
    device = SMSDevice.objects.get(user=parent)
    assert device.confirmed
    assert device.phone_number == KENYAN_MOBILE
    sign_out(client)

    sign_in(client, parent)
    assert client.get(HOME)["Location"].startswith(VERIFY)
    page = client.get(VERIFY).content.decode()
    assert "Send me a code by text message" in page
    client.post(reverse("twofactor:verify_send"), {"method": "sms", "next": HOME})
    assert len(sms_gateway.messages) == 2
    sign_in_code = code_in(sms_gateway.messages[-1]["message"])

    wrong = "000000" if sign_in_code != "000000" else "111111"
    assert client.post(VERIFY, {"method": "sms", "code": wrong}).status_code == 422
    end_throttle_pause(device)
    response = client.post(VERIFY, {"method": "sms", "code": sign_in_code, "next": HOME})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


@pytest.mark.django_db
def test_invalid_phone_number_shows_an_error(client, parent):
    client.force_login(parent)
    response = client.post(reverse("twofactor:sms_send"), {"phone": "0711"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert 'href="#id_phone"' in page
    assert not SMSDevice.objects.filter(user=parent).exists()


@pytest.mark.django_db
def test_gateway_refusal_shows_an_error(client, parent, sms_gateway, settings):
    settings.SMS_API_KEY = "revoked"
    client.force_login(parent)
    response = client.post(reverse("twofactor:sms_send"), {"phone": KENYAN_MOBILE})
    assert response.status_code == 422
    assert "could not send a text message" in response.content.decode()
