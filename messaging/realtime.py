"""Pushing server-rendered fragments to people's open pages over Channels, and ending sockets.

Each signed-in browser tab opens one WebSocket (messaging.consumers.UserConsumer), which joins its
own user's group and its session's group. Services decide who receives what and call
`push_to_users` from `transaction.on_commit`, so a rolled-back write pushes nothing. The fragment
is HTML that htmx's ws extension swaps in by id (hx-swap-oob), the same partials that render the
page. `close_user_sockets`, `close_session_sockets` and `check_user_sessions` end sockets whose
access or session ended (the consumer closes itself with the code given).
"""

import hashlib
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

# Close codes in the 4000–4999 range are ours.
SESSION_ENDED = 4401  # not signed in, signed out, password changed, session expired, second factor missing
ACCESS_LOST = 4403  # the person lost the right to see something this socket was showing: reconnect


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    # A digest, not the key itself: the channel layer (Redis) never holds a usable session key.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def _send(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, payload)


def push_to_users(user_ids: Iterable[int], *, html: str = "", event: str = "", data: dict | None = None) -> None:
    """Send `html` (an out-of-band fragment) and/or a named `event` with `data` to each user's tabs."""
    layer = get_channel_layer()
    if layer is None:
        return
    payload = {"type": "user.push", "html": html, "event": event, "data": data or {}}
    for user_id in set(user_ids):
        async_to_sync(layer.group_send)(user_group(user_id), payload)


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
