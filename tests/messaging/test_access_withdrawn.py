"""Access is decided at every delivery, and a socket lives no longer than its session or its rights.

From the outside, against PostgreSQL and Redis (the channel layer): HTTP posts, real sessions,
WebSocket communicators, the locmem email outbox and the console SMS outbox. A guardian whose
viewing rights are withdrawn and a member of staff whose membership is switched off get nothing
new on any channel from the moment of the change, their sockets close at the change, the sender
sees success, and everybody else still gets everything. A socket ends at sign-out, password
change and session expiry.
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, Guardianship, Membership
from hub import sms
from messaging import policies, realtime
from messaging.models import Conversation, Notification, NotificationPreference, Participant
from messaging.notifications import selectors as notification_selectors
from messaging.notifications import services as notification_services
from messaging.services import conversations as conversation_services
from tests import factories
from tests.messaging.notification_helpers import (
    KENYAN_MOBILE,
    MONDAY_NIGHT,
    TUESDAY_MORNING,
    Kind,
    clean_sms_outbox,  # noqa: F401 - autouse
)
from tests.messaging.test_consumers import APP, run, signed_in_session, verified_session
from tests.messaging.world import URLCONF, World

Channel = NotificationPreference.Channel
Frequency = NotificationPreference.Frequency
QUIET = 0.4  # seconds a socket must stay silent
NEW_PASSWORD = "N3w-long-passphrase!"


@pytest.fixture
def redis_layer(redis_layer, settings):
    """The Redis channel layer (tests/messaging/conftest.py) with the project's URLs."""
    settings.ROOT_URLCONF = URLCONF


@pytest.fixture
def quiet_translation(monkeypatch):
    """No translation jobs (they have their own tests); the real notifications engine stays."""
    from messaging.services import language

    monkeypatch.setattr(language, "queue_translation", lambda pk, lang: None)


@pytest.fixture
def world(transactional_db, redis_layer, quiet_translation):
    world = World()
    for person, phone in ((world.parent, KENYAN_MOBILE), (world.co_parent, "+254712345679")):
        person.phone = phone
        person.save(update_fields=["phone"])
        NotificationPreference.objects.create(
            user=person, kind=Kind.MESSAGE, channel=Channel.SMS, frequency=Frequency.INSTANT
        )
    return world


def family_thread(world) -> Conversation:
    """The teacher writes to both parents about their child, with the SENDCO."""
    return conversation_services.conversation_start(
        starter=world.teacher,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=world.child,
        subject="Trip",
        body="First word",
        recipient_ids=[world.parent.pk, world.co_parent.pk, world.sendco.pk],
    )


def browser(user, values=None) -> tuple[Client, object]:
    """A signed-in browser (test client) and the session its cookie carries."""
    client = Client()
    client.force_login(user)
    if values:
        session = client.session
        session.update(values)
        session.save()
    return client, signed_in_session_from(client)


def signed_in_session_from(client):
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)


async def open_socket(user, session) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(APP, "/ws/")
    communicator.scope["user"] = user
    communicator.scope["session"] = session
    connected, code = await communicator.connect(timeout=3)
    assert connected, f"{user} could not connect ({code})"
    return communicator


async def socket_for(user, values=None) -> WebsocketCommunicator:
    session = await database_sync_to_async(signed_in_session)(user, values)
    return await open_socket(user, session)


async def closed_with(communicator, code: int) -> None:
    output = await communicator.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": code}


def post_message(user, conversation, body, values=None):
    client, _session = browser(user, values)
    return client.post(reverse("messaging:send", args=[conversation.pk]), {"body": body})


def emailed(person) -> list:
    return [email for email in mail.outbox if person.email in email.to]


def texted(person) -> list:
    return [text for text in sms.outbox if text.to == person.phone]


def withdraw(world) -> None:
    guardianship = Guardianship.objects.get(guardian=world.parent, pupil=world.child)
    guardianship.can_view = False
    guardianship.save()


