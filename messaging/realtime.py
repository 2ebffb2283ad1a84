"""Pushing server-rendered fragments to people's open pages over Channels, and ending sockets.

Each signed-in browser tab opens one WebSocket (messaging.consumers.UserConsumer), which joins its
own user's group and its session's group. `messaging.live` decides who receives what and calls
`push_to_users` from outbox handlers (after the write committed), so a rolled-back write pushes nothing. The fragment
is HTML that htmx's ws extension swaps in by id (hx-swap-oob), the same partials that render the
page. `close_user_sockets`, `close_session_sockets` and `check_user_sessions` end sockets whose
access or session ended (the consumer closes itself with the code given).
"""

import asyncio
import hashlib
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

# Close codes in the 4000–4999 range are ours.
SESSION_ENDED = 4401  # not signed in, signed out, password changed, session expired, second factor missing
ACCESS_LOST = 4403  # the person lost the right to see something this socket was showing: reconnect


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    # A digest, not the key itself: the channel layer (Redis) never holds a usable session key.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def _blocking(async_function, *args) -> None:
    """Run `async_function(*args)` to the end from synchronous code. A thread that already runs an
    event loop (Playwright's synchronous API drives one in the browser tests' main thread) may
    not block it, and async_to_sync refuses to: the send then runs on a short-lived thread.

    Through Redis, from a thread that no server's event loop called (a Celery worker, a WSGI
    request, a management command), the send runs on this process's own loop (`_own_loop`):
    async_to_sync would start a thread, an event loop and a Redis connection for each send
    (2.4 ms of CPU; 0.2 ms on the kept loop and connection). Under the ASGI server, a sync view
    or consumer step is run by the server's loop, and async_to_sync sends on it as before."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if _on_own_loop():
            asyncio.run_coroutine_threadsafe(async_function(*args), _own_loop()).result()
        else:
            async_to_sync(async_function)(*args)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(async_to_sync(async_function), *args).result()


def _on_own_loop() -> bool:
    """Whether a send from this thread (which runs no event loop) goes by `_own_loop`: with the Redis
    layer (the in-memory one keeps its queues on the loop that reads them), and unless a server's
    loop called this thread through sync_to_async (async_to_sync then sends on that loop)."""
    layer = get_channel_layer()
    if layer is None or not any(kind.__module__.startswith("channels_redis") for kind in type(layer).__mro__):
        return False
    threadlocal = SyncToAsync.threadlocal
    server_loop = getattr(threadlocal, "main_event_loop", None)
    return server_loop is None or getattr(threadlocal, "main_event_loop_pid", None) != os.getpid()


_loop_lock = threading.Lock()
_loop: tuple[int, asyncio.AbstractEventLoop] | None = None


def _own_loop() -> asyncio.AbstractEventLoop:
    """An event loop running for the life of this process on a thread of its own (started at the
    first send; again in a forked child, which has not its parent's thread), where the Redis
    layer keeps its connections between sends."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="realtime-sends", daemon=True).start()
            _loop = (os.getpid(), loop)
        return _loop[1]


def _send(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        _blocking(layer.group_send, group, payload)


# Pushes waiting for the end of `pushes_together()` in this thread (None: send at once).
_together = threading.local()


async def _group_sends(layer, sends: list[tuple[str, dict]]) -> None:
    # The Redis layer sends them all in two trips to Redis (hub.channel_layer); another (the
    # demo's in-memory layer) one by one.
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        await send_many(sends)
        return
    for group, payload in sends:
        await layer.group_send(group, payload)


def _send_all(sends: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is not None and sends:
        # One trip to the event loop for all of them: from a thread without one (a worker), each
        # async_to_sync call costs a new loop and a new Redis connection (about 6 ms of CPU).
        _blocking(_group_sends, layer, sends)


@contextmanager
def pushes_together():
    """Pushes made inside are sent together, in order, when the block ends without an error (one
    trip to the event loop instead of one per push); an error inside sends none of them. For one
    outbox step, whose failure retries all its pushes (they are harmless to repeat). Nested
    blocks send with the outermost."""
    if getattr(_together, "sends", None) is not None:
        yield
        return
    _together.sends = []
    try:
        yield
        sends = _together.sends
    finally:
        _together.sends = None
    _send_all(sends)


def push_to_users(user_ids: Iterable[int], *, html: str = "", event: str = "", data: dict | None = None) -> None:
    """Send `html` (an out-of-band fragment) and/or a named `event` with `data` to each user's tabs
    (at the end of the enclosing `pushes_together()`, if any)."""
    payload = {"type": "user.push", "html": html, "event": event, "data": data or {}}
    sends = [(user_group(user_id), payload) for user_id in sorted(set(user_ids))]
    waiting = getattr(_together, "sends", None)
    if waiting is not None:
        waiting.extend(sends)
    else:
        _send_all(sends)


def close_user_sockets(user_id: int, *, code: int = ACCESS_LOST) -> None:
    """Close every open socket of the user (their pages reconnect and get only what they may see)."""
    _send(user_group(user_id), {"type": "socket.close", "code": code})


def close_session_sockets(session_key: str, *, code: int = SESSION_ENDED) -> None:
    """Close the sockets opened under one session (it was signed out)."""
    _send(session_group(session_key), {"type": "socket.close", "code": code})


def check_user_sessions(user_id: int) -> None:
    """Ask each of the user's sockets to check its session again (after a password change, a
    deactivation, sessions signed out elsewhere): those whose session no longer signs them in close."""
    _send(user_group(user_id), {"type": "session.check"})
