"""notify_many(): one notification for many people (a fan-out batch, a message's readers) keeps
every promise of notify() (each person's language, access checked for each, folding, quiet hours,
digests, access decided again at delivery) in a fixed number of queries and two outbox entries."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Guardianship
from hub.models import OutboxEntry
from messaging.models import Notification, QuietHours
from messaging.notifications import services
from tests import factories
from tests.messaging.notification_helpers import (
    MONDAY_NIGHT,
    MONDAY_NOON,
    Channel,
    Frequency,
    Kind,
    clean_sms_outbox,  # noqa: F401 (autouse fixture: empty SMS outbox per test)
    prefer,
)

pytestmark = pytest.mark.django_db

TITLE = gettext_lazy("New messages")


def family(child, language="en-gb"):
    guardian = factories.UserFactory(preferred_language=language)
    factories.GuardianshipFactory(guardian=guardian, pupil=child)
    return guardian


@pytest.fixture
def thread(school):
    child = factories.PupilFactory(school=school)
    conversation = factories.ConversationFactory(pupil=child)
    conversation.child = child
    return conversation


def readers(conversation, count, language="en-gb"):
    people = [family(conversation.child, language) for _ in range(count)]
    for person in people:
        factories.ParticipantFactory(conversation=conversation, user=person)
    return people


def notify_many(django_capture_on_commit_callbacks, **fields):
    """Without running the entries it records (the test runs them)."""
    with django_capture_on_commit_callbacks(execute=False):
        return services.notify_many(kind=Kind.MESSAGE, title=TITLE, url="/messages/", **fields)


def test_each_reads_it_in_their_language_and_one_entry_carries_each_channel(thread, django_capture_on_commit_callbacks):
    english, spanish = readers(thread, 1)[0], readers(thread, 1, "es")[0]
    outsider = factories.UserFactory()  # not taking part: left out, not refused

    written = notify_many(
        django_capture_on_commit_callbacks,
        users=[english, spanish, outsider],
        pupil=thread.child,
        target=thread,
    )

    assert [notification.user for notification in written] == [english, spanish]
    with translation.override("es"):
        in_spanish = str(TITLE)
    assert in_spanish != "New messages"
    assert Notification.objects.get(user=english).title == "New messages"
    assert Notification.objects.get(user=spanish).title == in_spanish
    assert not Notification.objects.filter(user=outsider).exists()
    entries = OutboxEntry.objects.values_list("effect", flat=True)
    assert sorted(entries) == [services.BADGES, services.SEND_BATCH]


def test_unread_ones_fold_and_urgent_ones_never_do(thread, django_capture_on_commit_callbacks):
    waiting, fresh = readers(thread, 2)
    factories.NotificationFactory(
        user=waiting, kind=Kind.MESSAGE, target_type="messaging.conversation", target_id=thread.pk
    )
    entries_before = OutboxEntry.objects.count()

    notify_many(
        django_capture_on_commit_callbacks,
        users=[waiting, fresh],
        target=thread,
        repeat_title=lambda count: f"{count} new messages",
    )

    folded = Notification.objects.get(user=waiting)
    assert (folded.count, folded.title) == (2, "2 new messages")
    assert Notification.objects.get(user=fresh).count == 1
    batch = OutboxEntry.objects.get(effect=services.SEND_BATCH)
    assert batch.payload["notifications"] == [Notification.objects.get(user=fresh).pk]
    assert OutboxEntry.objects.count() == entries_before + 2

    notify_many(
        django_capture_on_commit_callbacks, users=[waiting], target=thread, urgent=True, repeat_title=lambda n: "x"
    )
    assert Notification.objects.filter(user=waiting).count() == 2
    assert OutboxEntry.objects.filter(effect=services.SEND_BATCH_URGENT).count() == 1


@pytest.mark.parametrize("people", [2, services.FOLD_ONE_BY_ONE_MAX + 2], ids=["one by one", "together"])
def test_folding_updates_each_unread_one_in_its_readers_language(people, thread, django_capture_on_commit_callbacks):
    # A few readers' notifications are updated one by one, many in one statement: the same result.
    spanish = readers(thread, people // 2, "es")
    english = readers(thread, people - people // 2)
    earlier = MONDAY_NOON - datetime.timedelta(hours=3)
    for person in spanish + english:
        factories.NotificationFactory(
            user=person,
            kind=Kind.MESSAGE,
            target_type="messaging.conversation",
            target_id=thread.pk,
            count=2,
            body="old preview",
            created_at=earlier,
        )
    read_one = factories.NotificationFactory(
        user=english[0],
        kind=Kind.MESSAGE,
        target_type="messaging.conversation",
        target_id=thread.pk,
        read_at=earlier,
        created_at=earlier - datetime.timedelta(hours=1),
    )

    def repeat(count):  # as a message's readers are notified
        return ngettext(
            "%(count)d new message from %(sender)s: %(subject)s",
            "%(count)d new messages from %(sender)s: %(subject)s",
            count,
        ) % {"count": count, "sender": "Rosa Lee", "subject": "Trip"}

    notify_many(
        django_capture_on_commit_callbacks,
        users=spanish + english,
        target=thread,
        body="The trip is on Friday",
        repeat_title=repeat,
    )

    for person, language in [(p, "es") for p in spanish] + [(p, "en-gb") for p in english]:
        notification = Notification.objects.get(user=person, read_at__isnull=True)
        with translation.override(language):
            expected = str(repeat(3))
        assert (notification.count, notification.title) == (3, expected)
        assert (expected == "3 new messages from Rosa Lee: Trip") == (language == "en-gb")
        assert notification.body == "The trip is on Friday"  # stored encrypted, read back whole
        assert notification.created_at > earlier  # moves up the reader's list
    assert Notification.objects.get(pk=read_one.pk).count == 1  # a read one is never folded into
    assert not OutboxEntry.objects.filter(effect=services.SEND_BATCH).exists()  # nothing new to send


def test_delivery_decides_for_each_at_send_time(thread, django_capture_on_commit_callbacks):
    instant, quiet, daily, silenced, withdrawn = readers(thread, 5)
    QuietHours.objects.create(user=quiet, start=datetime.time(21, 0), end=datetime.time(7, 0))
    prefer(daily, Kind.MESSAGE, Channel.EMAIL, Frequency.DAILY)
    prefer(silenced, Kind.MESSAGE, Channel.EMAIL, Frequency.OFF)
    written = notify_many(
        django_capture_on_commit_callbacks,
        users=[instant, quiet, daily, silenced, withdrawn],
        pupil=thread.child,
        target=thread,
    )
    # Rights withdrawn between the notification and its delivery: nothing is sent.
    Guardianship.objects.filter(guardian=withdrawn).update(can_view=False)
    mail.outbox.clear()

    sent = services.notifications_send(notification_ids=[n.pk for n in written], now=MONDAY_NIGHT)

    assert sent == 1
    assert [message.to for message in mail.outbox] == [[instant.email]]
    by_user = {n.user_id: n for n in Notification.objects.filter(pk__in=[n.pk for n in written])}
    assert by_user[instant.pk].emailed_at == MONDAY_NIGHT
    assert by_user[quiet.pk].held_until == datetime.datetime(2026, 1, 6, 7, 0, tzinfo=datetime.UTC)
    assert by_user[quiet.pk].emailed_at is None
    assert by_user[daily.pk].digest_pending
    assert not by_user[silenced.pk].digest_pending
    assert by_user[silenced.pk].emailed_at is None
    assert by_user[withdrawn.pk].emailed_at is None
    assert not by_user[withdrawn.pk].digest_pending
    # Run again (an entry retried after a crash): what went is stamped and does not go twice.
    assert services.notifications_send(notification_ids=[n.pk for n in written], now=MONDAY_NIGHT) == 0
    assert len(mail.outbox) == 1


def test_a_failed_email_is_retried_alone(thread, django_capture_on_commit_callbacks, monkeypatch):
    first, second = readers(thread, 2)
    written = notify_many(django_capture_on_commit_callbacks, users=[first, second], target=thread)
    real_send = services.delivery.email_send

    def flaky(notification, *, now):
        if notification.user_id == first.pk:
            raise OSError("SMTP went away")
        return real_send(notification, now=now)

    monkeypatch.setattr(services.delivery, "email_send", flaky)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        services.notifications_send(notification_ids=[n.pk for n in written], now=MONDAY_NOON)

    assert [message.to for message in mail.outbox] == [[second.email]]
    retry = OutboxEntry.objects.get(effect=services.SEND, object_id=written[0].pk)
    assert retry.payload == {"channel": "email"}


def test_queries_do_not_grow_with_the_number_of_people(school, django_capture_on_commit_callbacks):
    counts = []
    for size in (3, 12):
        conversation = factories.ConversationFactory(pupil=factories.PupilFactory(school=school))
        conversation.child = conversation.pupil
        people = readers(conversation, size, "es") + readers(conversation, size)
        with CaptureQueriesContext(connection) as writing:
            written = notify_many(
                django_capture_on_commit_callbacks,
                users=people,
                pupil=conversation.child,
                target=conversation,
                repeat_title=lambda count: f"{count} new",
            )
        with CaptureQueriesContext(connection) as sending:
            services.notifications_send(notification_ids=[n.pk for n in written], now=MONDAY_NOON)
        assert len(written) == 2 * size
        counts.append((len(writing.captured_queries), len(sending.captured_queries)))
    assert counts[0] == counts[1]
