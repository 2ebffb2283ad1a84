"""X-Forwarded-For is believed only from the proxies the operator lists (TRUSTED_PROXY_ADDRESSES).

Sign-in history and the per-address rate limits see the client's real address; a client that
writes its own X-Forwarded-For gains nothing."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import LoginAttempt
from hub.proxy import TrustedProxyMiddleware

pytestmark = pytest.mark.django_db

OUTSIDER = "203.0.113.5"
SPOOFED = "198.51.100.7"
LOGIN = reverse("account_login")


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def failed_sign_in(client, *, email="nobody@example.org", remote_addr, forwarded_for=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    client.post(LOGIN, {"login": email, "password": "wrong"}, **extra)
    return LoginAttempt.objects.latest("pk")


def test_a_spoofed_forwarded_for_from_a_non_proxy_address_is_ignored(client):
    attempt = failed_sign_in(client, remote_addr=OUTSIDER, forwarded_for=SPOOFED)
    assert attempt.ip_address == OUTSIDER


def test_a_trusted_proxy_is_believed(client):
    attempt = failed_sign_in(client, remote_addr="127.0.0.1", forwarded_for=f"{SPOOFED}")
    assert attempt.ip_address == SPOOFED


def test_only_the_address_our_proxy_saw_counts_not_what_the_client_wrote_before_it(client, settings):
    settings.TRUSTED_PROXY_ADDRESSES = ["10.0.0.0/8"]
    # The client wrote "1.2.3.4"; our proxy (10.0.0.2) appended the address it really saw.
    attempt = failed_sign_in(client, remote_addr="10.0.0.2", forwarded_for=f"1.2.3.4, {SPOOFED}")
    assert attempt.ip_address == SPOOFED


def test_rotating_a_spoofed_header_does_not_escape_the_per_address_limit(client):
    # 10 failed sign-ins a minute per address; each try names another account and another "client".
    outcomes = [
        failed_sign_in(
            client, email=f"guess{n}@example.org", remote_addr=OUTSIDER, forwarded_for=f"198.51.100.{n}"
        ).outcome
        for n in range(12)
    ]
    assert outcomes[:10] == [LoginAttempt.Outcome.BAD_PASSWORD] * 10
    assert outcomes[10:] == [LoginAttempt.Outcome.RATE_LIMITED] * 2


def test_forwarded_headers_from_an_untrusted_peer_are_dropped(settings):
    seen = {}

    def view(request):
        seen.update(request.META)

    request = RequestFactory().get(
        "/", REMOTE_ADDR=OUTSIDER, HTTP_X_FORWARDED_FOR=SPOOFED, HTTP_X_FORWARDED_PROTO="https"
    )
    TrustedProxyMiddleware(view)(request)
    assert seen["REMOTE_ADDR"] == OUTSIDER
    assert "HTTP_X_FORWARDED_FOR" not in seen
    assert "HTTP_X_FORWARDED_PROTO" not in seen  # so SECURE_PROXY_SSL_HEADER cannot be faked either