def test_a_withdrawn_guardian_gets_nothing_new_on_any_channel_and_the_teacher_sees_success(world):
    thread = family_thread(world)
    notification_services.notifications_mark_read_about(
        user=world.co_parent, target=thread
    )  # read: a new message is news again (unread ones fold)
    mail.outbox.clear()
    sms.outbox.clear()
    before = Notification.objects.filter(user=world.parent).count()

    async def scenario():
        parent = await socket_for(world.parent)
        co_parent = await socket_for(world.co_parent)
        await database_sync_to_async(withdraw)(world)
        # Their open page is told at once: the socket closes, the page reconnects with what is left.
        await closed_with(parent, realtime.ACCESS_LOST)
        again = await socket_for(world.parent)  # still signed in: other children, other threads

        response = await database_sync_to_async(post_message)(world.teacher, thread, "After the court order")
        assert response.status_code == 302
        html = await co_parent.receive_from(timeout=2)
        assert "After the court order" in html
        assert await again.receive_nothing(timeout=QUIET)
        for communicator in (co_parent, again):
            await communicator.disconnect()

    run(scenario)
    assert thread.messages.count() == 2  # saved (bodies are encrypted, so counted, not searched)
    assert Notification.objects.filter(user=world.parent).count() == before
    assert not emailed(world.parent)
    assert not texted(world.parent)
    assert len(emailed(world.co_parent)) == 1
    assert len(texted(world.co_parent)) == 1
    assert Notification.objects.filter(user=world.co_parent, target_id=thread.pk).count() == 2
    # The participant has left, with an audit entry; the thread answers 404 to them.
    participant = Participant.objects.get(conversation=thread, user=world.parent)
    assert participant.left_at is not None
    assert AuditEntry.objects.filter(action="conversation.access_lost", target_id=str(thread.pk)).count() == 1
    client, _session = browser(world.parent)
    assert client.get(reverse("messaging:thread", args=[thread.pk])).status_code == 404


def test_a_switched_off_member_of_staff_gets_nothing_new_and_the_family_sees_success(world):
    thread = world.guardian_thread(recipients=[world.teacher, world.leader])
    notification_services.notifications_mark_read_about(
        user=world.leader, target=thread
    )  # read: a new message is news again (unread ones fold)
    mail.outbox.clear()
    teacher_had = Notification.objects.filter(user=world.teacher).count()
    leader_rights = verified_session(world.leader)

    async def scenario():
        teacher = await socket_for(world.teacher)
        leader = await socket_for(world.leader, leader_rights)

        def switch_off():
            membership = Membership.objects.get(user=world.teacher, school=world.school)
            membership.is_active = False
            membership.save()

        await database_sync_to_async(switch_off)()
        await closed_with(teacher, realtime.ACCESS_LOST)
        again = await socket_for(world.teacher)

        response = await database_sync_to_async(post_message)(world.parent, thread, "Are you there?")
        assert response.status_code == 302
        assert "Are you there?" in await leader.receive_from(timeout=2)
        assert await again.receive_nothing(timeout=QUIET)
        for communicator in (leader, again):
            await communicator.disconnect()

    run(scenario)
    assert thread.messages.count() == 2
    assert not emailed(world.teacher)
    assert len(emailed(world.leader)) == 1
    assert Notification.objects.filter(user=world.teacher).count() == teacher_had
    assert Participant.objects.get(conversation=thread, user=world.teacher).left_at is not None


def test_typing_receipts_and_closing_do_not_reach_a_withdrawn_guardian(world):
    thread = world.guardian_thread(starter=world.parent, recipients=[world.teacher], body="From home")
    first = thread.messages.get()
    Participant.objects.create(conversation=thread, user=world.co_parent)

    async def scenario():
        teacher = await socket_for(world.teacher)
        co_parent = await socket_for(world.co_parent)
        await database_sync_to_async(withdraw)(world)
        parent = await socket_for(world.parent)

        await teacher.send_json_to({"type": "typing", "conversation": thread.pk})
        assert f'id="typing-{thread.pk}"' in await co_parent.receive_from(timeout=2)
        # The parent wrote the first message: once they may not see the thread, its receipt is not theirs.
        await teacher.send_json_to({"type": "read", "message": first.pk})
        assert await parent.receive_nothing(timeout=QUIET)

        def close():
            client, _session = browser(world.teacher)
            return client.post(reverse("messaging:close", args=[thread.pk]))

        assert (await database_sync_to_async(close)()).status_code == 302
        assert f'id="composer-{thread.pk}"' in await co_parent.receive_from(timeout=2)
        assert await parent.receive_nothing(timeout=QUIET)
        for communicator in (teacher, co_parent, parent):
            await communicator.disconnect()

    run(scenario)


def test_restoring_the_rights_brings_the_guardian_back_into_the_conversation(world):
    thread = family_thread(world)

    withdraw(world)
    assert Participant.objects.get(conversation=thread, user=world.parent).left_at is not None
    guardianship = Guardianship.objects.get(guardian=world.parent, pupil=world.child)
    guardianship.can_view = True
    guardianship.save()

    participant = Participant.objects.get(conversation=thread, user=world.parent)
    assert participant.left_at is None
    assert AuditEntry.objects.filter(action="conversation.access_regained", target_id=str(thread.pk)).exists()
    client, _session = browser(world.parent)
    assert client.get(reverse("messaging:thread", args=[thread.pk])).status_code == 200


