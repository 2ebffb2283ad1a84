"""Fixtures for sign-in and two-factor tests: a real local SMTP server, the SMS gateway
simulator, and helpers that sign in through the real allauth form."""

import email
import email.policy
import re
import socket
import threading
import time

import pyotp
import pytest
from django.core.cache import cache
from django.urls import reverse

from hub import sms
from tests.factories import DEFAULT_PASSWORD
from tests.simulators.africastalking import AfricasTalkingSimulator

USER_AGENT = "Mozilla/5.0 (Homeroom tests)"


@pytest.fixture(autouse=True)
def _fresh_state():
    """Rate-limit counters live in the cache and the console SMS outbox in memory: start each test clean."""
    cache.clear()
    sms.outbox.clear()
    yield
    cache.clear()
    sms.outbox.clear()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Inbox:
    """Messages received by the local SMTP server: envelope sender and recipients, subject, plain-text body."""

    def __init__(self):
        self.messages: list[dict] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        with self._arrived:
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "subject": str(parsed["Subject"]),
                    "body": body.get_content() if body else "",
                }
            )
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> dict:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        assert len(self.messages) >= count, f"expected {count} message(s), the SMTP server got {len(self.messages)}"
        return self.messages[count - 1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd), with Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def sms_gateway(settings):
    """The Africa's Talking simulator, running, with SMS_BACKEND="africastalking" pointed at it."""
    with AfricasTalkingSimulator(username="homeroom-test", api_key="test-api-key") as gateway:
        settings.SMS_BACKEND = "africastalking"
        settings.SMS_API_URL = gateway.url
        settings.SMS_USERNAME = "homeroom-test"
        settings.SMS_API_KEY = "test-api-key"
        settings.SMS_SENDER_ID = "HOMEROOM"
        yield gateway


def code_in(text: str) -> str:
    """The 6-digit code in a message."""
    match = re.search(r"\b(\d{6})\b", text)
    assert match, f"no 6-digit code in {text!r}"
    return match.group(1)


def sign_in(client, user, password: str = DEFAULT_PASSWORD, **extra):
    """Sign in through allauth's form, as a browser would."""
    return client.post(
        reverse("account_login"),
        {"login": user.email, "password": password},
        **{"HTTP_USER_AGENT": USER_AGENT, **extra},
    )


def sign_out(client):
    return client.post(reverse("account_logout"))


def next_totp_code(device) -> str:
    """A code for the next 30-second step: accepted (one step of clock drift is allowed) even when
    the current step's code was just used, so tests need not wait for the clock."""
    device.refresh_from_db()
    return pyotp.TOTP(device.secret).at(time.time() + 30)


def current_totp_code(device) -> str:
    device.refresh_from_db()
    return pyotp.TOTP(device.secret).now()


def end_throttle_pause(device) -> None:
    """Skip django-otp's 1, 2, 4 ... second pause after a wrong code (the count of failures is kept)."""
    type(device).objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
