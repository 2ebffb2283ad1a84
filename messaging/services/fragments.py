"""Server-rendered fragments pushed to open pages: the same partials that render the thread page.

Each reader gets the fragment in their own interface language, time zone and message language.
"""

import logging
import zoneinfo
from contextlib import contextmanager

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from messaging import realtime, selectors
from messaging.models import Conversation

THREAD = "messaging/thread.html"
log = logging.getLogger(__name__)


@contextmanager
def reader_locale(reader: User):
    """Render as `reader` would see it: their interface language and time zone."""
    try:
        zone = zoneinfo.ZoneInfo(reader.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with translation.override(reader.preferred_language), timezone.override(zone):
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
