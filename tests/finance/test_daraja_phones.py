"""Phone numbers as Kenyan families type them, and the Daraja wire format we parse."""

import json
from datetime import datetime
from decimal import Decimal

import pytest

from finance.daraja import wire
from finance.daraja.client import password, timestamp
from finance.daraja.phones import InvalidPhone, msisdn, normalise_kenyan_mobile
from finance.models import FailureReason


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0712345678", "+254712345678"),
        ("0712 345 678", "+254712345678"),
        ("0712-345-678", "+254712345678"),
        (" 0712 345678 ", "+254712345678"),
        ("0110123456", "+254110123456"),
        ("0110-123-456", "+254110123456"),
        ("+254712345678", "+254712345678"),
        ("+254 712 345 678", "+254712345678"),
        ("254712345678", "+254712345678"),
        ("254 712 345 678", "+254712345678"),
        ("0708374149", "+254708374149"),
    ],
)
def test_kenyan_mobiles_in_every_usual_form_become_e164(typed, e164):
    assert normalise_kenyan_mobile(typed) == e164


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "not a phone",
        "07123",
        "0712345678901",
        "020 2222222",  # a Nairobi landline
        "+254 20 2222222",
        "+447911123456",  # a UK mobile
        "+255712345678",  # a Tanzanian mobile
    ],
)
def test_landlines_foreign_and_garbled_numbers_are_refused_with_a_sentence(typed):
    with pytest.raises(InvalidPhone) as refused:
        normalise_kenyan_mobile(typed)
    assert refused.value.message
    assert isinstance(refused.value, ValueError)


def test_a_landline_is_refused_because_it_cannot_get_a_prompt():
    with pytest.raises(InvalidPhone, match="landline"):
        normalise_kenyan_mobile("020 2222222")


def test_a_foreign_number_is_refused_as_not_kenyan():
    with pytest.raises(InvalidPhone, match="Kenyan"):
        normalise_kenyan_mobile("+447911123456")


def test_msisdn_is_e164_without_the_plus():
    assert msisdn("+254712345678") == "254712345678"
    assert msisdn(normalise_kenyan_mobile("0110 123 456")) == "254110123456"


def test_password_is_base64_of_shortcode_passkey_and_timestamp():
    # Safaricom's documented sandbox example.
    passkey = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
    expected = "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3"
    assert password("174379", passkey, "20160216165627") == expected


def test_timestamp_is_nairobi_time():
    from datetime import UTC

    assert timestamp(datetime(2026, 1, 31, 22, 30, 5, tzinfo=UTC)) == "20260201013005"
    assert len(timestamp()) == 14


def _callback(code=0, metadata=True):
    callback = {
        "MerchantRequestID": "29115-34620561-1",
        "CheckoutRequestID": "ws_CO_191220191020363925",
        "ResultCode": code,
        "ResultDesc": "The service request is processed successfully.",
    }
    if metadata:
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": 1500.00},
                {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": 20191219102115},
                {"Name": "PhoneNumber", "Value": 254708374149},
            ]
        }
    return json.dumps({"Body": {"stkCallback": callback}}).encode()


def test_a_successful_stk_callback_gives_amount_receipt_phone_and_time():
    result = wire.parse_stk_callback(_callback())
    assert result.result_code == 0
    assert result.succeeded
    assert result.checkout_request_id == "ws_CO_191220191020363925"
    assert result.merchant_request_id == "29115-34620561-1"
    assert result.amount == Decimal("1500.00")
    assert result.receipt == "NLJ7RT61SV"
    assert result.phone_msisdn == "254708374149"
    assert result.transaction_date == datetime(2019, 12, 19, 10, 21, 15, tzinfo=wire.NAIROBI)


def test_a_failed_stk_callback_has_no_metadata():
    result = wire.parse_stk_callback(_callback(code=1032, metadata=False))
    assert result.result_code == 1032
    assert not result.succeeded
    assert result.amount is None
    assert result.receipt is None
    assert result.phone_msisdn is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"Body": {}}',
        b'{"Body": {"stkCallback": {"MerchantRequestID": "m", "CheckoutRequestID": "c"}}}',
        b'{"Body": {"stkCallback": {"MerchantRequestID": "m", "CheckoutRequestID": "c", "ResultCode": "x"}}}',
        # "success" without a receipt is not something Safaricom sends
        b'{"Body": {"stkCallback": {"MerchantRequestID": "m", "CheckoutRequestID": "c", "ResultCode": 0}}}',
        b'{"Body": {"stkCallback": {"MerchantRequestID": "m", "CheckoutRequestID": "c", "ResultCode": 1, "CallbackMetadata": 5}}}',
    ],
)
def test_malformed_stk_callbacks_are_refused(body):
    with pytest.raises(wire.MalformedCallback):
        wire.parse_stk_callback(body)


def test_a_c2b_body_is_parsed():
    body = {
        "TransactionType": "Pay Bill",
        "TransID": "RKTQDM7W6S",
        "TransTime": "20191122063845",
        "TransAmount": "10.00",
        "BusinessShortCode": "600999",
        "BillRefNumber": " HR-1234 ",
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": "254708374149",
        "FirstName": "John",
        "MiddleName": "",
        "LastName": "",
    }
    payment = wire.parse_c2b(json.dumps(body).encode())
    assert payment == wire.C2BPayment(
        trans_id="RKTQDM7W6S",
        amount=Decimal("10.00"),
        bill_ref="HR-1234",
        msisdn="254708374149",
        trans_time=datetime(2019, 11, 22, 6, 38, 45, tzinfo=wire.NAIROBI),
        short_code="600999",
        first_name="John",
    )


@pytest.mark.parametrize(
    "body",
    [b"{}", b'{"TransID": "X"}', b'{"TransID": "X", "TransAmount": "ten"}', b'{"TransID": "", "TransAmount": "1"}'],
)
def test_malformed_c2b_bodies_are_refused(body):
    with pytest.raises(wire.MalformedCallback):
        wire.parse_c2b(body)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (1032, FailureReason.CANCELLED),
        (1037, FailureReason.TIMED_OUT),
        (1019, FailureReason.TIMED_OUT),
        (2001, FailureReason.WRONG_PIN),
        (1, FailureReason.INSUFFICIENT_FUNDS),
        (17, FailureReason.OTHER),
    ],
)
def test_failure_reasons(code, reason):
    assert wire.failure_reason_for(code) == reason.value
