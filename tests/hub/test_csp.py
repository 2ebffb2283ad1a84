"""Every page carries a Content-Security-Policy whose scripts need our origin or this response's
nonce, and pages shown to a signed-in person are never stored by a browser or proxy."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.conftest import force_verified_login

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def page_nonces(html: str) -> set[str]:
    return set(re.findall(r'<script[^>]*\snonce="([^"]+)"', html))


def assert_scripts_locked_down(response) -> None:
    directives = policy(response)
    scripts = directives["script-src"]
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert set(scripts) - {"'self'"} == {f"'nonce-{nonce}'" for nonce in page_nonces(response.content.decode())}, (
        "the only extra script source is the nonce this page's own inline scripts carry"
    )
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    # Every <script> on the page is either a file from our origin or carries the nonce.
    for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
        assert "nonce=" in tag or re.search(r'src="/static/', tag), tag


def test_the_sign_in_page_carries_a_policy_with_a_nonce(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert page_nonces(response.content.decode()), "base.html's inline scripts carry the nonce"
    assert_scripts_locked_down(response)


def test_the_nonce_is_new_for_every_response(client):
    first = page_nonces(client.get(reverse("account_login")).content.decode())
    second = page_nonces(client.get(reverse("account_login")).content.decode())
    assert first
    assert second
    assert first.isdisjoint(second)


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("messaging:inbox"),
        reverse("twofactor:overview"),
        reverse("account_email"),
        reverse("preferences"),
        reverse("login_history"),
    ],
)
def test_signed_in_pages_carry_the_policy_and_are_never_stored(client, parent, url):
    force_verified_login(client, parent)
    response = client.get(url)
    assert response.status_code == 200
    assert_scripts_locked_down(response)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_error_pages_carry_the_policy_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src" in response["Content-Security-Policy"]


def test_admin_pages_carry_the_policy(client):
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    force_verified_login(client, operator)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in policy(response)["script-src"]
    assert "no-store" in response["Cache-Control"]
