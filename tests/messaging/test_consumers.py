"""The WebSocket consumer against both channel layers: delivery to participants only, typing,
read receipts, and catch-up after a reconnect.

The Redis layer uses REDIS_URL, or redis://127.0.0.1:6379/15; without Redis those cases are
skipped locally and fail under CI (tests.conftest.require).
"""

import os
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator
from django.utils import translation
from django.utils.translation import gettext

from messaging.models import Message, MessageRead
from messaging.routing import websocket_urlpatterns
from messaging.services import messages as services
from tests.conftest import require
from tests.messaging import world as messaging_world
from tests.messaging.world import URLCONF, World

outside = messaging_world.outside
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
WITHIN = 1  # second: "a new message appears for every participant within a second"
APP = URLRouter(websocket_urlpatterns)


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings):
    if request.param == "redis":
        require(redis_reachable(), f"Redis is not reachable at {REDIS_URL}")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": f"test-{uuid.uuid4().hex[:8]}"},
            }
        }
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.ROOT_URLCONF = URLCONF
    return request.param


@pytest.fixture
def world(transactional_db, outside, layer):
    return World()


def verified_session(user) -> dict:
    """A session in which `user` passed their second factor (sensitive roles must have one)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="phone", secret="JBSWY3DPEHPK3PXP", confirmed=True)
    return {DEVICE_ID_SESSION_KEY: device.persistent_id}


def run(scenario):
    """Run an async scenario; database work inside it happens on this (the test's) thread."""
    return async_to_sync(scenario)()


def signed_in_session(user, values: dict | None = None):
    """A real session in the project's store in which `user` signed in (plus `values`), as the
    browser's cookie would bring it to the socket."""
    from importlib import import_module

    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    session.update(values or {})
    session.save()
    return import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)


async def connect(user, session=None):
    """A socket of `user` opened under a new signed-in session (with `session`'s values added)."""
    communicator = WebsocketCommunicator(APP, "/ws/")
    communicator.scope["user"] = user
    communicator.scope["session"] = await database_sync_to_async(signed_in_session)(user, session)
    connected, _code = await communicator.connect(timeout=3)
    assert connected, f"{user} could not connect"
    return communicator


async def receive_html(communicator) -> str:
    return await communicator.receive_from(timeout=WITHIN)


def test_anonymous_is_refused(world):
    from django.contrib.auth.models import AnonymousUser

    async def scenario():
        communicator = WebsocketCommunicator(APP, "/ws/")
        communicator.scope["user"] = AnonymousUser()
        connected, code = await communicator.connect(timeout=3)
        assert not connected
        assert code == 4401

    run(scenario)


def test_staff_with_a_second_factor_must_have_passed_it(world):
    from accounts.models import TOTPDevice

    TOTPDevice.objects.create(user=world.teacher, name="phone", secret="JBSWY3DPEHPK3PXP", confirmed=True)

    async def scenario():
        communicator = WebsocketCommunicator(APP, "/ws/")
        communicator.scope["user"] = world.teacher
        communicator.scope["session"] = await database_sync_to_async(signed_in_session)(world.teacher)
        connected, code = await communicator.connect(timeout=3)
        assert not connected
        assert code == 4401

    run(scenario)


def test_new_message_reaches_every_participant_and_nobody_else(world):
    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    sendco_session = verified_session(world.sendco)

    async def scenario():
        parent, teacher = [await connect(u) for u in (world.parent, world.teacher)]
        sendco = await connect(world.sendco, sendco_session)
        outsiders = [await connect(u) for u in (world.co_parent, world.other_parent, world.other_teacher)]
        message = await database_sync_to_async(services.message_send)(
            sender=world.teacher, conversation=thread, body="See you at pick-up"
        )
        for communicator in (parent, teacher, sendco):
            html = await receive_html(communicator)
            assert f'id="message-{message.pk}"' in html
            assert "See you at pick-up" in html
            assert f'hx-swap-oob="beforeend:#messages-{thread.pk}"' in html
        for communicator in outsiders:
            assert await communicator.receive_nothing(timeout=0.3)
        for communicator in (parent, teacher, sendco, *outsiders):
            await communicator.disconnect()

    run(scenario)


