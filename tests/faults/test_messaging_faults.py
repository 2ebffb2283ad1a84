"""Messaging under faults, against real PostgreSQL, a private Redis and real Celery workers: a
Spanish-speaking parent writes to their child's teacher from the thread page; one message holds a
safeguarding phrase. Whatever fails meanwhile (Redis, a worker, the database's connections), every
message is saved (the writer gets their page, never a 500), translated (a local
LibreTranslate-compatible server), notified in-app, emailed (a local SMTP server), and the DSL is
alerted, each exactly once afterwards; a send rolled back announces nothing. Timings are printed
(run with -s to see them).
"""

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from hub import outbox
from hub.models import OutboxEntry
from messaging.models import Message, Notification, SafeguardingAlert
from messaging.services import messages as message_services
from messaging.translation.cache import stored_translations
from tests import factories
from tests.faults.processes import wait_until
from tests.messaging.conftest import http_server  # noqa: F401 (fixture: the LibreTranslate-compatible server)
from tests.messaging.smtp import free_port
from tests.messaging.world import sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PHRASE = "scared to go home"
WORDS = {("es", "en"): {"hola": "hello", "gracias": "thanks", "mañana": "tomorrow"}}


@dataclass
class Home:
    parent: object
    teacher: object
    dsl: object
    conversation: object


@pytest.fixture
def home(test_database_url, settings) -> Home:
    settings.ROOT_URLCONF = "hub.urls"
    school = factories.SchoolFactory(name="Faulty School")
    child = factories.PupilFactory(school=school)
    parent = factories.UserFactory(display_name="Paz Parent", preferred_language="es")
    factories.GuardianshipFactory(guardian=parent, pupil=child)
    teacher = factories.UserFactory(display_name="Tom Teacher", preferred_language="en")
    factories.MembershipFactory(user=teacher, school=school, role="teacher")
    group = factories.ClassGroupFactory(school=school)
    group.staff.add(teacher)
    group.pupils.add(child)
    dsl = factories.UserFactory(display_name="Dana Dsl")
    factories.MembershipFactory(user=dsl, school=school, role="dsl")
    factories.SafeguardingPhraseFactory(school=school, phrase=PHRASE)
    conversation = factories.ConversationFactory(pupil=child, created_by=teacher, subject="Mañana")
    for person in (parent, teacher):
        factories.ParticipantFactory(conversation=conversation, user=person)
    return Home(parent=parent, teacher=teacher, dsl=dsl, conversation=conversation)


@pytest.fixture
def translation_env(http_server) -> dict:  # noqa: F811 (the fixture imported above)
    """Worker settings for the local LibreTranslate-compatible server (the only engine)."""
    url, state = http_server
    state.DICTIONARY = WORDS
    return {"TRANSLATION_ENGINES": "http", "TRANSLATION_HTTP_URL": url, "TRANSLATION_HTTP_API_KEY": state.api_key}


@dataclass
class GatedSMTP:
    """A local SMTP server that can hold the first email's DATA until `release()`, then refuse it
    (451): the worker is then mid-delivery, inside the handler's transaction, for a fault to strike.
    Refused emails are not counted; accepted ones are, with their Message-ID."""

    hold_first: bool = False
    accept_held: bool = False
    received: list = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    port: int = field(default_factory=free_port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.hold_first and not self.holding.is_set():
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            if not self.accept_held:
                return "451 Try again later"
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), str(message["Message-ID"])))
        return "250 Message accepted for delivery"

    def release(self) -> None:
        self.released.set()

    def ids_to(self, address: str) -> list[str]:
        return sorted(message_id for recipients, message_id in self.received if recipients == [address])


@pytest.fixture
def gated_smtp():
    server = GatedSMTP()
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    server.release()
    controller.stop()


def post(user, conversation, body: str):
    client = Client()
    sign_in(client, user)
    url = reverse("messaging:send", args=[conversation.pk])
    return client.post(url, {"body": body, "client_key": uuid.uuid4().hex})


def settled(expected_emails: int, smtp: GatedSMTP) -> bool:
    """Every outbox entry done, and the emails in."""
    return not OutboxEntry.objects.exclude(status=OutboxEntry.Status.DONE).exists() and (
        len(smtp.received) >= expected_emails
    )


def assert_each_arrived_once(home: Home, smtp: GatedSMTP, messages: list[Message], *, alerts: int) -> None:
    for message in messages:
        # The parent's own language is Spanish; a message written in English needs no translation here.
        if message.language == "es":
            assert stored_translations(message, "body").get(language="en").body.startswith("hello")
    # Messages of one unread thread fold into one notification ("3 new messages from ..."), which
    # is emailed once.
    notifications = list(Notification.objects.filter(user=home.teacher, kind="message").order_by("pk"))
    assert len(notifications) == 1
    assert notifications[0].count == len(messages)
    assert smtp.ids_to(home.teacher.email) == sorted(
        f"<notification-{notification.pk}@127.0.0.1>" for notification in notifications
    )
    assert SafeguardingAlert.objects.count() == alerts
    told = list(Notification.objects.filter(user=home.dsl, kind="safeguarding"))
    assert len(told) == alerts
    assert smtp.ids_to(home.dsl.email) == [f"<notification-{notification.pk}@127.0.0.1>" for notification in told]
    assert not Notification.objects.filter(user=home.parent).exists()
    assert not OutboxEntry.objects.filter(status=OutboxEntry.Status.FAILED).exists()


