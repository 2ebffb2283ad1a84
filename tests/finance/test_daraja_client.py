"""The Daraja client against the local Daraja over real HTTP: tokens, pushes, queries, refusals."""

import logging
import time

import pytest
import requests

from finance.daraja.client import DarajaClient, DarajaError, DarajaUnavailable, StkPushAccepted, client

PHONE = "254708374149"


def push(daraja_client=None, *, phone=PHONE, amount=1500, callback_url="https://homeroom.example/cb/"):
    return (daraja_client or client()).stk_push(
        phone_msisdn=phone,
        amount=amount,
        account_reference="HR-000123",
        description="Plan Jan",
        callback_url=callback_url,
    )


def test_a_push_is_accepted_with_the_ids_to_match_its_callback(daraja):
    accepted = push()
    assert isinstance(accepted, StkPushAccepted)
    assert accepted.checkout_request_id.startswith("ws_CO_")
    assert accepted.merchant_request_id
    assert accepted.customer_message == "Success. Request accepted for processing"
    [body] = daraja.pushes
    assert body["PhoneNumber"] == PHONE
    assert body["PartyA"] == PHONE
    assert body["Amount"] == 1500
    assert body["PartyB"] == body["BusinessShortCode"] == "174379"
    assert body["TransactionType"] == "CustomerPayBillOnline"
    assert body["AccountReference"] == "HR-000123"


def test_the_token_is_fetched_once_for_two_pushes(daraja):
    push(phone="254708374141")
    push(phone="254708374142")
    assert daraja.oauth_requests == 1
    assert len(daraja.pushes) == 2


def test_the_token_is_shared_by_clients_through_the_cache(daraja):
    push(DarajaClient(), phone="254708374141")
    push(DarajaClient(), phone="254708374142")
    assert daraja.oauth_requests == 1


def test_an_expiring_token_is_renewed_before_daraja_refuses_it(settings):
    from django.core.cache import cache

    from finance.daraja.simulator import SimulatorServer

    # A 61 s token is kept for 1 s (renewed 60 s before it expires).
    with SimulatorServer(token_lifetime=61) as server:
        settings.DARAJA_BASE_URL = server.url
        cache.delete(client().token_cache_key)
        push(phone="254708374141")
        time.sleep(1.2)
        push(phone="254708374142")
        assert server.oauth_requests == 2
        assert len(server.pushes) == 2


def test_a_token_shorter_than_the_margin_is_not_cached(settings):
    from django.core.cache import cache

    from finance.daraja.simulator import SimulatorServer

    with SimulatorServer(token_lifetime=30) as server:
        settings.DARAJA_BASE_URL = server.url
        cache.delete(client().token_cache_key)
        push(phone="254708374141")
        push(phone="254708374142")
        assert server.oauth_requests == 2


def test_a_revoked_token_is_replaced_once_on_401(daraja):
    push(phone="254708374141")
    daraja.expire_tokens()
    push(phone="254708374142")
    assert daraja.oauth_requests == 2
    assert len(daraja.pushes) == 2


def test_a_token_that_expired_inside_daraja_is_replaced(settings):
    from django.core.cache import cache

    from finance.daraja.simulator import SimulatorServer

    with SimulatorServer(token_lifetime=3599) as server:
        settings.DARAJA_BASE_URL = server.url
        cache.delete(client().token_cache_key)
        push(phone="254708374141")
        server.token_lifetime = 0  # tokens issued from now on die at once
        server.expire_tokens()
        with pytest.raises(DarajaError) as refused:
            push(phone="254708374142")
        # Fetched a new token once, which was refused too: no loop.
        assert server.oauth_requests == 2
        assert refused.value.status == 401
        assert refused.value.code == "404.001.03"
        assert not isinstance(refused.value, DarajaUnavailable)


def test_wrong_credentials_are_a_daraja_error(daraja, settings):
    settings.DARAJA_CONSUMER_SECRET = "not-the-secret"
    with pytest.raises(DarajaError) as refused:
        push()
    assert refused.value.status == 400
    assert refused.value.code == "400.008.01"
    assert refused.value.description == "Invalid Authentication passed"
    assert not isinstance(refused.value, DarajaUnavailable)
    assert daraja.pushes == []


def test_a_phone_daraja_does_not_accept_is_refused(daraja):
    with pytest.raises(DarajaError) as refused:
        push(phone="0708374149")
    assert refused.value.status == 400
    assert refused.value.code == "400.002.02"
    assert refused.value.description == "Bad Request - Invalid PhoneNumber"
    assert daraja.pushes == []


def test_a_wrong_passkey_is_refused_as_an_invalid_password(daraja, settings):
    settings.DARAJA_PASSKEY = "someone-elses-passkey"
    with pytest.raises(DarajaError) as refused:
        push()
    assert refused.value.description == "Bad Request - Invalid Password"
    assert daraja.pushes == []


@pytest.mark.parametrize("amount", [0, -5, 10.5, True])
def test_amounts_that_are_not_whole_shillings_are_refused_before_calling(daraja, amount):
    with pytest.raises(DarajaError):
        push(amount=amount)
    assert daraja.pushes == []


