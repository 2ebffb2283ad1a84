"""A sent message is one outbox entry: its readers' notifications are written in the entry's
transaction, then the push goes once they are committed. A push that fails is tried again alone:
the notifications are never written twice, and nothing is lost."""

import datetime

from django.utils import timezone

from hub import outbox
from hub.models import OutboxEntry
from messaging import live
from messaging.models import Notification
from messaging.notifications import services as notification_services
from messaging.services import delivery, notify_bridge
from messaging.services import messages as message_services
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world


def real_notifications(monkeypatch):
    from messaging.notifications import notify, notify_many

    monkeypatch.setattr(notify_bridge, "notify", notify)
    monkeypatch.setattr(notify_bridge, "notify_many", notify_many)


def test_a_message_records_one_entry_for_its_readers(world, monkeypatch, django_capture_on_commit_callbacks):
    real_notifications(monkeypatch)
    thread = world.guardian_thread(body="Hello", recipients=[world.teacher, world.sendco])
    # Both have read the first message's notification: this one is new for each (not folded in).
    Notification.objects.update(read_at=timezone.now())
    before = set(OutboxEntry.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        message = message_services.message_send(sender=world.parent, conversation=thread, body="Thanks")
    effects = sorted(OutboxEntry.objects.exclude(pk__in=before).values_list("effect", flat=True))
    # The message's entry, its translation (the staff read English, the parent wrote Spanish), and
    # ONE entry for both readers' emails: not a notification, an email and a badge entry each.
    assert effects == [delivery.MESSAGE_SENT, delivery.MESSAGE_TRANSLATE, notification_services.SEND_BATCH]
    assert OutboxEntry.objects.get(effect=delivery.MESSAGE_SENT, object_id=message.pk).status == (
        OutboxEntry.Status.DONE
    )
    assert sorted(
        Notification.objects.filter(kind="message", read_at__isnull=True).values_list("user_id", flat=True)
    ) == sorted([world.teacher.pk, world.sendco.pk])


def test_a_failed_push_is_tried_again_alone(world, monkeypatch, django_capture_on_commit_callbacks):
    real_notifications(monkeypatch)
    thread = world.guardian_thread(body="Hello", recipients=[world.teacher])
    pushed = []

    def broken(**kwargs):
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(live, "push_message", broken)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_services.message_send(sender=world.parent, conversation=thread, body="Second")
    entry = OutboxEntry.objects.get(effect=delivery.MESSAGE_SENT, object_id=message.pk)
    assert entry.status == OutboxEntry.Status.PENDING
    assert outbox.written(entry)
    assert Notification.objects.filter(user=world.teacher, kind="message").count() == 1

    # The channel layer is back; the entry comes round again (the sweeper, or its countdown).
    monkeypatch.setattr(live, "push_message", lambda **kwargs: pushed.append(kwargs["message"].pk))
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.run(entry.pk) == "done"
    assert pushed == [message.pk]
    assert Notification.objects.filter(user=world.teacher, kind="message").count() == 1  # not written again
