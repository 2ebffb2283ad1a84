"""Account takeover from a borrowed session, tried from the outside.

The attacker here holds a victim's signed-in session for a moment (a phone left unlocked, a
stolen cookie) but not their password. They must not be able to point the account's email, or
its password reset, at themselves; the owner hears of every change; all of it is audited.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEntry
from tests import factories
from tests.accounts.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

EMAIL = reverse("account_email")
REAUTHENTICATE = reverse("account_reauthenticate")
RESET = reverse("account_reset_password")
ATTACKER = "attacker@evil.example"


@pytest.fixture
def victim(db):
    user = factories.UserFactory(email="victim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def reauthenticated(client, user):
    """Signed in, with the password entered again just now (as the owner would)."""
    client.force_login(user)
    response = client.post(REAUTHENTICATE, {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def reset_links_to(address: str) -> list[str]:
    return [
        match
        for message in mail.outbox
        if address in message.to
        for match in re.findall(r"/account/password/reset/key/\S+", message.body)
    ]


def test_adding_an_email_from_a_borrowed_session_asks_for_the_password(client, victim):
    client.force_login(victim)  # a session cookie, without having typed the password recently
    response = client.post(EMAIL, {"email": ATTACKER, "action_add": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Enter your password again" in page.content.decode()
    wrong = client.post(REAUTHENTICATE, {"password": "not the password"})
    assert wrong.status_code == 200
    assert "govuk-error-summary" in wrong.content.decode()
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()


def test_the_owner_adds_an_address_after_entering_the_password_again(client, victim):
    client.force_login(victim)
    response = client.post(EMAIL, {"email": "second@example.org", "action_add": ""})
    # The request waits while the password is asked for, then goes through.
    client.post(response["Location"], {"password": DEFAULT_PASSWORD})
    added = EmailAddress.objects.get(email="second@example.org")
    assert added.user == victim
    assert not added.verified


def test_changing_the_main_address_asks_for_the_password(client, victim):
    EmailAddress.objects.create(user=victim, email="other@example.org", verified=True, primary=False)
    client.force_login(victim)
    response = client.post(EMAIL, {"email": "other@example.org", "action_primary": ""})
    assert response["Location"].startswith(REAUTHENTICATE)
    assert EmailAddress.objects.get(user=victim, primary=True).email == "victim@example.org"


def test_removing_an_address_asks_for_the_password(client, victim):
    EmailAddress.objects.create(user=victim, email="other@example.org", verified=True, primary=False)
    client.force_login(victim)
    response = client.post(EMAIL, {"email": "other@example.org", "action_remove": ""})
    assert response["Location"].startswith(REAUTHENTICATE)
    assert EmailAddress.objects.filter(email="other@example.org").exists()


def test_add_an_email_then_reset_the_password_to_it_fails(client, victim):
    # Step 1 fails: a session that has just signed in still has to type the password to add one.
    sign_in(client, victim)
    response = client.post(EMAIL, {"email": ATTACKER, "action_add": ""})
    assert response["Location"].startswith(REAUTHENTICATE)
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()
    # Step 2 fails too: suppose the address got on the account anyway (the password was known for
    # a moment); it is unverified, so no reset link goes there.
    client.post(REAUTHENTICATE, {"password": DEFAULT_PASSWORD})
    client.post(EMAIL, {"email": ATTACKER, "action_add": ""})
    assert EmailAddress.objects.filter(user=victim, email=ATTACKER, verified=False).exists()
    client.post(reverse("account_logout"))
    mail.outbox.clear()

    response = client.post(RESET, {"email": ATTACKER})
    assert response.status_code == 302  # the same answer as for any address: nothing to learn here
    assert reset_links_to(ATTACKER) == []
    victim.refresh_from_db()
    assert victim.check_password(DEFAULT_PASSWORD)
    assert AuditEntry.objects.filter(action="account.password_reset_refused_unverified", target_id=str(victim.pk))


def test_reset_goes_to_the_verified_address(client, victim):
    client.post(RESET, {"email": "victim@example.org"})
    assert len(reset_links_to("victim@example.org")) == 1


def test_reset_to_an_address_nobody_verified_sends_nothing(client):
    factories.UserFactory(email="never.verified@example.org")  # no verified EmailAddress row
    client.post(RESET, {"email": "never.verified@example.org"})
    assert reset_links_to("never.verified@example.org") == []


def test_the_owner_is_told_when_an_address_is_added(client, victim):
    reauthenticated(client, victim)
    mail.outbox.clear()
    client.post(EMAIL, {"email": ATTACKER, "action_add": ""})
    to_owner = [message for message in mail.outbox if message.to == ["victim@example.org"]]
    assert len(to_owner) == 1
    assert ATTACKER in to_owner[0].body
    entry = AuditEntry.objects.get(action="account.email_added")
    assert entry.target_id == str(victim.pk)
    assert entry.details["email"] == ATTACKER


def test_the_old_address_is_told_when_the_main_address_changes(client, victim):
    EmailAddress.objects.create(user=victim, email="new@example.org", verified=True, primary=False)
    reauthenticated(client, victim)
    mail.outbox.clear()
    client.post(EMAIL, {"email": "new@example.org", "action_primary": ""})
    assert EmailAddress.objects.get(user=victim, primary=True).email == "new@example.org"
    to_old = [message for message in mail.outbox if message.to == ["victim@example.org"]]
    assert len(to_old) == 1
    assert "new@example.org" in to_old[0].body
    entry = AuditEntry.objects.get(action="account.email_changed")
    assert entry.details == {
        "from_email": "victim@example.org",
        "to_email": "new@example.org",
        "ip_address": "127.0.0.1",
    }


def test_the_owner_is_told_when_the_password_changes(client, victim):
    sign_in(client, victim)
    mail.outbox.clear()
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "a new long passphrase 77",
            "password2": "a new long passphrase 77",
        },
    )
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["victim@example.org"]]
    assert "password" in mail.outbox[0].subject.lower()
    assert AuditEntry.objects.filter(action="account.password_changed", target_id=str(victim.pk)).exists()


def test_the_owner_is_told_when_the_password_is_reset(client, victim):
    client.post(RESET, {"email": "victim@example.org"})
    (link,) = reset_links_to("victim@example.org")
    form_page = client.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    mail.outbox.clear()
    client.post(set_password_url, {"password1": "a new long passphrase 77", "password2": "a new long passphrase 77"})
    victim.refresh_from_db()
    assert victim.check_password("a new long passphrase 77")
    assert [message.to for message in mail.outbox] == [["victim@example.org"]]
    assert AuditEntry.objects.filter(action="account.password_reset", target_id=str(victim.pk)).exists()
