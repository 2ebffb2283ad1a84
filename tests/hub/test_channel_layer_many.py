"""`hub.channel_layer.RedisChannelLayer.group_send_many` against the real Redis: what each open
socket receives is exactly what channels_redis's `group_send`, one group after another, would
have delivered (every member of every group, in the order sent, full channels skipped), in two
trips to Redis instead of four per group."""

import asyncio
import uuid

import pytest
from django.conf import settings as django_settings

from hub.channel_layer import RedisChannelLayer
from messaging import realtime
from tests.conftest import require


@pytest.fixture
def layer():
    require(bool(django_settings.REDIS_URL), "REDIS_URL is not set (this test needs Redis)")
    # A prefix of its own: nothing another test (or process) sends reaches these channels.
    return RedisChannelLayer(hosts=[django_settings.REDIS_URL], prefix=f"test-many-{uuid.uuid4().hex[:8]}", capacity=3)


async def _received(layer, channel: str) -> list[str]:
    got = []
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout=0.3)
        except TimeoutError:
            return got
        got.append(message["text"])


def test_every_member_of_every_group_gets_its_messages_in_the_order_sent(layer):
    async def scenario():
        # A parent with two tabs (one process) and a teacher with one; "nobody" has no socket.
        parent_tab, other_tab, teacher_tab = [await layer.new_channel() for _ in range(3)]
        await layer.group_add("user.1", parent_tab)
        await layer.group_add("user.1", other_tab)
        await layer.group_add("user.2", teacher_tab)
        await layer.group_send_many(
            [
                ("user.1", {"type": "user.push", "text": "message for the parent"}),
                ("user.2", {"type": "user.push", "text": "message for the teacher"}),
                ("nobody", {"type": "user.push", "text": "lost"}),
                ("user.1", {"type": "user.push", "text": "parent's badge"}),
            ]
        )
        return [await _received(layer, tab) for tab in (parent_tab, other_tab, teacher_tab)]

    parent, other, teacher = asyncio.run(scenario())
    assert parent == other == ["message for the parent", "parent's badge"]
    assert teacher == ["message for the teacher"]


def test_a_full_channel_is_skipped_as_group_send_skips_it(layer):
    # Another process (a layer of its own, the same prefix): its sockets share one Redis key.
    elsewhere = RedisChannelLayer(hosts=layer.hosts, prefix=layer.prefix, capacity=3)

    async def scenario():
        full, free = await elsewhere.new_channel(), await layer.new_channel()
        await layer.group_add("user.1", full)
        await layer.group_add("user.2", free)
        for number in range(3):  # capacity 3: that process's key is full
            await layer.send(full, {"type": "user.push", "text": f"waiting {number}"})
        await layer.group_send_many(
            [("user.1", {"type": "user.push", "text": "one too many"}), ("user.2", {"type": "user.push", "text": "ok"})]
        )
        return await _received(elsewhere, full), await _received(layer, free)

    full, free = asyncio.run(scenario())
    assert full == ["waiting 0", "waiting 1", "waiting 2"]
    assert free == ["ok"]


def test_two_trips_to_redis_for_any_number_of_groups(layer, monkeypatch):
    from redis.asyncio.client import Pipeline

    executed = []
    real_execute = Pipeline.execute

    async def counted(pipe, *args, **kwargs):
        executed.append(len(pipe.command_stack))
        return await real_execute(pipe, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", counted)

    async def scenario():
        for number in range(5):
            await layer.group_add(f"user.{number}", await layer.new_channel())
        await layer.group_send_many([(f"user.{number}", {"type": "user.push", "text": "hi"}) for number in range(5)])

    asyncio.run(scenario())
    # The members of the five groups in one pipeline, the five messages in another.
    assert len(executed) == 2


def test_pushes_together_go_through_it(monkeypatch, settings):
    sent = []

    class Layer:
        async def group_send_many(self, sends):
            sent.append(list(sends))

    monkeypatch.setattr(realtime, "get_channel_layer", lambda: Layer())
    with realtime.pushes_together():
        realtime.push_to_users([2, 1], html="<p>new</p>")
        realtime.push_to_users([1], event="badge")
    assert [[group for group, _payload in batch] for batch in sent] == [["user.1", "user.2", "user.1"]]


@pytest.mark.django_db
def test_a_read_sends_the_writers_receipt_and_the_readers_badge_in_one_push(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Reading a new message pushes the writer's "read by" line and the reader's new badge (no
    unread left) together: one trip to the channel layer, after the commit."""
    from messaging.services import messages as message_services
    from tests.messaging.world import World

    world = World()
    with django_capture_on_commit_callbacks(execute=True):
        thread = world.guardian_thread(body="Hola", recipients=[world.teacher])
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_services.message_send(sender=world.teacher, conversation=thread, body="See you Monday")
    sent = []

    class Layer:
        async def group_send_many(self, sends):
            sent.append(list(sends))

    monkeypatch.setattr(realtime, "get_channel_layer", lambda: Layer())
    with django_capture_on_commit_callbacks(execute=True):
        assert message_services.message_mark_read(user=world.parent, message_id=reply.pk) == 1

    [pushes] = sent
    assert [group for group, _payload in pushes] == [f"user.{world.teacher.pk}", f"user.{world.parent.pk}"]
    receipt, badge = (payload for _group, payload in pushes)
    assert 'id="receipt-' in receipt["html"]
    assert 'id="notification-badge"' in badge["html"]
    assert (badge["event"], badge["data"]) == ("notifications.unread", {"unread": 0})
