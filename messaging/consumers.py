"""The one WebSocket per signed-in tab. Thin: it joins its user's and its session's groups and hands
events to services.

A socket lives no longer than its session: it closes (4401) when that session is signed out
(its session group), when the person's sessions are asked to check themselves (password change,
deactivation) and this one no longer signs them in, at the session's expiry date (a timer set at
connect, moved if the session was extended), and before any inbound event once the session no
longer signs them in. It closes with 4403 when the person lost the right to see something: the
page reconnects and gets only what they may still see. Outbound pushes cost no query: who
receives them was decided, from current access, when they were sent.

Inbound JSON events:
- {"type": "typing", "conversation": id}  → the other participants see "… is writing";
- {"type": "read", "message": id}         → read receipts up to that message;
- {"type": "catch_up", "conversation": id, "after": last_message_id}
                                          → the messages this tab missed, rendered from the database;
- {"type": "send", "conversation": id, "body": text, "client_key": key}
                                          → the message saved by the same service as the form post
                                            (the key makes a repeat, or the form post that follows a
                                            lost answer, save it once); it reaches every reader, this
                                            tab included, as a push. This tab alone gets
                                            {"event": "message_sent", ...}, or the composer's error
                                            summary when it was refused. Nothing for a conversation
                                            the person cannot see, exactly as for a wrong id.
Outbound: HTML fragments that htmx's ws extension swaps in by id (hx-swap-oob).

A "read" this socket already reported is ignored at once: every tab repeats its last read after
each fragment it receives (typing, receipts), and answering those cost queries for nothing.
"""

import asyncio
import datetime
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.twofactor import selectors as twofactor
from messaging import live, policies, realtime
from messaging.forms import MessageForm
from messaging.services import MessagingError, messages, sessions

# Close codes in the 4000–4999 range are ours (messaging.realtime).
UNAUTHORISED = realtime.SESSION_ENDED
log = logging.getLogger(__name__)
# asyncio cannot sleep for years; a longer session is re-checked at this interval.
LONGEST_WAIT = datetime.timedelta(days=1)


def _second_factor_ok(user, session) -> bool:
    """Someone with a second factor (or a role that requires one) must have passed it this session."""
    required = twofactor.second_factor(user)
    if not (required.has_device or required.must_enrol):
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    return bool(persistent_id) and twofactor.confirmed_device(user, persistent_id) is not None


def _send_message(*, user, conversation_id: int, body: str, client_key: str) -> str:
    """Save a message written in an open page's composer; what to answer that tab (Http404 for a
    conversation `user` cannot see)."""
    conversation = policies.access_conversation(user=user, conversation_id=conversation_id)
    form = MessageForm({"body": body, "client_key": client_key}, conversation_id=conversation.pk)
    if form.is_valid():
        try:
            # A refusal's sentence is written in the writer's language.
            with live.reader_locale(user):
                message = messages.message_send(
                    sender=user,
                    conversation=conversation,
                    body=form.cleaned_data["body"],
                    client_key=form.cleaned_data["client_key"],
                )
        except (MessagingError, PermissionDenied) as error:
            form.add_error(None, str(error) or gettext_lazy("You cannot write in this conversation."))
        else:
            data = {"conversation": conversation.pk, "message": message.pk, "client_key": client_key}
            return json.dumps({"event": "message_sent", "data": data})
    return live.send_refused_html(conversation_id=conversation.pk, form=form, reader=user)


def _inbound(*, user, session_key: str, kind, event: dict) -> str | None:
    """One event from an open page, in one trip to the database thread: whether the session still
    signs the person in (None when it does not: the socket ends), then the event's work. Returns
    what to answer this tab ("" for nothing). Http404 and PermissionDenied (someone else's
    conversation or message) propagate, for the consumer to say nothing.

    One trip, not two: every socket of a process runs its database work in one thread, so each
    trip waits its turn behind every other socket's (after a live message, every reader's tab
    sends a "read" at once)."""
    if not sessions.session_signs_in(session_key=session_key, user_id=user.pk):
        return None
    if kind == "typing" and (conversation_id := _as_id(event.get("conversation"))):
        live.typing_announce(user=user, conversation_id=conversation_id)
    elif kind == "read" and (message_id := _as_id(event.get("message"))):
        messages.message_mark_read(user=user, message_id=message_id)
    elif kind == "send" and (conversation_id := _as_id(event.get("conversation"))):
        return _send_message(
            user=user,
            conversation_id=conversation_id,
            body=str(event.get("body") or ""),
            client_key=str(event.get("client_key") or ""),
        )
    elif kind == "catch_up" and (conversation_id := _as_id(event.get("conversation"))):
        return live.catch_up(user=user, conversation_id=conversation_id, after_id=_as_id(event.get("after"))) or ""
    return ""


