"""The local Daraja posts what Safaricom posts: each scenario's callback, Paybill payments."""

import json
import threading
import time

import pytest
import requests

from finance.daraja import wire
from finance.daraja.client import client
from finance.daraja.simulator import SCENARIOS, SimulatorServer, receipt_number

PHONE = "254708374149"


def push(callback_url, *, phone=PHONE, amount=1500):
    return client().stk_push(
        phone_msisdn=phone,
        amount=amount,
        account_reference="HR-000123",
        description="Plan Jan",
        callback_url=callback_url,
    )


def test_a_paid_prompt_posts_the_receipt_amount_and_phone(daraja, callback_receiver):
    accepted = push(callback_receiver.url(), amount=2500)
    [sent] = daraja.wait_for_callbacks(1)
    assert sent["status"] == 200
    assert sent["url"] == callback_receiver.url()
    [body] = callback_receiver.bodies()
    callback = body["Body"]["stkCallback"]
    assert callback["CheckoutRequestID"] == accepted.checkout_request_id
    assert callback["MerchantRequestID"] == accepted.merchant_request_id
    assert callback["ResultCode"] == 0
    items = {item["Name"]: item.get("Value") for item in callback["CallbackMetadata"]["Item"]}
    assert items["Amount"] == 2500.0
    assert items["PhoneNumber"] == int(PHONE)
    assert len(str(items["TransactionDate"])) == 14
    # Our own parser understands it.
    result = wire.parse_stk_callback(json.dumps(body).encode())
    assert result.succeeded
    assert result.receipt == items["MpesaReceiptNumber"]
    assert result.phone_msisdn == PHONE


@pytest.mark.parametrize(
    ("scenario", "code", "description"),
    [
        ("cancel", 1032, "Request cancelled by user"),
        ("timeout", 1037, "DS timeout user cannot be reached"),
        ("wrong_pin", 2001, "The initiator information is invalid."),
        ("insufficient_funds", 1, "The balance is insufficient for the transaction."),
        ("expired", 1019, "Transaction has expired"),
    ],
)
def test_each_failure_posts_its_result_code_without_metadata(daraja, callback_receiver, scenario, code, description):
    daraja.set_scenario(PHONE, scenario)
    accepted = push(callback_receiver.url())
    daraja.wait_for_callbacks(1)
    [body] = callback_receiver.bodies()
    assert body == {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": accepted.merchant_request_id,
                "CheckoutRequestID": accepted.checkout_request_id,
                "ResultCode": code,
                "ResultDesc": description,
            }
        }
    }
    result = client().stk_query(checkout_request_id=accepted.checkout_request_id)
    assert result.result_code == code


def test_duplicate_callback_posts_the_same_body_twice(daraja, callback_receiver):
    daraja.set_scenario(PHONE, "duplicate_callback")
    push(callback_receiver.url())
    daraja.wait_for_callbacks(2)
    first, second = callback_receiver.bodies()
    assert first == second
    assert first["Body"]["stkCallback"]["ResultCode"] == 0
    time.sleep(0.1)
    assert len(callback_receiver.bodies()) == 2


def test_out_of_order_delivers_the_callback_before_the_push_returns(daraja, callback_receiver):
    daraja.set_scenario(PHONE, "out_of_order")
    accepted = push(callback_receiver.url())
    # Already there, and answered, when stk_push returned.
    assert len(daraja.callbacks_sent) == 1
    assert daraja.callbacks_sent[0]["status"] == 200
    [body] = callback_receiver.bodies()
    assert body["Body"]["stkCallback"]["CheckoutRequestID"] == accepted.checkout_request_id
    time.sleep(0.3)
    assert len(callback_receiver.bodies()) == 1


def test_no_callback_posts_nothing(daraja, callback_receiver):
    daraja.set_scenario(PHONE, "no_callback")
    push(callback_receiver.url())
    time.sleep(0.4)
    assert callback_receiver.bodies() == []
    assert daraja.callbacks_sent == []


def test_the_callback_waits_for_the_callback_delay(settings, callback_receiver):
    with SimulatorServer(callback_delay=0.5) as server:
        settings.DARAJA_BASE_URL = server.url
        started = time.monotonic()
        push(callback_receiver.url())
        server.wait_for_callbacks(1)
        assert time.monotonic() - started >= 0.5


def test_scenarios_are_per_phone_and_default_to_success(daraja):
    daraja.set_scenario("0712 345 671", "cancel")
    assert daraja.scenario_for("254712345671") == "cancel"
    assert daraja.scenario_for("254712345672") == "success"
    with pytest.raises(ValueError, match="unknown scenario"):
        daraja.set_scenario(PHONE, "explode")


def test_the_demo_picks_scenarios_by_the_last_digit():
    server = SimulatorServer(scenarios_by_last_digit=True)
    try:
        expected = {
            "1": "cancel",
            "2": "timeout",
            "3": "wrong_pin",
            "4": "insufficient_funds",
            "5": "no_callback",
            "6": "duplicate_callback",
            "7": "out_of_order",
            "8": "not_registered",
            "9": "success",
            "0": "success",
        }
        assert {digit: server.scenario_for(f"25471234567{digit}") for digit in expected} == expected
        server.set_scenario("254712345671", "success")
        assert server.scenario_for("254712345671") == "success"
    finally:
        server.stop()


