"""A WebSocket idle for a minute stays open through the real Redis channel layer.

redis-py's default socket timeout (5 s) equalled channels_redis's blocking read (5 s), so an idle
consumer's read timed out and its socket closed with 1006 every 5–15 s: live updates had gaps.
This test serves the project's ASGI app with uvicorn on a free port, connects a signed-in
browser-like WebSocket client, says nothing for 60 s, then pushes a fragment to it.
"""

import asyncio
import socket
import threading
import time

import pytest
from channels.layers import get_channel_layer
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tests import factories
from tests.conftest import require

IDLE_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db):
    """hub.asgi.application served by uvicorn in a thread (sharing the test database)."""
    require(bool(django_settings.REDIS_URL), "REDIS_URL is not set (this test needs the Redis channel layer)")
    import uvicorn

    from hub.asgi import application

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"ws://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


def _session_for(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def test_the_configured_socket_timeout_is_above_the_blocking_read():
    from channels_redis.core import RedisChannelLayer

    require(bool(django_settings.REDIS_URL), "REDIS_URL is not set")
    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)
    (host,) = django_settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    assert host["socket_timeout"] > layer.brpop_timeout


def test_an_idle_websocket_stays_open_for_a_minute_and_then_gets_a_push(asgi_server):
    import websockets

    from messaging.realtime import user_group

    user = factories.UserFactory()
    session = _session_for(user)

    async def scenario():
        async with websockets.connect(
            f"{asgi_server}/ws/",
            additional_headers={"Origin": "http://127.0.0.1", "Cookie": f"sessionid={session}"},
        ) as websocket:
            # Nothing at all for a minute (the client answers pings, as browsers do).
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(websocket.recv(), timeout=IDLE_SECONDS)
            await get_channel_layer().group_send(
                user_group(user.pk), {"type": "user.push", "html": '<p id="after-a-minute">Still here</p>'}
            )
            return await asyncio.wait_for(websocket.recv(), timeout=10)

    assert asyncio.run(scenario()) == '<p id="after-a-minute">Still here</p>'


def test_healthz_round_trip_is_not_held_up_by_connected_consumers(asgi_server):
    """The channel-layer check shares the consumers' blocking read, so it answers at once rather
    than after their 5 s read (a probe that slow would take a busy process out of rotation)."""
    import httpx
    import websockets

    user = factories.UserFactory()
    session = _session_for(user)
    http_base = asgi_server.replace("ws://", "http://")

    async def scenario():
        async with websockets.connect(
            f"{asgi_server}/ws/",
            additional_headers={"Origin": "http://127.0.0.1", "Cookie": f"sessionid={session}"},
        ):
            await asyncio.sleep(0.5)  # the consumer is now in its blocking read
            async with httpx.AsyncClient() as client:
                return [(await client.get(f"{http_base}/healthz")).json() for _ in range(3)]

    for body in asyncio.run(scenario()):
        assert body["checks"]["channel_layer"]["ok"] is True
        assert body["checks"]["channel_layer"]["ms"] < 2500
