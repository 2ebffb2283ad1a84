"""Pushing server-rendered fragments to people's open pages over Channels.

Each signed-in browser tab opens one WebSocket (messaging.consumers.UserConsumer), which joins
only its own user's group. Services decide who receives what and call `push_to_users` from
`transaction.on_commit`, so a rolled-back write pushes nothing. The fragment is HTML that htmx's
ws extension swaps in by id (hx-swap-oob), the same partials that render the page.
"""

from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def push_to_users(user_ids: Iterable[int], *, html: str = "", event: str = "", data: dict | None = None) -> None:
    """Send `html` (an out-of-band fragment) and/or a named `event` with `data` to each user's tabs."""
    layer = get_channel_layer()
    if layer is None:
        return
    payload = {"type": "user.push", "html": html, "event": event, "data": data or {}}
    for user_id in set(user_ids):
        async_to_sync(layer.group_send)(user_group(user_id), payload)