def test_scenarios_can_be_set_over_http(daraja):
    answer = requests.post(
        daraja.url + "/simulator/scenario", json={"phone": "0712345670", "scenario": "wrong_pin"}, timeout=5
    )
    assert answer.status_code == 200
    assert answer.json() == {"phone": "254712345670", "scenario": "wrong_pin"}
    assert daraja.scenario_for("254712345670") == "wrong_pin"
    refused = requests.post(daraja.url + "/simulator/scenario", json={"phone": PHONE, "scenario": "nope"}, timeout=5)
    assert refused.status_code == 400


def test_state_shows_pushes_and_callbacks(daraja, callback_receiver):
    accepted = push(callback_receiver.url())
    daraja.wait_for_callbacks(1)
    state = requests.get(daraja.url + "/simulator/state", timeout=5).json()
    assert state["pushes"][0]["CheckoutRequestID"] == accepted.checkout_request_id
    assert state["pushes"][0]["scenario"] == "success"
    assert state["callbacks_sent"][0]["status"] == 200
    assert "Password" not in str(state["pushes"])


def test_every_scenario_is_documented():
    from finance.daraja import simulator

    for scenario in SCENARIOS:
        assert f"`{scenario}`" in simulator.__doc__


def test_receipt_numbers_look_like_safaricoms():
    numbers = {receipt_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 10
        assert number.isalnum()
        assert number == number.upper()
        assert number[0].isalpha()


def test_a_dead_callback_url_is_recorded_without_a_status(daraja):
    push("http://127.0.0.1:9/never/")
    [sent] = daraja.wait_for_callbacks(1)
    assert sent["status"] is None


def _c2b_registered(receiver):
    client().register_c2b_urls(
        validation_url=receiver.url("/c2b/validation/"), confirmation_url=receiver.url("/c2b/confirmation/")
    )


def test_pay_bill_posts_validation_then_confirmation(daraja, callback_receiver):
    _c2b_registered(callback_receiver)
    callback_receiver.answers["/validation/"] = {"ResultCode": "0", "ResultDesc": "Accepted"}
    outcome = daraja.pay_bill(phone_msisdn="0712345678", amount=1500, account="HR-4X7K")
    paths = [path for path, _ in callback_receiver.received]
    assert paths == ["/c2b/validation/", "/c2b/confirmation/"]
    validation, confirmation = callback_receiver.bodies()
    assert validation == confirmation
    assert confirmation["TransAmount"] == "1500.00"
    assert confirmation["BillRefNumber"] == "HR-4X7K"
    assert confirmation["MSISDN"] == "254712345678"
    assert confirmation["BusinessShortCode"] == "174379"
    assert confirmation["TransactionType"] == "Pay Bill"
    assert len(confirmation["TransID"]) == 10
    assert outcome["confirmation"] == {"ResultCode": 0, "ResultDesc": "Accepted"}
    payment = wire.parse_c2b(json.dumps(confirmation).encode())
    assert payment.bill_ref == "HR-4X7K"
    assert str(payment.amount) == "1500.00"


def test_a_rejected_validation_stops_the_payment(daraja, callback_receiver):
    _c2b_registered(callback_receiver)
    callback_receiver.answers["/validation/"] = {"ResultCode": "C2B00012", "ResultDesc": "Rejected"}
    outcome = daraja.pay_bill(phone_msisdn=PHONE, amount=10, account="NOBODY")
    assert [path for path, _ in callback_receiver.received] == ["/c2b/validation/"]
    assert outcome["confirmation"] is None


def test_pay_bill_needs_registered_urls(daraja):
    with pytest.raises(ValueError, match="no C2B URLs"):
        daraja.pay_bill(phone_msisdn=PHONE, amount=10, account="HR-1")


def test_the_sandbox_simulate_endpoint_pays_the_bill_in_the_background(daraja, callback_receiver):
    _c2b_registered(callback_receiver)
    answer = client().c2b_simulate(phone_msisdn=PHONE, amount=700, bill_ref="HR-9Q2M")
    assert answer["ResponseDescription"] == "Accept the service request successfully."
    daraja.wait_for_callbacks(2)
    assert [path for path, _ in callback_receiver.received] == ["/c2b/validation/", "/c2b/confirmation/"]
    assert callback_receiver.bodies("/confirmation/")[0]["TransAmount"] == "700.00"


def test_pay_bill_over_http_for_the_demo(daraja, callback_receiver):
    _c2b_registered(callback_receiver)
    answer = requests.post(
        daraja.url + "/simulator/pay_bill", json={"phone": PHONE, "amount": 300, "account": "HR-1"}, timeout=5
    )
    assert answer.status_code == 200
    assert len(callback_receiver.bodies("/confirmation/")) == 1


def test_oauth_speaks_darajas_errors(daraja):
    wrong = requests.get(
        daraja.url + "/oauth/v1/generate", params={"grant_type": "client_credentials"}, auth=("a", "b"), timeout=5
    )
    assert wrong.status_code == 400
    assert wrong.json()["errorCode"] == "400.008.01"
    assert wrong.json()["errorMessage"] == "Invalid Authentication passed"
    no_token = requests.post(daraja.url + "/mpesa/stkpush/v1/processrequest", json={}, timeout=5)
    assert no_token.status_code == 401
    assert no_token.json()["errorCode"] == "404.001.03"
    assert no_token.json()["errorMessage"] == "Invalid Access Token"


def test_concurrent_pushes_to_different_phones_all_get_callbacks(daraja, callback_receiver):
    errors = []

    def one(phone):
        try:
            push(callback_receiver.url(), phone=phone)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=one, args=(f"25471234560{digit}",)) for digit in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    daraja.wait_for_callbacks(8)
    ids = {body["Body"]["stkCallback"]["CheckoutRequestID"] for body in callback_receiver.bodies()}
    assert len(ids) == 8
