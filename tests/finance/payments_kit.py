"""Shared pieces of the payments tests: Daraja's callback bodies as M-Pesa sends them, a stand-in
Daraja client for tests that need no HTTP, and the world with its finance pages reachable."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from finance import settlement
from finance.daraja.client import DarajaError, DarajaUnavailable, StkPushAccepted, StkQueryAnswer
from finance.models import LedgerEntry, Payment
from tests.finance.world import finance_world


def stk_callback(
    payment: Payment | None = None,
    *,
    code: int = 0,
    checkout: str | None = None,
    merchant: str = "29115-34620561-1",
    amount=None,
    receipt: str = "NLJ7RT61SV",
    phone: str | int | None = None,
    description: str | None = None,
) -> bytes:
    """An STK callback body in Daraja's wire format (failures carry no CallbackMetadata)."""
    checkout = checkout or (payment.checkout_request_id if payment and payment.checkout_request_id else "ws_CO_1")
    callback = {
        "MerchantRequestID": merchant,
        "CheckoutRequestID": checkout,
        "ResultCode": code,
        "ResultDesc": description
        or {0: "The service request is processed successfully.", 1032: "Request cancelled by user"}.get(code, "Failed"),
    }
    if code == 0:
        amount = amount if amount is not None else float(payment.amount)
        phone = phone if phone is not None else int(payment.phone.lstrip("+"))
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": amount},
                {"Name": "MpesaReceiptNumber", "Value": receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": 20191219102115},
                {"Name": "PhoneNumber", "Value": phone},
            ]
        }
    return json.dumps({"Body": {"stkCallback": callback}}).encode()


def c2b_body(*, account: str, amount="1500.00", trans_id: str = "RKTQDM7W6S", msisdn: str = "254712345678") -> bytes:
    return json.dumps(
        {
            "TransactionType": "Pay Bill",
            "TransID": trans_id,
            "TransTime": "20191122063845",
            "TransAmount": amount,
            "BusinessShortCode": "174379",
            "BillRefNumber": account,
            "InvoiceNumber": "",
            "OrgAccountBalance": "49197.00",
            "ThirdPartyTransID": "",
            "MSISDN": msisdn,
            "FirstName": "Wanjiru",
        }
    ).encode()


@dataclass
class FakeDaraja:
    """Answers like Daraja's client without the network. `push_error` / `query_answer` decide."""

    pushes: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    push_error: Exception | None = None
    query_answer: StkQueryAnswer | Exception | None = None
    before_push_answer: object = None  # called with the push's kwargs before it answers (out of order)

    def stk_push(self, **kwargs) -> StkPushAccepted:
        self.pushes.append(kwargs)
        if self.push_error is not None:
            raise self.push_error
        number = len(self.pushes)
        if self.before_push_answer is not None:
            self.before_push_answer(kwargs, f"ws_CO_fake_{number}")
        return StkPushAccepted(
            merchant_request_id=f"merchant-{number}",
            checkout_request_id=f"ws_CO_fake_{number}",
            customer_message="Success. Request accepted for processing",
        )

    def stk_query(self, *, checkout_request_id: str) -> StkQueryAnswer:
        self.queries.append(checkout_request_id)
        answer = self.query_answer
        if isinstance(answer, Exception):
            raise answer
        return answer or StkQueryAnswer(pending=True, result_code=None, result_description="processing", raw="{}")


def query(code: int | None) -> StkQueryAnswer:
    if code is None:
        return StkQueryAnswer(pending=True, result_code=None, result_description="being processed", raw='{"pending":1}')
    return StkQueryAnswer(
        pending=False, result_code=code, result_description=f"code {code}", raw=f'{{"ResultCode":{code}}}'
    )


__all__ = ["DarajaError", "DarajaUnavailable"]


@pytest.fixture
def fake_daraja(monkeypatch):
    fake = FakeDaraja()
    monkeypatch.setattr("finance.payments.effects.client", lambda: fake)
    return fake


@pytest.fixture
def fw(db):
    return finance_world()


@pytest.fixture
def settled_hooks():
    """Records what finance.settlement's hooks were called with (billing and receipts register
    theirs on their own branches)."""
    calls = {"paid": [], "failed": []}
    settlement.on_paid("zz-test", lambda payment: calls["paid"].append(payment.pk))
    settlement.on_failed("zz-test", lambda payment: calls["failed"].append(payment.pk))
    yield calls
    settlement._on_paid.pop("zz-test", None)
    settlement._on_failed.pop("zz-test", None)


def payment_entries(payment: Payment) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(payment=payment))


def kes(value) -> Decimal:
    return Decimal(str(value))