def test_one_recipients_failed_notification_never_becomes_the_senders_error(world, monkeypatch):
    from messaging.services import notify_bridge

    thread = family_thread(world)
    notification_services.notifications_mark_read_about(
        user=world.co_parent, target=thread
    )  # read: a new message is news again (unread ones fold)
    mail.outbox.clear()
    real_notify = notify_bridge.notify

    def flaky(**kwargs):
        if kwargs["user"] == world.parent:
            raise RuntimeError("the notification engine broke for this one person")
        return real_notify(**kwargs)

    def batch_broken(**kwargs):
        raise RuntimeError("the batch failed: each reader is notified on their own")

    monkeypatch.setattr(notify_bridge, "notify", flaky)
    monkeypatch.setattr(notify_bridge, "notify_many", batch_broken)
    response = post_message(world.teacher, thread, "Still goes")
    assert response.status_code == 302
    assert thread.messages.count() == 2
    assert len(emailed(world.co_parent)) == 1
    # The parent's notification is an entry of its own, tried again later.
    from hub.models import OutboxEntry

    assert OutboxEntry.objects.filter(
        effect="messaging.message.notify", dedupe_key__endswith=f"user:{world.parent.pk}"
    ).exists()


def test_a_switched_off_account_loses_its_sockets_and_gets_nothing(world):
    thread = family_thread(world)
    mail.outbox.clear()
    sms.outbox.clear()

    async def scenario():
        parent = await socket_for(world.parent)
        co_parent = await socket_for(world.co_parent)

        def switch_off():
            world.parent.is_active = False
            world.parent.save()

        await database_sync_to_async(switch_off)()
        await closed_with(parent, realtime.SESSION_ENDED)
        await database_sync_to_async(post_message)(world.teacher, thread, "Account off")
        assert "Account off" in await co_parent.receive_from(timeout=2)
        await co_parent.disconnect()

    run(scenario)
    assert not emailed(world.parent)
    assert not texted(world.parent)


# --- a socket lives no longer than its session ---------------------------------------------------


def test_signing_out_closes_that_sessions_socket_and_no_other(world):
    thread = family_thread(world)

    async def scenario():
        client, session = await database_sync_to_async(browser)(world.parent)
        signed_out = await open_socket(world.parent, session)
        other_device = await socket_for(world.parent)

        await database_sync_to_async(client.post)(reverse("account_logout"))
        await closed_with(signed_out, realtime.SESSION_ENDED)

        await database_sync_to_async(post_message)(world.teacher, thread, "After sign-out")
        assert "After sign-out" in await other_device.receive_from(timeout=2)
        await other_device.disconnect()

    run(scenario)


