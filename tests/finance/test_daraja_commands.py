"""The operator's commands: the demo's Daraja, and registering our Paybill URLs with Daraja."""

import io
import socket
import threading
import time

import pytest
import requests
from django.core.management import CommandError, call_command


def test_register_urls_registers_our_validation_and_confirmation_urls(daraja, settings):
    settings.DARAJA_CALLBACK_BASE_URL = "https://school.example/"
    settings.DARAJA_C2B_TOKEN = "t0k3n"
    out = io.StringIO()
    call_command("daraja_register_urls", stdout=out)
    registration = daraja.registrations[settings.DARAJA_SHORTCODE]
    assert registration["ValidationURL"] == "https://school.example/finance/callbacks/paybill/t0k3n/validation/"
    assert registration["ConfirmationURL"] == "https://school.example/finance/callbacks/paybill/t0k3n/confirmation/"
    assert registration["ResponseType"] == "Completed"
    assert "https://school.example/finance/callbacks/paybill/t0k3n/validation/" in out.getvalue()
    assert "Registered" in out.getvalue()


def test_register_urls_refuses_http_in_production(daraja, settings):
    settings.DARAJA_ENVIRONMENT = "production"
    settings.DARAJA_CALLBACK_BASE_URL = "http://school.example"
    with pytest.raises(CommandError, match="https"):
        call_command("daraja_register_urls", stdout=io.StringIO(), stderr=io.StringIO())
    assert daraja.registrations == {}


def test_register_urls_reports_a_refusal(daraja, settings):
    settings.DARAJA_CONSUMER_SECRET = "wrong"
    with pytest.raises(CommandError, match="Invalid Authentication passed"):
        call_command("daraja_register_urls", stdout=io.StringIO())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_simulator_command_serves_daraja_with_phone_scenarios(settings):
    from django.core.cache import cache

    from finance.daraja.client import client

    port = _free_port()
    out = io.StringIO()
    runner = threading.Thread(
        target=call_command,
        args=("daraja_simulator", "--port", str(port), "--callback-delay", "0.1", "--serve-seconds", "3"),
        kwargs={"stdout": out},
        daemon=True,
    )
    runner.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            state = requests.get(url + "/simulator/state", timeout=1).json()
            break
        except requests.ConnectionError:
            time.sleep(0.02)
    assert state["scenarios_by_last_digit"] is True
    settings.DARAJA_BASE_URL = url
    cache.delete(client().token_cache_key)
    accepted = client().stk_push(
        phone_msisdn="254712345671",
        amount=10,
        account_reference="HR-1",
        description="Demo",
        callback_url="http://127.0.0.1:9/",
    )
    time.sleep(0.2)
    assert client().stk_query(checkout_request_id=accepted.checkout_request_id).result_code == 1032  # …1 cancels
    runner.join(timeout=5)
    assert not runner.is_alive()
    assert f"Daraja simulator on {url}" in out.getvalue()
    assert "stopped" in out.getvalue()
