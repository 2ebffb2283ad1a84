"""Pushes from synchronous code reach the Redis channel layer by one event loop kept for the
process (a worker sends without starting a thread, a loop and a connection each time), and
under a server's loop by that loop, as before."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from messaging import realtime


def _listening(user_id: int):
    """A channel in the user's group, and a function that reads what reached it."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(realtime.user_group(user_id), channel)

    def received() -> dict:
        async def receive():
            return await asyncio.wait_for(layer.receive(channel), timeout=5)

        return async_to_sync(receive)()

    return received


def test_pushes_from_a_thread_without_a_loop_go_by_the_process_loop(redis_layer, monkeypatch):
    received = _listening(7001)
    loops = []
    original = realtime._own_loop
    monkeypatch.setattr(realtime, "_own_loop", lambda: loops.append(original()) or loops[-1])

    def worker():
        realtime.push_to_users([7001], html="<p>first</p>")
        with realtime.pushes_together():
            realtime.push_to_users([7001], html="<p>second</p>")
            realtime.push_to_users([7001], html="<p>third</p>")

    thread = threading.Thread(target=worker)  # as a Celery worker's: no event loop, no server
    thread.start()
    thread.join()
    assert [received()["html"] for _number in range(3)] == ["<p>first</p>", "<p>second</p>", "<p>third</p>"]
    assert len(loops) == 2
    assert loops[0] is loops[1]  # kept: its Redis connection too
    assert loops[0].is_running()


def test_a_failed_send_raises_in_the_caller(redis_layer, monkeypatch):
    layer = get_channel_layer()

    async def refused(group, message):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(layer, "group_send", refused)
    with pytest.raises(ConnectionError):
        realtime.push_to_users([7002], html="<p>lost</p>")  # the outbox tries again


def test_under_a_server_loop_pushes_go_by_that_loop(redis_layer, monkeypatch):
    received = _listening(7003)
    used = []
    monkeypatch.setattr(realtime, "_own_loop", lambda: used.append("own") or pytest.fail("not the server's loop"))

    async def server():
        # A sync view or consumer step, run by the server's loop through sync_to_async.
        await sync_to_async(realtime.push_to_users)([7003], html="<p>from a view</p>")

    async_to_sync(server)()
    assert received()["html"] == "<p>from a view</p>"
    assert used == []


def test_the_in_memory_layer_keeps_its_sends_on_the_caller_s_loop(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert not realtime._on_own_loop()
