"""An email about a new message waits a little (NOTIFICATIONS_UNREAD_WAIT_SECONDS) and goes only if
the message is still unread then: someone in the conversation at that moment is not emailed what
they have just read on screen, and messages arriving meanwhile make one email, not one each.
Urgent notifications never wait. "Later" is the clock moved on, then the outbox's sweeper (beat
runs it every OUTBOX_SWEEP_SECONDS in production).
"""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Guardianship
from hub.models import OutboxEntry
from messaging.models import Notification
from messaging.notifications import services as notifications
from messaging.services import messages
from tests.messaging import notification_helpers
from tests.messaging import world as messaging_world

pytestmark = pytest.mark.django_db

later = notification_helpers.later

WAIT = 120


@pytest.fixture
def world(db, settings):
    """The messaging world with its real notifications (no recorders), English-speaking parents."""
    settings.ROOT_URLCONF = messaging_world.URLCONF
    settings.NOTIFICATIONS_UNREAD_WAIT_SECONDS = WAIT
    world = messaging_world.World()
    world.parent.preferred_language = "en-gb"
    world.parent.save(update_fields=["preferred_language"])
    return world


@pytest.fixture
def thread(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = world.guardian_thread(body="Hello from home", recipients=[world.teacher])
    mail.outbox.clear()
    return conversation


def teacher_writes(world, thread, body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return messages.message_send(sender=world.teacher, conversation=thread, body=body)


def emails_to(person) -> list:
    return [email for email in mail.outbox if person.email in email.to]


def test_nothing_is_emailed_at_once_and_the_email_goes_when_the_wait_is_over(
    world, thread, later, django_capture_on_commit_callbacks
):
    teacher_writes(world, thread, "See you on Monday", django_capture_on_commit_callbacks)

    assert emails_to(world.parent) == []
    assert Notification.objects.filter(user=world.parent, read_at__isnull=True).count() == 1
    assert later(WAIT - 30) == 0  # not due yet
    assert emails_to(world.parent) == []

    later(WAIT + 1)

    [email] = emails_to(world.parent)
    assert "Tess Teacher" in email.subject or "Tess Teacher" in email.body
    # Sent once: the sweeper finds nothing more to do.
    assert later(WAIT + 60) == 0
    assert len(emails_to(world.parent)) == 1


def test_a_parent_who_reads_the_thread_meanwhile_gets_no_email(
    client, world, thread, later, django_capture_on_commit_callbacks
):
    teacher_writes(world, thread, "See you on Monday", django_capture_on_commit_callbacks)
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("messaging:thread", args=[thread.pk]))
    assert "See you on Monday" in page.content.decode()

    later(WAIT + 1)

    assert emails_to(world.parent) == []
    # The entry is done (it did what there was to do: nothing), not left to be retried.
    assert not OutboxEntry.objects.filter(effect=notifications.SEND_BATCH, status=OutboxEntry.Status.PENDING).exists()


def test_messages_arriving_during_the_wait_make_one_email(world, thread, later, django_capture_on_commit_callbacks):
    for body in ("First thing", "Second thing", "Third thing"):
        teacher_writes(world, thread, body, django_capture_on_commit_callbacks)

    later(WAIT + 1)

    [email] = emails_to(world.parent)
    [notification] = Notification.objects.filter(user=world.parent)
    assert notification.count == 3
    assert notification.title in email.subject


def test_a_parent_whose_access_was_withdrawn_during_the_wait_gets_no_email(
    world, thread, later, django_capture_on_commit_callbacks
):
    teacher_writes(world, thread, "Report attached", django_capture_on_commit_callbacks)
    Guardianship.objects.filter(guardian=world.parent, pupil=world.child).update(can_view=False)

    later(WAIT + 1)

    assert emails_to(world.parent) == []


def test_urgent_notifications_never_wait(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_many(
            users=[world.parent], kind="message", title="Come now", url="/messages/", urgent=True, pupil=world.child
        )

    assert len(emails_to(world.parent)) == 1


def test_without_a_wait_the_email_goes_at_once(world, thread, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_UNREAD_WAIT_SECONDS = 0
    teacher_writes(world, thread, "See you on Monday", django_capture_on_commit_callbacks)

    assert len(emails_to(world.parent)) == 1