def test_each_reader_gets_the_message_in_their_own_language(world, monkeypatch):
    from messaging import effects
    from messaging.models import Message, StoredTranslation

    def translate_now(message_id, target):
        # What the translation worker does; with in-process jobs it is done before the push.
        StoredTranslation.objects.create(
            content_object=Message.objects.get(pk=message_id),
            field="body",
            language=target,
            body="Hola, gracias",
            engine="test",
            source_language="en",
        )

    monkeypatch.setattr(effects, "translate", translate_now)
    thread = world.guardian_thread()

    async def scenario():
        parent, teacher = await connect(world.parent), await connect(world.teacher)
        await database_sync_to_async(services.message_send)(
            sender=world.teacher, conversation=thread, body="Hello, thanks", language="en"
        )
        spanish, english = await receive_html(parent), await receive_html(teacher)
        assert "Hola, gracias" in spanish
        assert "<details" in spanish
        assert "Hello, thanks" in spanish
        assert "Hello, thanks" in english
        assert "Hola, gracias" not in english
        await parent.disconnect()
        await teacher.disconnect()

    run(scenario)


def test_typing_indicator_goes_to_the_other_participants_only(world):
    thread = world.guardian_thread()

    async def scenario():
        parent, teacher, outsider = [await connect(u) for u in (world.parent, world.teacher, world.other_parent)]
        await teacher.send_json_to({"type": "typing", "conversation": thread.pk})
        html = await receive_html(parent)
        assert f'id="typing-{thread.pk}"' in html
        # The parent reads Spanish: the indicator is in their language.
        with translation.override(world.parent.preferred_language):
            assert gettext("%(name)s is writing…") % {"name": "Tess Teacher"} in html
        assert await teacher.receive_nothing(timeout=0.3)
        # Someone outside the conversation cannot announce typing in it, or learn it exists.
        await outsider.send_json_to({"type": "typing", "conversation": thread.pk})
        await outsider.send_to(text_data="not json")
        assert await parent.receive_nothing(timeout=0.3)
        assert await outsider.receive_nothing(timeout=0.3)
        for communicator in (parent, teacher, outsider):
            await communicator.disconnect()

    run(scenario)


def test_read_receipt_tells_the_sender_who_read_it_and_when(world):
    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    message = thread.messages.get()

    async def scenario():
        parent, teacher = await connect(world.parent), await connect(world.teacher)
        await teacher.send_json_to({"type": "read", "message": message.pk})
        html = await receive_html(parent)
        assert f'id="receipt-{message.pk}"' in html
        with translation.override(world.parent.preferred_language):
            assert gettext("Read by") in html
        assert "Tess Teacher" in html
        assert await teacher.receive_nothing(timeout=0.3)
        # An outsider's "read" of someone else's message is ignored.
        outsider = await connect(world.other_parent)
        await outsider.send_json_to({"type": "read", "message": message.pk})
        assert await outsider.receive_nothing(timeout=0.3)
        for communicator in (parent, teacher, outsider):
            await communicator.disconnect()

    run(scenario)
    read = MessageRead.objects.get(message=message)
    assert read.user == world.teacher
    assert read.read_at is not None
    assert not MessageRead.objects.filter(user=world.other_parent).exists()


def test_reconnecting_client_catches_up_from_the_database(world):
    thread = world.guardian_thread()
    first = thread.messages.get()

    async def scenario():
        teacher = await connect(world.teacher)
        await teacher.disconnect()
        for text in ("Missed one", "Missed two"):
            await database_sync_to_async(services.message_send)(sender=world.parent, conversation=thread, body=text)
        teacher = await connect(world.teacher)
        await teacher.send_json_to({"type": "catch_up", "conversation": thread.pk, "after": first.pk})
        html = await receive_html(teacher)
        assert "Missed one" in html
        assert "Missed two" in html
        assert "Hello from home" not in html
        assert html.index("Missed one") < html.index("Missed two")
        # Nothing new: no reply at all.
        last = await database_sync_to_async(lambda: Message.objects.order_by("-pk").first().pk)()
        await teacher.send_json_to({"type": "catch_up", "conversation": thread.pk, "after": last})
        assert await teacher.receive_nothing(timeout=0.3)
        # Someone else's conversation: silence, as for a wrong id.
        outsider = await connect(world.other_parent)
        await outsider.send_json_to({"type": "catch_up", "conversation": thread.pk, "after": 0})
        assert await outsider.receive_nothing(timeout=0.3)
        await teacher.disconnect()
        await outsider.disconnect()

    run(scenario)


