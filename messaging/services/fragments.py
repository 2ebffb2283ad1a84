"""Server-rendered fragments pushed to open pages: the same partials that render the thread page.

Each reader gets the fragment in their own interface language, time zone and message language.
A message fragment is rendered once per distinct way of seeing it (interface language, time
zone, own message or not), not once per reader: readers who share those get the same bytes.
"""

import logging
from contextlib import contextmanager

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from messaging import realtime, selectors
from messaging.models import Conversation, Message

THREAD = "messaging/thread.html"
log = logging.getLogger(__name__)


@contextmanager
def reader_locale(reader: User):
    """Render as `reader` would see it: their interface language and time zone."""
    with translation.override(reader.preferred_language), timezone.override(reader.zone):
        yield


def _render(partial: str, context: dict, reader: User) -> str:
    with reader_locale(reader):
        return render_to_string(f"{THREAD}#{partial}", {"viewer": reader, **context})


def new_message_html(*, message_id: int, reader: User) -> str:
    """The message appended to the reader's open thread, and their typing line cleared."""
    message = selectors.message_for_reader(message_id=message_id, reader=reader)
    return _render("message_appended", {"message": message, "conversation_id": message.conversation_id}, reader)


def message_replaced_html(*, message_id: int, reader: User) -> str:
    """The message re-rendered in place (after a retraction or a translation arrives)."""
    message = selectors.message_for_reader(message_id=message_id, reader=reader)
    return _render("message_oob", {"message": message}, reader)


def receipt_html(*, message_id: int, reader: User) -> str:
    message = selectors.message_for_reader(message_id=message_id, reader=reader)
    return _render("receipt_oob", {"message": message}, reader)


def push_message(*, message: Message, readers, partial: str) -> None:
    """Push `partial` ("message_appended" or "message_oob") of `message` to each of `readers`' tabs,
    each seeing it as `fragments.new_message_html` / `message_replaced_html` would show them.

    `message` comes from `selectors.message_for_readers`; `readers` are active users. The message's
    attachments, translations and receipts are read once, and the fragment rendered once per
    (interface language, time zone, own message or not). Failures are logged like `push_each`'s.
    """
    try:
        selectors.prefetch_for_readers(message)
        now = timezone.now()
        groups: dict[tuple, list[User]] = {}
        for reader in readers:
            # Everything the message partials show that differs between readers follows from these
            # three: the interface language (also the translation wanted), the time zone, and whether
            # the reader wrote it (the "You", retract button and receipts). See messaging/thread.html.
            key = (reader.preferred_language, reader.zone.key, message.sender_id == reader.pk)
            groups.setdefault(key, []).append(reader)
        for same in groups.values():
            viewer = same[0]
            with reader_locale(viewer):
                seen = selectors.message_as_seen_by(message, viewer, now=now)
                html = _render(partial, {"message": seen, "conversation_id": message.conversation_id}, viewer)
            if html:
                realtime.push_to_users([reader.pk for reader in same], html=html)
    except Exception:
        log.exception("Live push failed; readers will catch up from the database.")


def typing_html(*, conversation_id: int, typist: User, reader: User) -> str:
    return _render("typing_oob", {"conversation_id": conversation_id, "typist": typist}, reader)


def closed_html(*, conversation: Conversation, reader: User) -> str:
    return _render("closed_oob", {"conversation": conversation}, reader)


def catch_up_html(*, conversation: Conversation, reader: User, after_id: int | None) -> str:
    """Every message the reader's page missed since `after_id`, as appends; "" when none."""
    with reader_locale(reader):
        messages = selectors.messages_after(conversation=conversation, reader=reader, after_id=after_id)
        if not messages:
            return ""
        return _render("catch_up", {"messages": messages, "conversation_id": conversation.pk}, reader)


def for_each_reader(user_ids, build) -> dict[int, str]:
    """`build(reader)` for each active user among `user_ids`, keyed by user id."""
    built = {}
    for reader in User.objects.filter(pk__in=set(user_ids), is_active=True):
        with reader_locale(reader):
            built[reader.pk] = build(reader)
    return built


def push_built(readers, build) -> None:
    """Render `build(reader)` for each of `readers` (users already loaded) in their own language and
    time zone, and push it to their tabs. Failures are logged like `push_each`'s."""
    try:
        for reader in readers:
            with reader_locale(reader):
                html = build(reader)
            if html:
                realtime.push_to_users([reader.pk], html=html)
    except Exception:
        log.exception("Live push failed; readers will catch up from the database.")


def push_each(user_ids, build) -> None:
    """Render `build(reader)` per reader and push it to their tabs.

    A failure is logged, never raised: the write is already committed, and pages catch up
    from the database when they reconnect.
    """
    try:
        for user_id, html in for_each_reader(user_ids, build).items():
            if html:
                realtime.push_to_users([user_id], html=html)
    except Exception:
        log.exception("Live push failed; readers will catch up from the database.")
