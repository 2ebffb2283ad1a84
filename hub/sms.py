"""Text messages through a pluggable gateway.

`send(to=..., body=...)` picks the backend named by `settings.SMS_BACKEND`:

- ``"console"`` (demo, tests): logs the message and appends it to `outbox`, like Django's
  locmem email backend, so a test can read the code that was sent.
- ``"africastalking"``: posts to Africa's Talking's bulk SMS API (`SMS_API_URL`) with
  `SMS_USERNAME`, `SMS_API_KEY` and, when set, `SMS_SENDER_ID`.

Numbers are sent in E.164 form. A message the gateway does not accept raises `SMSDeliveryError`.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import phonenumbers
import requests
from django.conf import settings

logger = logging.getLogger(__name__)

# Seconds to wait for the gateway to accept the connection, then to answer.
TIMEOUT = (5, 15)
# Africa's Talking recipient status codes that mean the message was accepted:
# 100 Processed, 101 Sent, 102 Queued.
ACCEPTED_STATUS_CODES = frozenset({100, 101, 102})


class SMSDeliveryError(Exception):
    """The gateway refused the message, or could not be reached."""


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str
    message_id: str
    sent_at: datetime = field(default_factory=lambda: datetime.now(tz=UTC))


# Messages "sent" by the console backend, newest last. Tests clear it with `outbox.clear()`.
outbox: list[SMSMessage] = []


def e164(number: str) -> str:
    """The number in E.164 form (+254711000111); SMSDeliveryError when it is not a valid number."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as error:
        raise SMSDeliveryError(f"{number!r} is not a phone number in international form.") from error
    if not phonenumbers.is_valid_number(parsed):
        raise SMSDeliveryError(f"{number!r} is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def send(*, to: str, body: str) -> str:
    """Send one text message and return the gateway's message id.

    Raises SMSDeliveryError when the number is invalid or the gateway does not accept it.
    """
    backend = settings.SMS_BACKEND
    number = e164(to)
    if backend == "console":
        return _send_console(to=number, body=body)
    if backend == "africastalking":
        return _send_africastalking(to=number, body=body)
    raise SMSDeliveryError(f"Unknown SMS_BACKEND {backend!r}; use 'console' or 'africastalking'.")


def _send_console(*, to: str, body: str) -> str:
    message = SMSMessage(to=to, body=body, message_id=f"console-{uuid.uuid4().hex}")
    outbox.append(message)
    logger.info("SMS to %s: %s", to, body)
    return message.message_id


def _send_africastalking(*, to: str, body: str) -> str:
    form = {"username": settings.SMS_USERNAME, "to": to, "message": body}
    if settings.SMS_SENDER_ID:
        form["from"] = settings.SMS_SENDER_ID
    headers = {"apiKey": settings.SMS_API_KEY, "Accept": "application/json"}
    try:
        response = requests.post(settings.SMS_API_URL, data=form, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise SMSDeliveryError(f"Could not reach the SMS gateway: {error}") from error
    if not 200 <= response.status_code < 300:
        raise SMSDeliveryError(f"The SMS gateway answered {response.status_code}: {response.text[:200]}")
    try:
        data = response.json()["SMSMessageData"]
        recipients = data["Recipients"]
    except (ValueError, KeyError, TypeError) as error:
        raise SMSDeliveryError(f"The SMS gateway's answer was not understood: {response.text[:200]}") from error
    if not recipients:
        raise SMSDeliveryError(f"The SMS gateway sent to nobody: {data.get('Message', '')}")
    recipient = recipients[0]
    if recipient.get("statusCode") not in ACCEPTED_STATUS_CODES:
        raise SMSDeliveryError(
            f"The SMS gateway refused the message to {recipient.get('number', to)}: "
            f"{recipient.get('status', 'unknown')} ({recipient.get('statusCode')})"
        )
    logger.info("SMS to %s accepted by Africa's Talking as %s", to, recipient.get("messageId"))
    return str(recipient.get("messageId", ""))