def test_retraction_is_pushed_in_place(world):
    thread = world.guardian_thread()
    message = thread.messages.get()

    async def scenario():
        teacher = await connect(world.teacher)
        await database_sync_to_async(services.message_retract)(user=world.parent, message=message)
        html = await receive_html(teacher)
        assert f'id="message-{message.pk}"' in html
        assert 'hx-swap-oob="true"' in html
        assert "Message retracted" in html
        assert "Hello from home" not in html
        await teacher.disconnect()

    run(scenario)


def test_a_message_sent_over_the_socket_is_saved_once_and_reaches_the_others(world):
    thread = world.guardian_thread()
    key = "socket-key-0001"

    async def scenario():
        parent, teacher, outsider = [await connect(u) for u in (world.parent, world.teacher, world.other_parent)]
        event = {"type": "send", "conversation": thread.pk, "body": "Sent from the open page", "client_key": key}
        await teacher.send_json_to(event)
        # Every reader's page gets the message, the writer's own tab included; that tab alone hears
        # it was saved (so its composer can clear).
        html = await receive_html(parent)
        assert "Sent from the open page" in html
        assert f'hx-swap-oob="beforeend:#messages-{thread.pk}"' in html
        answers = [await receive_html(teacher), await receive_html(teacher)]
        assert any("Sent from the open page" in answer for answer in answers)
        sent = next(answer for answer in answers if answer.startswith("{"))
        assert '"message_sent"' in sent
        assert key in sent
        # The same key again (a retry after a lost answer) saves nothing new and pushes nothing.
        await teacher.send_json_to(event)
        assert '"message_sent"' in await receive_html(teacher)
        assert await parent.receive_nothing(timeout=0.3)
        assert await outsider.receive_nothing(timeout=0.3)
        for communicator in (parent, teacher, outsider):
            await communicator.disconnect()

    run(scenario)
    saved = Message.objects.filter(conversation=thread, client_key=key)
    assert saved.count() == 1
    assert saved.get().sender == world.teacher
    assert saved.get().body == "Sent from the open page"


def test_a_refused_socket_send_tells_only_the_writer_and_a_guessed_conversation_learns_nothing(world):
    from messaging.services import conversations

    thread = world.guardian_thread()
    conversations.conversation_close(user=world.teacher, conversation=thread)
    hidden = world.far_thread()
    before = Message.objects.count()

    async def scenario():
        parent, teacher, outsider = [await connect(u) for u in (world.parent, world.teacher, world.other_parent)]
        await parent.send_json_to(
            {"type": "send", "conversation": thread.pk, "body": "Still there?", "client_key": "closed-key-01"}
        )
        html = await receive_html(parent)
        assert f'hx-swap-oob="afterbegin:#composer-{thread.pk}"' in html
        assert "govuk-error-summary" in html
        # The parent reads Spanish: the refusal is in their language.
        with translation.override(world.parent.preferred_language):
            assert gettext("This conversation is closed.") in html
        assert await teacher.receive_nothing(timeout=0.3)
        # An empty message is refused the way the form refuses it.
        await teacher.send_json_to({"type": "send", "conversation": thread.pk, "body": "  "})
        assert "govuk-error-summary" in await receive_html(teacher)
        # Someone else's conversation, or one that does not exist: the same silence.
        for conversation_id in (thread.pk, hidden.pk, hidden.pk + 1000):
            await outsider.send_json_to(
                {"type": "send", "conversation": conversation_id, "body": "Guessing", "client_key": "guess-key-01"}
            )
            assert await outsider.receive_nothing(timeout=0.3)
        assert await parent.receive_nothing(timeout=0.3)
        for communicator in (parent, teacher, outsider):
            await communicator.disconnect()

    run(scenario)
    assert Message.objects.count() == before
