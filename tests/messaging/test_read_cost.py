"""What a "read" costs in a long thread, and what it must still find.

Every open tab says "read" after each live fragment. A read looks for messages without the
reader's receipt from their read mark on (less a slack for a sending transaction that committed
late), not from the thread's first message: in a thread of years, a read used to compare every
message ever written with its receipts (10 ms in a thread of 10,000 messages, each time).
Rows read are counted by PostgreSQL's own statistics for the test's transaction
(pg_stat_xact_user_tables), so the test sees the work, not the clock.
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from messaging import selectors
from messaging.models import Message, MessageRead, Participant
from messaging.services import messages as services
from tests.messaging import world as messaging_world

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")

TABLES = ("messaging_message", "messaging_messageread")

outside = messaging_world.outside
world = messaging_world.world


def rows_read() -> int:
    """Rows this transaction has read so far from the messages and their receipts: by sequential
    scans, and fetched by index scans."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(seq_tup_read + COALESCE(idx_tup_fetch, 0)), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = ANY(%s)",
            [list(TABLES)],
        )
        return cursor.fetchone()[0]


def long_read_thread(world, length: int):
    """A conversation with `length` messages from the parent over the past days, every one read by
    the teacher (receipts and read mark, as reading leaves them)."""
    conversation = world.guardian_thread()
    start = timezone.now() - datetime.timedelta(days=3)
    Message.objects.bulk_create(
        [
            Message(
                conversation=conversation,
                sender=world.parent,
                body=f"Mensaje {number}",
                language="es",
                status=Message.Status.SENT,
                sent_at=start + datetime.timedelta(minutes=number),
                created_at=start + datetime.timedelta(minutes=number),
            )
            for number in range(length)
        ]
    )
    services.conversation_mark_read(user=world.teacher, conversation=conversation)
    newest = selectors.sent_messages(conversation).order_by("-sent_at", "-pk").first()
    assert (
        not Message.objects.filter(conversation=conversation)
        .exclude(sender=world.teacher)
        .exclude(reads__user=world.teacher)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE messaging_message; ANALYZE messaging_messageread")
    return conversation, newest


def read_work(user, message_id: int) -> tuple[int, int]:
    """What `message_mark_read` answers, and the rows it read."""
    before = rows_read()
    newly_read = services.message_mark_read(user=user, message_id=message_id)
    return newly_read, rows_read() - before


def test_a_read_reads_a_few_rows_in_a_thread_of_300_or_3000_messages(world):
    work = {}
    for length in (300, 3000):
        conversation, newest = long_read_thread(world, length)
        # Nothing new: what every open tab asks after each live fragment.
        nothing_new = read_work(world.teacher, newest.pk)
        # One new message, read live.
        reply = services.message_send(sender=world.parent, conversation=conversation, body="¿Y mañana?")
        one_new = read_work(world.teacher, reply.pk)
        assert nothing_new[0] == 0
        assert one_new[0] == 1
        assert MessageRead.objects.filter(message=reply, user=world.teacher).exists()
        work[length] = (nothing_new[1], one_new[1])
    # A few rows at either length (8 and 15 at 300 messages, 10 and 19 at 3000, as measured
    # here); before, each read compared every message of the thread with the teacher's receipts:
    # 607 and 1213 rows at 300 messages, 6007 and 12013 at 3000.
    assert all(rows < 40 for rows in (*work[300], *work[3000])), work


def test_a_message_that_committed_after_the_mark_moved_past_it_is_still_read(world):
    """A message stamped just before the one the reader read but committed after that read (its
    sending transaction took a moment longer) has no receipt behind the mark: the next read
    finds it, within the slack."""
    conversation = world.guardian_thread()
    first = conversation.messages.get()
    services.conversation_mark_read(user=world.teacher, conversation=conversation)
    mark = Participant.objects.get(conversation=conversation, user=world.teacher).last_read_message
    assert mark == first
    late = services.message_send(sender=world.parent, conversation=conversation, body="Perdón, otra cosa")
    Message.objects.filter(pk=late.pk).update(sent_at=first.sent_at - datetime.timedelta(seconds=30))
    newer = services.message_send(sender=world.parent, conversation=conversation, body="Gracias")

    assert services.message_mark_read(user=world.teacher, message_id=newer.pk) == 2
    assert set(MessageRead.objects.filter(user=world.teacher).values_list("message_id", flat=True)) == {
        first.pk,
        late.pk,
        newer.pk,
    }


def test_a_scheduled_message_going_out_leaves_what_came_meanwhile_unread(world):
    """The teacher schedules a message; the parent writes before it goes. When it goes, the
    parent's message is still unread for the teacher (it was marked read when the teacher's
    read mark moved to every message they sent)."""
    conversation = world.guardian_thread()
    services.conversation_mark_read(user=world.teacher, conversation=conversation)
    later = timezone.now() + datetime.timedelta(hours=1)
    services.message_send(sender=world.teacher, conversation=conversation, body="Reminder: trip", send_at=later)
    services.message_send(sender=world.parent, conversation=conversation, body="¿A qué hora?")
    assert {c.pk: c.unread for c in selectors.inbox_for(world.teacher)}[conversation.pk] == 1

    assert services.messages_dispatch_due(now=later + datetime.timedelta(minutes=1)) == 1

    assert {c.pk: c.unread for c in selectors.inbox_for(world.teacher)}[conversation.pk] == 1
