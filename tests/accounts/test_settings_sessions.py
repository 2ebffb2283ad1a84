"""The devices signed in to an account: each listed in words (device, where, last used), each other
one can be signed out (its next request is anonymous, its live pages' sockets close), and all
others at once. Only one's own: another person's session id answers 404 and ends nothing."""

import uuid

import pytest
from allauth.usersessions.models import UserSession
from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry
from accounts.settings import middleware
from messaging import realtime
from tests import factories
from tests.accounts.conftest import sign_in
from tests.conftest import require
from tests.messaging.test_consumers import APP, REDIS_URL, redis_reachable, run

pytestmark = pytest.mark.django_db

URL = reverse("settings_sessions")
HOME = reverse("home")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)


def browser(user, user_agent=FIREFOX, **meta) -> Client:
    """A browser in which `user` signed in through the sign-in form."""
    client = Client(HTTP_USER_AGENT=user_agent, **meta)
    response = sign_in(client, user, HTTP_USER_AGENT=user_agent, **meta)
    assert response.status_code == 302
    return client


def signed_in(client) -> bool:
    response = client.get(HOME)
    return response.status_code == 200


def session_of(client) -> UserSession:
    return UserSession.objects.get(session_key=client.session.session_key)


def test_each_device_is_listed_in_words_with_this_one_marked(parent):
    here = browser(parent, CHROME_ANDROID)
    browser(parent, FIREFOX)
    page = here.get(URL).content.decode()
    assert "Chrome on Android" in page
    assert "Firefox on Windows" in page
    assert page.count("This device") == 1
    assert "network 127.0.0.0/24" in page
    assert "Sign out everywhere else" in page


def test_signing_out_another_device_makes_its_next_request_anonymous(parent):
    here, there = browser(parent, CHROME_ANDROID), browser(parent, FIREFOX)
    response = here.post(reverse("settings_session_end", args=[session_of(there).pk]), follow=True)
    assert "That device is signed out" in response.content.decode()
    assert not signed_in(there)
    assert signed_in(here)
    assert "Firefox" not in here.get(URL).content.decode()
    assert AuditEntry.objects.filter(action="account.session_ended", target_id=str(parent.pk)).exists()


def test_another_persons_session_answers_404_and_stays_signed_in(parent):
    stranger_browser = browser(factories.UserFactory(), FIREFOX)
    here = browser(parent, CHROME_ANDROID)
    response = here.post(reverse("settings_session_end", args=[session_of(stranger_browser).pk]))
    assert response.status_code == 404
    assert signed_in(stranger_browser)
    assert "Firefox" not in here.get(URL).content.decode()


def test_the_device_in_use_is_not_signed_out_from_the_list(parent):
    here = browser(parent)
    response = here.post(reverse("settings_session_end", args=[session_of(here).pk]), follow=True)
    assert "This is the device you are using now" in response.content.decode()
    assert signed_in(here)


def test_sign_out_everywhere_else_keeps_only_this_device(parent):
    here = browser(parent, CHROME_ANDROID)
    others = [browser(parent, FIREFOX) for _n in range(2)]
    stranger = browser(factories.UserFactory())
    response = here.post(reverse("settings_sessions_end_others"), follow=True)
    assert "You are signed out everywhere else" in response.content.decode()
    assert not any(signed_in(other) for other in others)
    assert signed_in(here)
    assert signed_in(stranger)
    entry = AuditEntry.objects.get(action="account.sessions_ended")
    assert entry.details["count"] == 2
    assert "You are not signed in anywhere else." in here.get(URL).content.decode()


def test_devices_signed_out_or_left_behind_by_a_password_change_are_not_listed(parent):
    here, there, third = browser(parent, CHROME_ANDROID), browser(parent, FIREFOX), browser(parent, FIREFOX)
    there.post(reverse("account_logout"))
    assert here.get(URL).content.decode().count("Sign out Firefox on Windows") == 1
    new_password = "An0ther-long-passphrase!"
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": factories.DEFAULT_PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert not signed_in(third)
    page = here.get(URL).content.decode()
    assert "Firefox" not in page
    assert "This device" in page


def test_a_town_is_shown_only_when_a_trusted_proxy_gave_it(parent, settings):
    settings.TRUSTED_PROXY_ADDRESSES = ["10.0.0.1"]
    here = browser(
        parent,
        CHROME_ANDROID,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_X_CLIENT_TOWN="Leeds",
    )
    browser(parent, FIREFOX, REMOTE_ADDR="198.51.100.7", HTTP_X_CLIENT_TOWN="Fakeville")
    page = here.get(URL).content.decode()
    assert "near Leeds" in page
    assert "Fakeville" not in page
    assert "network 198.51.100.0/24" in page


def test_a_session_from_before_the_list_existed_appears_at_its_next_request(parent):
    client = Client(HTTP_USER_AGENT=FIREFOX)
    client.force_login(parent)
    UserSession.objects.all().delete()
    session = client.session
    session.pop(middleware.SEEN_SESSION_KEY)
    session.save()
    assert signed_in(client)
    assert "Firefox on Windows" in client.get(URL).content.decode()


def test_most_requests_note_nothing(parent, django_assert_num_queries):
    client = browser(parent)
    client.get(HOME)
    seen = session_of(client).last_seen_at
    client.get(HOME)
    assert session_of(client).last_seen_at == seen


def test_the_devices_page_costs_the_same_for_2_or_8_devices(parent, django_assert_max_num_queries):
    here = browser(parent)
    counts = []
    for size in (2, 8):
        while UserSession.objects.filter(user=parent).count() < size:
            browser(parent, CHROME_ANDROID)
        here.get(URL)
        with django_assert_max_num_queries(10) as captured:
            page = here.get(URL).content.decode()
        assert page.count("Last used") == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("layer", ["memory", "redis"])
def test_signing_a_device_out_closes_its_live_pages_and_no_others(settings, layer):
    if layer == "redis":
        require(redis_reachable(), f"Redis is not reachable at {REDIS_URL}")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": f"test-{uuid.uuid4().hex[:8]}"},
            }
        }
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    school = factories.SchoolFactory()
    parent = factories.UserFactory()
    factories.GuardianshipFactory(guardian=parent, pupil=factories.PupilFactory(school=school))

    def two_browsers():
        return browser(parent, CHROME_ANDROID), browser(parent, FIREFOX)

    def store_of(client):
        from importlib import import_module

        return import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)

    async def open_socket(session):
        communicator = WebsocketCommunicator(APP, "/ws/")
        communicator.scope["user"] = parent
        communicator.scope["session"] = session
        connected, code = await communicator.connect(timeout=3)
        assert connected, code
        return communicator

    async def scenario():
        here, there = await database_sync_to_async(two_browsers)()
        there_socket = await open_socket(await database_sync_to_async(store_of)(there))
        here_socket = await open_socket(await database_sync_to_async(store_of)(here))
        there_id = await database_sync_to_async(lambda: session_of(there).pk)()

        await database_sync_to_async(here.post)(reverse("settings_session_end", args=[there_id]))
        output = await there_socket.receive_output(timeout=3)
        assert output == {"type": "websocket.close", "code": realtime.SESSION_ENDED}
        assert await here_socket.receive_nothing(timeout=0.3)
        assert not await database_sync_to_async(signed_in)(there)
        await here_socket.disconnect()

    run(scenario)
