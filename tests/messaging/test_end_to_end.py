"""A send, end to end, through the real notification path (no recorders): a guardian writes from
the thread page; the teacher's open page shows it (WebSocket), the teacher gets one in-app
notification, one email (a local SMTP server) and one text (the console SMS outbox), and the
message is translated (a local LibreTranslate-compatible server). Every side effect goes through
the outbox, run in-process after the commit as the demo does; tests/faults runs it with workers.
"""

import datetime
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.urls import reverse

from hub import sms
from hub.models import OutboxEntry
from messaging.models import Message, Notification, NotificationPreference, SafeguardingAlert
from messaging.routing import websocket_urlpatterns
from messaging.services import messages as message_services
from messaging.translation.cache import stored_translations
from tests import factories
from tests.messaging.smtp import running_smtp_server, use_smtp_server
from tests.messaging.world import URLCONF, sign_in

pytestmark = pytest.mark.usefixtures("isolated_translation")

APP = URLRouter(websocket_urlpatterns)
KENYAN_MOBILE = "+254712345678"
QUIET = 0.5  # seconds without a frame after which a socket has received everything


class School:
    """A guardian (reads Spanish) and their child's class teacher (English, wants texts too),
    the school's DSL, and a conversation between guardian and teacher, built with factories."""

    def __init__(self):
        self.school = factories.SchoolFactory(name="Factory School")
        self.child = factories.PupilFactory(school=self.school, first_name="Ana")
        self.parent = factories.UserFactory(display_name="Paz Parent", preferred_language="es")
        factories.GuardianshipFactory(guardian=self.parent, pupil=self.child)
        self.teacher = factories.UserFactory(display_name="Tom Teacher", preferred_language="en", phone=KENYAN_MOBILE)
        factories.MembershipFactory(user=self.teacher, school=self.school, role="teacher")
        group = factories.ClassGroupFactory(school=self.school)
        group.staff.add(self.teacher)
        group.pupils.add(self.child)
        NotificationPreference.objects.create(user=self.teacher, kind="message", channel="sms", frequency="instant")
        self.dsl = factories.UserFactory(display_name="Dana Dsl")
        factories.MembershipFactory(user=self.dsl, school=self.school, role="dsl")
        factories.SafeguardingPhraseFactory(school=self.school, phrase="scared to go home")
        self.conversation = factories.ConversationFactory(pupil=self.child, created_by=self.teacher)
        for person in (self.parent, self.teacher):
            factories.ParticipantFactory(conversation=self.conversation, user=person)


@pytest.fixture
def home(transactional_db, settings):
    settings.ROOT_URLCONF = URLCONF
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    sms.outbox.clear()
    yield School()
    sms.outbox.clear()


@pytest.fixture
def smtp(settings):
    with running_smtp_server() as server:
        use_smtp_server(settings, server)
        yield server


def _session(user):
    from importlib import import_module

    from django.conf import settings

    client = Client()
    client.force_login(user)
    return import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)