def _as_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class UserConsumer(AsyncWebsocketConsumer):
    group_name = ""
    session_group_name = ""
    session_key = ""
    expiry_timer: asyncio.Task | None = None
    ended = False
    reads_reported: set[int]

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHORISED)
            return
        session = self.scope.get("session")
        session_key = getattr(session, "session_key", None) or ""
        ends = await database_sync_to_async(sessions.session_expiry)(session_key=session_key, user_id=user.pk)
        if ends is None:
            await self.close(code=UNAUTHORISED)
            return
        if not await database_sync_to_async(_second_factor_ok)(user, session):
            await self.close(code=UNAUTHORISED)
            return
        self.user = user
        self.reads_reported = set()
        self.session_key = session_key
        self.group_name = realtime.user_group(user.pk)
        self.session_group_name = realtime.session_group(session_key)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.channel_layer.group_add(self.session_group_name, self.channel_name)
        await self.accept()
        self._close_at(ends)

    async def disconnect(self, code):
        # Pushes already on their way to this consumer are dropped, not sent to a closed socket
        # (uvicorn refuses them with an error in the log).
        self.ended = True
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()
            self.expiry_timer = None
        for group in (self.group_name, self.session_group_name):
            if group:
                await self.channel_layer.group_discard(group, self.channel_name)

    # --- the session --------------------------------------------------------------------------

    def _close_at(self, ends: datetime.datetime) -> None:
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()
        self.expiry_timer = asyncio.ensure_future(self._expire(ends))

    async def _expire(self, ends: datetime.datetime) -> None:
        wait = min(ends - timezone.now(), LONGEST_WAIT).total_seconds()
        await asyncio.sleep(max(wait, 0))
        self.expiry_timer = None
        # The session may have been extended meanwhile (each request can move its end): ask again.
        try:
            await self._check_session()
        except Exception:
            # Unsure whether the session still holds: end the socket; the page reconnects if it does.
            log.exception("Checking a socket's session at its expiry failed; closing it.")
            await self._end(UNAUTHORISED)

    async def _check_session(self) -> bool:
        """Close the socket unless its session still signs its person in; True when it does."""
        ends = await database_sync_to_async(sessions.session_expiry)(session_key=self.session_key, user_id=self.user.pk)
        if ends is None:
            await self._end(UNAUTHORISED)
            return False
        if self.expiry_timer is None:
            self._close_at(ends)
        return True

    async def _end(self, code: int) -> None:
        if self.ended:
            return
        self.ended = True  # nothing more goes out, even what the groups deliver before they let go
        if self.expiry_timer is not None and self.expiry_timer is not asyncio.current_task():
            self.expiry_timer.cancel()
        self.expiry_timer = None
        for group in (self.group_name, self.session_group_name):
            if group:
                await self.channel_layer.group_discard(group, self.channel_name)
        await self.close(code=code)

    # --- inbound ------------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        try:
            event = json.loads(text_data or "")
        except ValueError:
            return
        if not isinstance(event, dict) or self.ended:
            return
        kind = event.get("type")
        if kind == "read" and _as_id(event.get("message")) in self.reads_reported:
            return
        try:
            answer = await database_sync_to_async(_inbound)(
                user=self.user, session_key=self.session_key, kind=kind, event=event
            )
        except (Http404, PermissionDenied):
            # Someone else's conversation or message: say nothing, exactly as for a wrong id.
            return
        if answer is None:
            await self._end(UNAUTHORISED)
            return
        if kind == "read" and (message_id := _as_id(event.get("message"))):
            if len(self.reads_reported) > 100:
                self.reads_reported.clear()
            self.reads_reported.add(message_id)
        if answer:
            await self.send(text_data=answer)

    # --- outbound (group events) --------------------------------------------------------------

    async def user_push(self, event):
        if self.ended:
            return
        if event.get("html"):
            await self.send(text_data=event["html"])
        elif event.get("event"):
            await self.send(text_data=json.dumps({"event": event["event"], "data": event.get("data") or {}}))

    async def socket_close(self, event):
        """Signed out, or access lost: end this socket now (no query)."""
        await self._end(int(event.get("code") or UNAUTHORISED))

    async def session_check(self, event):
        """The person's sessions may have ended (password changed, account switched off)."""
        if not self.ended:
            await self._check_session()
