"""Password reset and email verification through django-allauth, delivered by real SMTP."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_password_reset_email_arrives_and_its_link_sets_a_new_password(client, smtp_server):
    user = factories.UserFactory(email="forgetful@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    assert response.status_code == 302

    mail = smtp_server.wait_for(1)
    assert mail["to"] == ["forgetful@example.org"]
    link = re.search(r"https?://[^\s]+/account/password/reset/key/[^\s]+", mail["body"]).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    response = client.post(
        set_password_url, {"password1": "a brand new passphrase 42", "password2": "a brand new passphrase 42"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase 42")


def test_password_reset_for_unknown_email_reveals_nothing_and_changes_nothing(client, smtp_server):
    known = factories.UserFactory(email="known@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "stranger@example.org"})
    assert response.status_code == 302  # the same answer as for a known address
    known.refresh_from_db()
    assert known.check_password(factories.DEFAULT_PASSWORD)


def test_email_verification_link_confirms_the_address(client, smtp_server):
    user = factories.UserFactory(email="new.parent@example.org")
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client.force_login(user)
    response = client.post(reverse("account_email"), {"email": user.email, "action_send": ""})
    assert response.status_code == 302

    mail = smtp_server.wait_for(1)
    key_path = re.search(r"/account/confirm-email/[^\s/]+/", mail["body"]).group(0)
    client.post(key_path)
    address.refresh_from_db()
    assert address.verified


def test_sign_in_is_rate_limited_after_repeated_wrong_passwords(client):
    factories.UserFactory(email="target@example.org")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "target@example.org", "password": "wrong guess"})
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code != 302, "the right password must not get through while the account is locked"
    assert "Too many failed login attempts" in response.content.decode() or response.status_code == 429