def test_redis_down_while_a_parent_writes_loses_nothing(workers, redis_server, home, gated_smtp, translation_env):
    env = {"FAULTS_SMTP_PORT": str(gated_smtp.port), **translation_env}
    workers("w1", beat=True, env=env)
    redis_server.stop()

    began = time.monotonic()
    bodies = ["Hola gracias", "Hola mañana no puedo", f"Hola mi hija dice que is {PHRASE}"]
    responses = [post(home.parent, home.conversation, body) for body in bodies]
    per_send = (time.monotonic() - began) / len(bodies)
    assert [response.status_code for response in responses] == [302, 302, 302]
    messages = list(Message.objects.filter(conversation=home.conversation).order_by("pk"))
    assert [message.language for message in messages[:2]] == ["es", "es"]
    assert OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING).exists()  # nothing could be published

    time.sleep(2)  # Redis stays down a while: the worker and beat cannot reach it either
    redis_server.start()
    outbox.reset_broker_backoff()
    returned = time.monotonic()
    # One email to the teacher (three messages of one unread thread, folded) and one to the DSL.
    wait_until(lambda: settled(2, gated_smtp), timeout=60, what="every effect to be carried out")
    recovered = time.monotonic() - returned
    time.sleep(5)  # another sweep or two: nothing runs twice
    assert_each_arrived_once(home, gated_smtp, messages, alerts=1)
    print(f"\nRedis down: {per_send * 1000:.0f} ms per send (302); all delivered {recovered:.1f} s after it returned")


def test_a_worker_killed_mid_delivery_delivers_everything_once(workers, home, gated_smtp, translation_env):
    gated_smtp.hold_first = True  # the first email (the teacher's) is held at the SMTP server
    env = {"FAULTS_SMTP_PORT": str(gated_smtp.port), **translation_env}
    first = workers("w1", env=env)

    assert post(home.parent, home.conversation, "Hola gracias").status_code == 302
    assert gated_smtp.holding.wait(timeout=30), "the email never reached the SMTP server"
    first.kill()  # SIGKILL, the whole worker, mid-delivery: its transaction never commits
    killed_at = time.monotonic()
    gated_smtp.release()
    workers("w2", beat=True, env=env)
    wait_until(lambda: settled(1, gated_smtp), timeout=60, what="the new worker to deliver")
    elapsed = time.monotonic() - killed_at
    time.sleep(3)
    assert_each_arrived_once(home, gated_smtp, list(Message.objects.all()), alerts=0)
    print(f"\nWorker SIGKILLed mid-delivery: everything delivered {elapsed:.1f} s later")


def test_database_connections_terminated_mid_delivery_deliver_everything(workers, home, gated_smtp, translation_env):
    # The held email is accepted after the connections are gone: the worker cannot record that it
    # was sent, so it is sent again (at least once), recognisable by the same Message-ID.
    gated_smtp.hold_first = gated_smtp.accept_held = True
    env = {"FAULTS_SMTP_PORT": str(gated_smtp.port), **translation_env}
    worker = workers("w1", beat=True, env=env)

    assert post(home.parent, home.conversation, f"Hola gracias mi hija is {PHRASE}").status_code == 302
    assert gated_smtp.holding.wait(timeout=30), "the email never reached the SMTP server"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (terminated,) = cursor.fetchone()
    assert terminated >= 1
    began = time.monotonic()
    gated_smtp.release()
    wait_until(lambda: settled(2, gated_smtp), timeout=60, what="every effect to be carried out")
    elapsed = time.monotonic() - began
    time.sleep(3)

    message = Message.objects.get()
    assert stored_translations(message, "body").exists()
    assert Notification.objects.filter(user=home.teacher).count() == 1
    assert SafeguardingAlert.objects.count() == 1
    assert Notification.objects.filter(user=home.dsl).count() == 1
    expected = sorted(f"<notification-{pk}@127.0.0.1>" for pk in Notification.objects.values_list("pk", flat=True))
    received = [message_id for _recipients, message_id in gated_smtp.received]
    assert sorted(set(received)) == expected  # every email arrived...
    assert len(received) <= len(expected) + 1  # ...the interrupted one perhaps twice, with the same Message-ID
    assert "OperationalError" in worker.output()
    assert not OutboxEntry.objects.exclude(status=OutboxEntry.Status.DONE).exists()
    print(
        f"\nPostgreSQL connections terminated: everything delivered {elapsed:.1f} s later; "
        f"{len(received)} emails for {len(expected)} notifications"
    )


def test_a_rolled_back_send_announces_nothing(workers, home, gated_smtp, translation_env):
    workers("w1", beat=True, env={"FAULTS_SMTP_PORT": str(gated_smtp.port), **translation_env})

    class Abandoned(Exception):
        pass

    @transaction.atomic
    def send_then_fail():
        message_services.message_send(
            sender=home.parent, conversation=home.conversation, body=f"Hola mi hija is {PHRASE}"
        )
        raise Abandoned

    with pytest.raises(Abandoned):
        send_then_fail()
    # A later send is carried out; by then the first would have been too (the sweeper runs every 2 s).
    assert post(home.parent, home.conversation, "Hola gracias").status_code == 302
    wait_until(lambda: settled(1, gated_smtp), timeout=30, what="the later send to be delivered")
    time.sleep(3)

    message = Message.objects.get()
    assert message.body == "Hola gracias"
    assert {entry.object_id for entry in OutboxEntry.objects.filter(effect__startswith="messaging.message")} == {
        message.pk
    }
    assert not SafeguardingAlert.objects.exists()
    assert Notification.objects.filter(user=home.teacher).count() == 1
    assert not Notification.objects.filter(user=home.dsl).exists()
    assert len(gated_smtp.received) == 1
