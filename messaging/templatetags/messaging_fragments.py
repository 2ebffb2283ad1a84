"""The thread page's messages, each rendered once per way of seeing it and kept in this process.

Rendering its 50 messages is most of a thread page's time (dates, translations, links, in the
reader's language and time zone). A message's fragment is a function of what it shows, so it is
kept under a digest of all of that: the interface language and time zone, who wrote it as the
reader names them (name and role), whether it is the reader's own, its words as shown and as
written, its translation's state, its files and its "read by" line. Anything that changes what
it shows (a translation arriving or checked, a retraction, a new receipt, a new name or role) is
a new key, never a stale fragment.

Kept in this process's memory only (the newest FRAGMENTS): fragments hold decrypted message
bodies, which never go to a shared cache. A message its writer may still retract is rendered
each time (its form carries the page's CSRF token, and the button goes when the window closes).
"""

import hashlib
from collections import OrderedDict
from threading import Lock

from django import template
from django.template.loader import render_to_string
from django.utils import timezone, translation

from messaging.templatetags.messaging_people import named

register = template.Library()

PARTIAL = "messaging/thread.html#message"
FRAGMENTS = 5000

_kept: OrderedDict[str, str] = OrderedDict()
_lock = Lock()


def _checked(message) -> bool:
    translations = getattr(message, "reader_translations", None) or []
    return bool(translations and translations[0].checked_at)


def fragment_key(message, *, viewer, roles) -> str:
    """A digest of everything the message partial shows `viewer` (see the module)."""
    shown = (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        getattr(viewer, "preferred_language", ""),
        message.pk,
        message.is_own,
        named(message.sender, roles),
        message.sent_at.isoformat() if message.sent_at else "",
        message.is_retracted,
        message.shown_body,
        message.body,
        message.written_in,
        message.translated_from,
        _checked(message),
        message.translation_pending,
        message.translation_unavailable,
        tuple((file.pk, file.is_photo, file.original_name, file.size) for file in message.attachments.all()),
        tuple((str(read.user), read.read_at.isoformat()) for read in getattr(message, "receipts", None) or ()),
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def _render(context, message) -> str:
    values = {"message": message, "viewer": context.get("viewer"), "roles": context.get("roles")}
    if message.can_retract:
        values["csrf_token"] = context.get("csrf_token")
    return render_to_string(PARTIAL, values)


@register.simple_tag(takes_context=True)
def message_fragment(context, message) -> str:
    """The message partial for the page's viewer: kept from an earlier rendering when nothing it
    shows has changed."""
    if message.can_retract:
        return _render(context, message)
    key = fragment_key(message, viewer=context.get("viewer"), roles=context.get("roles"))
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = _render(context, message)
    with _lock:
        _kept[key] = html
        while len(_kept) > FRAGMENTS:
            _kept.popitem(last=False)
    return html


def forget_all() -> None:
    """Drop every kept fragment (tests)."""
    with _lock:
        _kept.clear()