async def _connect(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(APP, "/ws/")
    communicator.scope["user"] = user
    communicator.scope["session"] = await database_sync_to_async(_session)(user)
    connected, _code = await communicator.connect(timeout=3)
    assert connected
    return communicator


async def _frames(communicator) -> list[str]:
    """Everything pushed to the socket until it has been quiet a moment."""
    frames = []
    while not await communicator.receive_nothing(timeout=QUIET):
        frames.append(await communicator.receive_from(timeout=1))
    return frames


def _post(user, conversation, body: str):
    client = Client()
    sign_in(client, user)
    return client.post(
        reverse("messaging:send", args=[conversation.pk]), {"body": body, "client_key": uuid.uuid4().hex}
    )


def test_a_guardians_message_reaches_the_teacher_live_in_app_by_email_and_by_text(home, smtp, libretranslate):
    libretranslate.DICTIONARY = {("es", "en"): {"hola": "hello", "gracias": "thanks"}}

    async def scenario():
        socket = await _connect(home.teacher)
        response = await database_sync_to_async(_post)(home.parent, home.conversation, "Hola gracias")
        frames = await _frames(socket)
        await socket.disconnect()
        return response, frames

    response, frames = async_to_sync(scenario)()

    assert response.status_code == 302
    message = Message.objects.get(conversation=home.conversation)
    appended = [frame for frame in frames if f'id="message-{message.pk}"' in frame and "beforeend" in frame]
    assert len(appended) == 1
    # Stored before the push went: the teacher reads it in English on the page.
    assert "hello thanks" in appended[0]
    assert stored_translations(message, "body").get(language="en").body == "hello thanks"

    notification = Notification.objects.get(user=home.teacher)
    assert notification.kind == "message"
    assert notification.url == reverse("messaging:thread", args=[home.conversation.pk])
    assert "Paz Parent" in notification.title
    assert not Notification.objects.filter(user=home.parent).exists()

    assert [mail.recipients for mail in smtp.received] == [[home.teacher.email]]
    email = smtp.received[0].message
    assert email["Message-ID"].startswith(f"<notification-{notification.pk}@")
    assert [text.to for text in sms.outbox] == [KENYAN_MOBILE]
    assert notification.url in sms.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.texted_at is not None
    assert not OutboxEntry.objects.exclude(status=OutboxEntry.Status.DONE).exists()


def test_a_safeguarding_phrase_alerts_the_dsl_once_in_app_and_by_email(home, smtp):
    response = _post(home.parent, home.conversation, "She is scared to go home")

    assert response.status_code == 302
    alert = SafeguardingAlert.objects.get()
    told = Notification.objects.get(user=home.dsl)
    assert told.kind == "safeguarding"
    assert told.urgent
    assert told.url == reverse("messaging:safeguarding_alert", args=[alert.pk])
    dsl_emails = [mail for mail in smtp.received if mail.recipients == [home.dsl.email]]
    assert len(dsl_emails) == 1
    # What was written stays inside Homeroom: the email only says there is something to read.
    assert "scared to go home" not in dsl_emails[0].text
    # The alert went by the safeguarding queue's effects, each run once.
    alert_entries = OutboxEntry.objects.filter(effect__in=["messaging.safeguarding.alert", "notifications.send_urgent"])
    assert [entry.status for entry in alert_entries] == [OutboxEntry.Status.DONE] * 2
    assert {entry.queue for entry in alert_entries} == {"safeguarding"}


def test_a_rolled_back_send_announces_nothing(home, smtp):
    class Abandoned(Exception):
        pass

    async def scenario():
        socket = await _connect(home.teacher)

        def send_then_fail():
            with transaction.atomic():
                message_services.message_send(
                    sender=home.parent, conversation=home.conversation, body="She is scared to go home"
                )
                raise Abandoned

        with pytest.raises(Abandoned):
            await database_sync_to_async(send_then_fail)()
        frames = await _frames(socket)
        await socket.disconnect()
        return frames

    assert async_to_sync(scenario)() == []
    assert not Message.objects.exists()
    assert not OutboxEntry.objects.exists()
    assert not Notification.objects.exists()
    assert not SafeguardingAlert.objects.exists()
    assert smtp.received == []
    assert sms.outbox == []


def test_a_retraction_and_a_closed_conversation_reach_open_pages(home):
    message = factories.MessageFactory(
        conversation=home.conversation, sender=home.teacher, sent_at=datetime.datetime.now(datetime.UTC)
    )

    async def scenario():
        socket = await _connect(home.parent)
        await database_sync_to_async(message_services.message_retract)(user=home.teacher, message=message)
        retracted = await _frames(socket)
        from messaging.services import conversations

        await database_sync_to_async(conversations.conversation_close)(
            user=home.teacher, conversation=home.conversation
        )
        closed = await _frames(socket)
        await socket.disconnect()
        return retracted, closed

    retracted, closed = async_to_sync(scenario)()
    assert len(retracted) == 1
    assert f'id="message-{message.pk}"' in retracted[0]
    assert len(closed) == 1