def test_a_password_change_closes_the_sockets_of_every_other_session(world):
    thread = family_thread(world)

    async def scenario():
        elsewhere = await socket_for(world.parent)

        def change_password():
            return client.post(
                reverse("account_change_password"),
                {"oldpassword": factories.DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            )

        # In admin (or any code): setting it again gives a new hash (a new salt), which alone ends sessions.
        await database_sync_to_async(lambda: world.parent.set_password(factories.DEFAULT_PASSWORD))()
        await database_sync_to_async(world.parent.save)()
        await closed_with(elsewhere, realtime.SESSION_ENDED)

        # In the site: the browser that changes it, and another device.
        client, _session = await database_sync_to_async(browser)(world.parent)
        elsewhere = await socket_for(world.parent)
        response = await database_sync_to_async(change_password)()
        assert response.status_code == 302, response.content.decode()[:3000]
        await closed_with(elsewhere, realtime.SESSION_ENDED)

        # The browser that changed it carries on, under its renewed session.
        current = await open_socket(world.parent, await database_sync_to_async(signed_in_session_from)(client))
        await database_sync_to_async(post_message)(world.teacher, thread, "After the new password")
        assert "After the new password" in await current.receive_from(timeout=2)
        await current.disconnect()

    run(scenario)


def test_a_socket_closes_when_its_session_expires(world):
    async def scenario():
        def short_session():
            client, session = browser(world.parent)
            stored = client.session
            stored.set_expiry(1)
            stored.save()
            return signed_in_session_from(client)

        socket = await open_socket(world.parent, await database_sync_to_async(short_session)())
        await asyncio.sleep(1.2)
        await closed_with(socket, realtime.SESSION_ENDED)

    run(scenario)


def test_an_inbound_event_from_a_session_that_ended_is_refused(world):
    thread = family_thread(world)

    async def scenario():
        client, session = await database_sync_to_async(browser)(world.parent)
        socket = await open_socket(world.parent, session)
        teacher = await socket_for(world.teacher)
        # The session row goes without any signal (an operator clearing sessions, say).
        await database_sync_to_async(session.delete)()
        await socket.send_json_to({"type": "typing", "conversation": thread.pk})
        await closed_with(socket, realtime.SESSION_ENDED)
        assert await teacher.receive_nothing(timeout=QUIET)
        await teacher.disconnect()

    run(scenario)


# --- notifications re-check at send time ---------------------------------------------------------


@pytest.fixture
def still_world(db, quiet_translation, settings):
    """The same people, in one transaction per test: on-commit work runs only when the test says."""
    settings.ROOT_URLCONF = URLCONF
    return World()


def test_held_and_digest_notifications_are_not_sent_after_access_is_lost(
    still_world, django_capture_on_commit_callbacks
):
    from messaging.models import QuietHours

    world = still_world
    thread = family_thread(world)
    QuietHours.objects.create(user=world.parent, start="21:00", end="07:00")
    NotificationPreference.objects.create(
        user=world.parent, kind=Kind.ANNOUNCEMENT, channel=Channel.EMAIL, frequency=Frequency.DAILY
    )
    with django_capture_on_commit_callbacks(execute=False):
        held = notification_services.notify(
            user=world.parent, kind=Kind.MESSAGE, title="Held", pupil=world.child, target=thread
        )
        daily = notification_services.notify(
            user=world.parent, kind=Kind.ANNOUNCEMENT, title="Daily", pupil=world.child, target=thread
        )
    notification_services.notification_deliver(notification_id=held.pk, now=MONDAY_NIGHT)
    notification_services.notification_deliver(notification_id=daily.pk, now=MONDAY_NIGHT)
    assert Notification.objects.get(pk=held.pk).held_until is not None
    assert Notification.objects.get(pk=daily.pk).digest_pending
    assert notification_selectors.unread_count_for(world.parent) >= 2
    mail.outbox.clear()
    sms.outbox.clear()

    withdraw(world)
    notification_services.held_notifications_release(now=TUESDAY_MORNING)
    assert notification_services.digest_send_for(user=world.parent) == 0
    assert not emailed(world.parent)
    assert not texted(world.parent)
    # Nor shown: the inbox and the badge leave out what they may no longer see, a guessed id is 404.
    shown = notification_selectors.notifications_for(world.parent)
    assert not shown.filter(pk__in=[held.pk, daily.pk]).exists()
    assert notification_selectors.unread_count_for(world.parent) == 0
    client, _session = browser(world.parent)
    assert client.post(reverse("notifications:read", args=[held.pk])).status_code == 404


# --- the policy ----------------------------------------------------------------------------------


def test_readers_are_exactly_those_who_may_see_the_conversation_in_one_query(world, django_assert_num_queries):
    thread = family_thread(world)
    team = conversation_services.conversation_start(
        starter=world.teacher,
        kind=Conversation.Kind.STAFF_TEAM,
        pupil=world.child,
        subject="Team",
        body="Staff only",
        recipient_ids=[world.sendco.pk, world.leader.pk],
    )
    office = conversation_services.conversation_start(
        starter=world.parent, kind=Conversation.Kind.SUPPORT, school=world.school, subject="Office", body="Hello"
    )
    everyone = [world.parent, world.co_parent, world.teacher, world.sendco, world.leader, world.office, world.dsl]
    Membership.objects.filter(user=world.leader).update(is_active=False)  # a bulk update sends no signal
    Guardianship.objects.filter(guardian=world.co_parent).update(can_view=False)
    for conversation in (thread, team, office):
        with django_assert_num_queries(1):
            readers = set(policies.readers_of_conversation(conversation))
        assert readers == {
            person for person in everyone if policies.can_view_conversation(user=person, conversation=conversation)
        }
    assert world.co_parent not in set(policies.readers_of_conversation(thread))
    assert world.leader not in set(policies.readers_of_conversation(team))


def test_an_instant_notification_queued_before_the_change_is_not_sent_after_it(
    still_world, django_capture_on_commit_callbacks
):
    world = still_world
    thread = family_thread(world)
    with django_capture_on_commit_callbacks(execute=False):
        queued = notification_services.notify(
            user=world.parent, kind=Kind.MESSAGE, title="Queued", pupil=world.child, target=thread
        )
    mail.outbox.clear()
    sms.outbox.clear()

    withdraw(world)  # before the worker picks the delivery up
    assert notification_services.notification_deliver(notification_id=queued.pk) == {}
    assert not emailed(world.parent)
    assert not texted(world.parent)
    assert not notification_selectors.notifications_for(world.parent).filter(pk=queued.pk).exists()
