"""What Daraja posts to us, parsed into values the payments code can trust.

Two kinds of body arrive: the STK push callback (`{"Body": {"stkCallback": ...}}`, after a
customer answers, or fails to answer, the prompt on their phone) and the C2B (Paybill)
validation/confirmation body (a customer paying our Paybill from their own M-Pesa menu). Anything
that does not have the shape Safaricom documents raises MalformedCallback, so a stray or forged
post never reaches the ledger half-understood.
"""

import json
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from finance.models import FailureReason

NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")


class MalformedCallback(ValueError):
    """The body is not one Daraja would send."""


@dataclass(frozen=True)
class StkResult:
    merchant_request_id: str
    checkout_request_id: str
    result_code: int
    result_description: str
    amount: Decimal | None
    receipt: str | None
    phone_msisdn: str | None
    transaction_date: datetime | None

    @property
    def succeeded(self) -> bool:
        return self.result_code == 0


@dataclass(frozen=True)
class C2BPayment:
    trans_id: str
    amount: Decimal
    bill_ref: str
    msisdn: str
    trans_time: datetime | None
    short_code: str
    first_name: str


def _load(body: bytes) -> dict:
    try:
        document = json.loads(body)
    except (ValueError, TypeError):
        raise MalformedCallback("not JSON") from None
    if not isinstance(document, dict):
        raise MalformedCallback("not a JSON object")
    return document


def _decimal(value, field: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise MalformedCallback(f"{field} is not an amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MalformedCallback(f"{field} is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise MalformedCallback(f"{field} is not an amount")
    return amount.quantize(Decimal("0.01"))


def parse_daraja_time(value) -> datetime | None:
    """`20191219102115` (a number or a string, Nairobi time) as an aware datetime; None if absent."""
    if value in (None, ""):
        return None
    text = str(value).split(".")[0]
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI)
    except ValueError:
        raise MalformedCallback("a timestamp is not YYYYMMDDHHmmss") from None


def parse_stk_callback(body: bytes) -> StkResult:
    """The STK callback's outcome; MalformedCallback if it lacks the ids or the result code."""
    document = _load(body)
    try:
        callback = document["Body"]["stkCallback"]
        merchant_request_id = callback["MerchantRequestID"]
        checkout_request_id = callback["CheckoutRequestID"]
        raw_code = callback["ResultCode"]
    except (KeyError, TypeError):
        raise MalformedCallback("not an stkCallback") from None
    if not isinstance(merchant_request_id, str) or not isinstance(checkout_request_id, str) or not checkout_request_id:
        raise MalformedCallback("request ids are not strings")
    if isinstance(raw_code, bool):
        raise MalformedCallback("ResultCode is not a number")
    try:
        result_code = int(raw_code)
    except (TypeError, ValueError):
        raise MalformedCallback("ResultCode is not a number") from None
    description = callback.get("ResultDesc") or ""
    if not isinstance(description, str):
        raise MalformedCallback("ResultDesc is not text")

    items = {}
    metadata = callback.get("CallbackMetadata")
    if metadata is not None:
        try:
            for item in metadata["Item"]:
                # Safaricom leaves out "Value" for some items (a Balance with no value), so absent is fine.
                items[item["Name"]] = item.get("Value")
        except (KeyError, TypeError, AttributeError):
            raise MalformedCallback("CallbackMetadata is not a list of items") from None

    amount = _decimal(items["Amount"], "Amount") if items.get("Amount") is not None else None
    receipt = items.get("MpesaReceiptNumber")
    phone = items.get("PhoneNumber")
    if result_code == 0 and (amount is None or not receipt):
        raise MalformedCallback("a successful callback without an amount or a receipt")
    return StkResult(
        merchant_request_id=merchant_request_id,
        checkout_request_id=checkout_request_id,
        result_code=result_code,
        result_description=description,
        amount=amount,
        receipt=str(receipt) if receipt else None,
        phone_msisdn=str(phone) if phone not in (None, "") else None,
        transaction_date=parse_daraja_time(items.get("TransactionDate")),
    )


def parse_c2b(body: bytes) -> C2BPayment:
    """A Paybill validation or confirmation body; MalformedCallback without TransID or amount."""
    document = _load(body)
    try:
        trans_id = document["TransID"]
        amount = _decimal(document["TransAmount"], "TransAmount")
    except KeyError:
        raise MalformedCallback("not a C2B payment") from None
    if not isinstance(trans_id, str) or not trans_id:
        raise MalformedCallback("TransID is not text")

    def text(name: str) -> str:
        value = document.get(name)
        return "" if value is None else str(value).strip()

    return C2BPayment(
        trans_id=trans_id,
        amount=amount,
        bill_ref=text("BillRefNumber"),
        msisdn=text("MSISDN"),
        trans_time=parse_daraja_time(document.get("TransTime")),
        short_code=text("BusinessShortCode"),
        first_name=text("FirstName"),
    )


_FAILURE_REASONS = {
    1032: FailureReason.CANCELLED,
    1037: FailureReason.TIMED_OUT,
    1019: FailureReason.TIMED_OUT,
    2001: FailureReason.WRONG_PIN,
    1: FailureReason.INSUFFICIENT_FUNDS,
}


def failure_reason_for(result_code: int) -> str:
    """The FailureReason a parent is shown for a Daraja result code (OTHER when we do not know it)."""
    return _FAILURE_REASONS.get(result_code, FailureReason.OTHER).value
