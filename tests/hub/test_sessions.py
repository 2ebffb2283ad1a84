"""The session store (hub.sessions) and the check an open page's socket makes before each event
(messaging.services.sessions): what a person notices is whether they stay signed in, on pages and
on their open sockets, for exactly as long as Django would keep them."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hub.sessions import SessionStore
from messaging.services.sessions import session_expiry, session_signs_in
from tests import factories

pytestmark = pytest.mark.django_db


def signed_in(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.session.session_key


def test_a_signed_in_session_reads_as_djangos_own_store_reads_it_in_one_statement():
    parent = factories.UserFactory()
    _client, key = signed_in(parent)
    with CaptureQueriesContext(connection) as queries:
        data = SessionStore(key).load()
    assert len(queries) == 1
    assert data == DjangoSessionStore(key).load()
    assert data["_auth_user_id"] == str(parent.pk)


def test_an_expired_or_unknown_session_reads_as_empty_and_loses_its_key():
    _client, key = signed_in(factories.UserFactory())
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    for gone in (key, "n0such5ession" * 3):
        store = SessionStore(gone)
        assert store.load() == {}
        assert store.session_key is None  # as Django's: a new session, not the old key, is saved next


def test_pages_keep_a_person_signed_in_and_sign_out_ends_the_session():
    parent = factories.UserFactory()
    client, key = signed_in(parent)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("home")).wsgi_request.user == parent
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302  # to sign in


def test_the_sockets_check_follows_the_account_as_a_page_would():
    parent = factories.UserFactory()
    _client, key = signed_in(parent)
    assert session_signs_in(session_key=key, user_id=parent.pk)
    assert session_expiry(session_key=key, user_id=parent.pk) > timezone.now()
    assert not session_signs_in(session_key=key, user_id=factories.UserFactory().pk)  # someone else's socket
    assert not session_signs_in(session_key="", user_id=parent.pk)

    parent.is_active = False
    parent.save()
    assert not session_signs_in(session_key=key, user_id=parent.pk)
    parent.is_active = True
    parent.save()
    assert session_signs_in(session_key=key, user_id=parent.pk)

    parent.set_password("a-new-password-9")
    parent.save()
    assert not session_signs_in(session_key=key, user_id=parent.pk)
    assert session_expiry(session_key=key, user_id=parent.pk) is None


def test_a_session_from_before_the_secret_key_rotated_stays_signed_in_and_the_check_deletes_nothing(settings):
    """Django accepts a session signed under a fallback key and moves it to the current key at the
    next page. The socket's check used to ask `auth.get_user` of a detached session, which moved
    it there and then (a new session key the browser never received, the old row deleted): the
    person was signed out of every page by a key rotation."""
    parent = factories.UserFactory()
    client, key = signed_in(parent)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    assert session_signs_in(session_key=key, user_id=parent.pk)
    assert Session.objects.filter(session_key=key).exists()
    # The next page still knows them (and Django renews the session there, as it always has).
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.wsgi_request.user == parent


def test_a_changed_password_ends_the_socket_without_the_check_writing():
    parent = factories.UserFactory()
    _client, key = signed_in(parent)
    parent.set_password("a-new-password-9")
    parent.save()
    with CaptureQueriesContext(connection) as queries:
        assert not session_signs_in(session_key=key, user_id=parent.pk)
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)
    assert len(queries) == 2  # the session, the account
