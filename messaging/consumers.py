"""The one WebSocket per signed-in tab. Thin: it joins the user's own group and hands events to services.

Inbound JSON events:
- {"type": "typing", "conversation": id}  → the other participants see "… is writing";
- {"type": "read", "message": id}         → read receipts up to that message;
- {"type": "catch_up", "conversation": id, "after": last_message_id}
                                          → the messages this tab missed, rendered from the database.
Outbound: HTML fragments that htmx's ws extension swaps in by id (hx-swap-oob).
"""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import policies as people
from accounts.twofactor import selectors as twofactor
from messaging.realtime import user_group
from messaging.services import messages

# Close codes in the 4000–4999 range are ours: 4401 = not signed in / second factor missing.
UNAUTHORISED = 4401


def _second_factor_ok(user, session) -> bool:
    """Someone with a second factor (or a role that requires one) must have passed it this session."""
    if not (twofactor.has_confirmed_device(user) or people.requires_two_factor(user)):
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    return bool(persistent_id) and twofactor.confirmed_device(user, persistent_id) is not None


def _as_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class UserConsumer(AsyncWebsocketConsumer):
    group_name = ""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHORISED)
            return
        if not await database_sync_to_async(_second_factor_ok)(user, self.scope.get("session")):
            await self.close(code=UNAUTHORISED)
            return
        self.user = user
        self.group_name = user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            event = json.loads(text_data or "")
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        try:
            if kind == "typing" and (conversation_id := _as_id(event.get("conversation"))):
                await database_sync_to_async(messages.typing_announce)(user=self.user, conversation_id=conversation_id)
            elif kind == "read" and (message_id := _as_id(event.get("message"))):
                await database_sync_to_async(messages.message_mark_read)(user=self.user, message_id=message_id)
            elif kind == "catch_up" and (conversation_id := _as_id(event.get("conversation"))):
                html = await database_sync_to_async(messages.catch_up)(
                    user=self.user, conversation_id=conversation_id, after_id=_as_id(event.get("after"))
                )
                if html:
                    await self.send(text_data=html)
        except (Http404, PermissionDenied):
            # Someone else's conversation or message: say nothing, exactly as for a wrong id.
            return

    async def user_push(self, event):
        if event.get("html"):
            await self.send(text_data=event["html"])
        elif event.get("event"):
            await self.send(text_data=json.dumps({"event": event["event"], "data": event.get("data") or {}}))