def test_an_amount_daraja_refuses_is_a_daraja_error(daraja):
    with pytest.raises(DarajaError) as refused:
        push(amount=1_000_000)
    assert refused.value.description == "Bad Request - Invalid Amount"


def test_a_phone_that_has_no_mpesa_is_refused(daraja):
    daraja.set_scenario(PHONE, "not_registered")
    with pytest.raises(DarajaError) as refused:
        push()
    assert refused.value.code == "400.002.02"
    assert daraja.pushes == []


def test_a_second_prompt_while_one_is_waiting_is_unavailable_not_refused(daraja):
    # The first prompt waits long enough on the phone that a loaded machine cannot let it be
    # answered (0.2 s by default) before the second push arrives.
    daraja.callback_delay = 30
    push()
    with pytest.raises(DarajaUnavailable) as busy:
        push()
    assert busy.value.status == 500
    assert busy.value.code == "500.001.1001"
    assert len(daraja.pushes) == 1


def test_query_is_pending_until_the_customer_answers_then_settled(daraja):
    accepted = push()
    answer = client().stk_query(checkout_request_id=accepted.checkout_request_id)
    assert answer.pending
    assert answer.result_code is None
    assert "being processed" in answer.result_description
    time.sleep(0.3)
    answer = client().stk_query(checkout_request_id=accepted.checkout_request_id)
    assert not answer.pending
    assert answer.result_code == 0
    assert answer.result_description == "The service request is processed successfully."
    assert '"ResultCode": "0"' in answer.raw


def test_query_tells_a_cancelled_prompt(daraja):
    daraja.set_scenario(PHONE, "cancel")
    accepted = push()
    time.sleep(0.3)
    answer = client().stk_query(checkout_request_id=accepted.checkout_request_id)
    assert answer.result_code == 1032
    assert answer.result_description == "Request cancelled by user"


def test_query_tells_a_payment_whose_callback_was_lost(daraja):
    daraja.set_scenario(PHONE, "no_callback")
    accepted = push()
    time.sleep(0.3)
    assert client().stk_query(checkout_request_id=accepted.checkout_request_id).result_code == 0
    assert daraja.callbacks_sent == []


def test_query_for_an_unknown_checkout_is_refused(daraja):
    with pytest.raises(DarajaError) as refused:
        client().stk_query(checkout_request_id="ws_CO_000000000000000")
    assert refused.value.description == "Bad Request - Invalid CheckoutRequestID"


def test_register_c2b_urls(daraja):
    answer = client().register_c2b_urls(
        validation_url="https://homeroom.example/v/", confirmation_url="https://homeroom.example/c/"
    )
    assert answer["ResponseCode"] == "0"
    assert daraja.registrations["174379"]["ValidationURL"] == "https://homeroom.example/v/"
    assert daraja.registrations["174379"]["ConfirmationURL"] == "https://homeroom.example/c/"


def test_daraja_down_is_unavailable(settings):
    with socket_closed_port() as url:
        settings.DARAJA_BASE_URL = url
        with pytest.raises(DarajaUnavailable) as down:
            push()
    assert down.value.status is None
    assert down.value.code == "network"


def test_daraja_too_slow_is_unavailable(daraja, settings, callback_receiver):
    # out_of_order makes the push wait for our receiver, which we hold longer than the timeout.
    settings.DARAJA_TIMEOUT = 0.3
    daraja.set_scenario(PHONE, "out_of_order")
    callback_receiver.hold.clear()
    with pytest.raises(DarajaUnavailable) as slow:
        push(callback_url=callback_receiver.url())
    callback_receiver.hold.set()
    assert slow.value.code == "timeout"


def test_nothing_secret_is_logged(daraja, settings, caplog):
    settings.DARAJA_CONSUMER_SECRET = "homeroom-demo-secret"
    caplog.set_level(logging.DEBUG)
    daraja_client = DarajaClient()
    accepted = push(daraja_client, phone="254708374141")
    daraja.expire_tokens()
    push(daraja_client, phone="254708374142")
    daraja_client.stk_query(checkout_request_id=accepted.checkout_request_id)
    settings.DARAJA_PASSKEY = "wrong-passkey"
    with pytest.raises(DarajaError):
        push(DarajaClient(), phone="254708374143")
    settings.DARAJA_CONSUMER_SECRET = "wrong-secret"
    with pytest.raises(DarajaError) as refused:
        push(DarajaClient(), phone="254708374143")

    from django.core.cache import cache

    token = cache.get(daraja_client.token_cache_key)
    assert token
    logged = caplog.text + repr(refused.value) + str(refused.value) + repr(daraja_client)
    assert "Daraja" in caplog.text  # the client did log
    for secret in ("homeroom-demo-secret", "wrong-secret", "homeroom-demo-passkey", "wrong-passkey", token):
        assert secret not in logged
    for body in daraja.pushes:
        assert body["Password"] not in logged


class socket_closed_port:  # noqa: N801 (used as a context manager like a function)
    """A URL on which nothing listens."""

    def __enter__(self):
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc):
        return False


def test_simulator_answers_unknown_paths_like_daraja(daraja):
    response = requests.post(daraja.url + "/mpesa/nothing/v1", json={}, timeout=5)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "404.001.01"
