"""hub.db's two writers of SQL compiled once per process: an insert that yields to a unique
constraint, and a single-row update. What they store must read back through the ORM exactly as
`save()` and `update()` would have stored it (an encrypted body, a foreign key, a time zone)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from hub.db import insert, insert_unless_conflict, update_where, update_where_returning
from messaging.models import Conversation, Message, Participant
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world


@pytest.fixture
def thread(world):
    return world.guardian_thread(body="Hola", recipients=[world.teacher])


def test_an_insert_stores_what_save_would_and_yields_to_a_taken_key(world, thread):
    sent_at = timezone.now()
    first = Message(
        conversation=thread, sender=world.parent, body="¿Mañana hay excursión?", sent_at=sent_at, client_key="k1"
    )
    assert insert_unless_conflict(first) is True
    assert first.pk is not None
    assert not first._state.adding
    stored = Message.objects.get(pk=first.pk)
    assert (stored.body, stored.sender_id, stored.sent_at, stored.client_key) == (
        "¿Mañana hay excursión?",
        world.parent.pk,
        sent_at,
        "k1",
    )
    with connection.cursor() as cursor:  # encrypted at rest, as the field's own save stores it
        cursor.execute("SELECT body FROM messaging_message WHERE id = %s", [first.pk])
        assert "excursión" not in cursor.fetchone()[0]

    again = Message(conversation=thread, sender=world.parent, body="Sent twice", client_key="k1")
    assert insert_unless_conflict(again) is False
    assert again.pk is None
    assert Message.objects.get(pk=first.pk).body == "¿Mañana hay excursión?"  # the first is untouched
    other_sender = Message(conversation=thread, sender=world.teacher, body="Same key, other person", client_key="k1")
    assert insert_unless_conflict(other_sender) is True  # the key is unique per sender only


def test_an_update_changes_only_the_rows_it_names_and_says_how_many(world, thread):
    other = world.guardian_thread(subject="Another", body="Hello", recipients=[world.teacher])
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert update_where(Conversation, where={"id": thread.pk}, values={"last_message_at": later}) == 1
    assert Conversation.objects.get(pk=thread.pk).last_message_at == later
    assert Conversation.objects.get(pk=other.pk).last_message_at != later

    message = thread.messages.latest("pk")
    changed = update_where(
        Participant,
        where={"conversation_id": thread.pk, "user_id": world.teacher.pk},
        values={"last_read_message_id": message.pk},
    )
    assert changed == 1
    assert Participant.objects.get(conversation=thread, user=world.teacher).last_read_message == message
    assert update_where(Conversation, where={"id": -1}, values={"last_message_at": later}) == 0


def test_an_insert_keeps_a_key_the_database_does_not_generate(db):
    from accounts.models.audit import AuditChainHead

    head = AuditChainHead(chain=987_654, entry_id=None, entry_hash="0" * 64)
    assert insert_unless_conflict(head) is True
    assert head.pk == 987_654
    assert AuditChainHead.objects.get(chain=987_654).entry_hash == "0" * 64
    assert insert_unless_conflict(AuditChainHead(chain=987_654, entry_id=None, entry_hash="1" * 64)) is False
    assert AuditChainHead.objects.get(chain=987_654).entry_hash == "0" * 64  # the first is untouched


def test_a_plain_insert_stores_what_save_would_and_refuses_a_taken_key(world, thread):
    # The audit log's entries are written this way: JSON details and the chain read back as
    # saved, and the chain still verifies.
    from django.db import IntegrityError, transaction

    from accounts import audit
    from accounts.models import AuditEntry

    entry = audit.record(actor=world.teacher, action="test.inserted", target=thread, note="¿Sí?", count=2)
    assert entry.pk is not None
    assert not entry._state.adding
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.details, stored.actor_id, stored.action, stored.entry_hash) == (
        {"note": "¿Sí?", "count": 2},
        world.teacher.pk,
        "test.inserted",
        entry.entry_hash,
    )
    assert audit.verify() == []

    copy = AuditEntry(
        **{f.attname: getattr(stored, f.attname) for f in AuditEntry._meta.concrete_fields if not f.primary_key}
    )
    with pytest.raises(IntegrityError), transaction.atomic():  # the hash is unique: not silently skipped
        insert(copy)
    assert copy.pk is None


def test_an_update_asked_for_null_changes_only_the_rows_where_it_is_null(world, thread):
    # `None` in `where` is IS NULL (`= NULL` matches nothing): how reading a thread marks only its
    # unread notifications read, the read ones keeping their time.
    from messaging.models import Notification
    from tests import factories

    earlier = timezone.now() - datetime.timedelta(days=1)
    about = {"target_type": "messaging.conversation", "target_id": thread.pk}
    unread = factories.NotificationFactory(user=world.parent, kind="message", **about)
    read = factories.NotificationFactory(user=world.parent, kind="message", read_at=earlier, **about)
    now = timezone.now()
    where = {"user_id": world.parent.pk, "read_at": None, **about}
    assert update_where(Notification, where=where, values={"read_at": now}) == 1
    assert Notification.objects.get(pk=unread.pk).read_at == now
    assert Notification.objects.get(pk=read.pk).read_at == earlier
    assert update_where(Notification, where=where, values={"read_at": now}) == 0  # none is left unread


def test_an_update_asked_for_any_of_several_values_answers_what_it_changed(world, thread):
    # A tuple in `where` is IN; `update_where_returning` answers the changed rows' fields, so a
    # read knows which notifications it marked without looking again.
    from messaging.models import Notification
    from tests import factories

    about = {"target_type": "messaging.conversation", "target_id": thread.pk}
    first, second, third = (factories.NotificationFactory(user=world.parent, kind="message", **about) for _ in "abc")
    now = timezone.now()
    changed = update_where_returning(
        Notification,
        where={"id": (first.pk, third.pk), "read_at": None},
        values={"read_at": now},
        returning=("id", "kind"),
    )
    assert sorted(changed) == sorted([(first.pk, "message"), (third.pk, "message")])
    assert Notification.objects.get(pk=second.pk).read_at is None
    assert Notification.objects.get(pk=third.pk).read_at == now
    # Asked again, none of them is unread any more: nothing changed, nothing answered.
    assert (
        update_where_returning(
            Notification,
            where={"id": (first.pk, third.pk), "read_at": None},
            values={"read_at": now},
            returning=("id",),
        )
        == []
    )
    with pytest.raises(ValueError, match="empty tuple"):
        update_where(Notification, where={"id": ()}, values={"read_at": now})
