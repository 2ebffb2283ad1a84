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


def waiting_emails_for(person) -> list[OutboxEntry]:
    """The outbox entries of emails still to be decided that name one of `person`'s notifications."""
    theirs = set(Notification.objects.filter(user=person).values_list("pk", flat=True))
    return [
        entry
        for entry in OutboxEntry.objects.filter(effect=notifications.SEND_BATCH, status=OutboxEntry.Status.PENDING)
        if theirs & set(entry.payload["notifications"])
    ]


def test_reading_the_thread_settles_the_waiting_email_so_no_worker_is_woken_for_it(
    client, world, thread, later, django_capture_on_commit_callbacks
):
    teacher_writes(world, thread, "See you on Monday", django_capture_on_commit_callbacks)
    [entry] = waiting_emails_for(world.parent)

    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("messaging:thread", args=[thread.pk]))

    entry.refresh_from_db()
    # Done at the read, never run (no attempt): there is nothing left for it to tell.
    assert (entry.status, entry.attempts) == (OutboxEntry.Status.DONE, 0)
    later(WAIT + 1)
    entry.refresh_from_db()
    assert entry.attempts == 0  # the sweeper did not hand it to a worker
    assert emails_to(world.parent) == []


def test_a_message_read_live_on_an_open_page_settles_its_email_too(
    world, thread, later, django_capture_on_commit_callbacks
):
    message = teacher_writes(world, thread, "See you on Monday", django_capture_on_commit_callbacks)
    [entry] = waiting_emails_for(world.parent)

    with django_capture_on_commit_callbacks(execute=True):
        assert messages.message_mark_read(user=world.parent, message_id=message.pk) == 1

    assert waiting_emails_for(world.parent) == []
    later(WAIT + 1)
    entry.refresh_from_db()
    assert (entry.status, entry.attempts) == (OutboxEntry.Status.DONE, 0)
    assert emails_to(world.parent) == []
    # The next message, unread, waits and goes as before.
    teacher_writes(world, thread, "And bring a coat", django_capture_on_commit_callbacks)  # at the clock moved on
    later(2 * WAIT + 2)
    [email] = emails_to(world.parent)
    assert "Tess Teacher" in email.subject or "Tess Teacher" in email.body


def test_an_email_shared_with_another_reader_still_goes_to_the_one_who_did_not_read(
    client, world, later, django_capture_on_commit_callbacks
):
    world.co_parent.preferred_language = "en-gb"
    world.co_parent.save(update_fields=["preferred_language"])
    # The teacher writes to both parents: one message, two readers, one entry for their emails.
    with django_capture_on_commit_callbacks(execute=True):
        thread = world.guardian_thread(starter=world.teacher, recipients=[world.parent, world.co_parent])
    [shared] = waiting_emails_for(world.parent)
    assert waiting_emails_for(world.co_parent) == [shared]  # one entry for both readers

    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("messaging:thread", args=[thread.pk]))

    # Still waiting: the co-parent has not read it.
    assert waiting_emails_for(world.co_parent) == [shared]
    later(WAIT + 1)
    assert emails_to(world.parent) == []
    assert len(emails_to(world.co_parent)) == 1


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
