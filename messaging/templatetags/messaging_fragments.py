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

register = template.Library()

PARTIAL = "messaging/thread.html#message"
FRAGMENTS = 5000

_kept: OrderedDict[str, str] = OrderedDict()
_lock = Lock()


def fragment_key(entry, *, viewer, roles) -> str:
    """A digest of everything the message partial shows `viewer` of `entry` (a
    `selectors.ThreadEntry`; see the module): read from its rows, without decrypting its words
    (their stored token stands for them) or building the message."""
    # How the viewer names the sender (`named`) follows from the name, the role and the language.
    role = roles.get(entry.sender_id, "") if isinstance(roles, dict) else ""
    shown = (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        getattr(viewer, "preferred_language", ""),
        str(entry.sender),
        role,
        entry.shown(),
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def _render(context, message) -> str:
    values = {"message": message, "viewer": context.get("viewer"), "roles": context.get("roles")}
    if message.can_retract:
        values["csrf_token"] = context.get("csrf_token")
    return render_to_string(PARTIAL, values)


@register.simple_tag(takes_context=True)
def message_fragment(context, entry) -> str:
    """The message partial for the page's viewer and `entry` (a `selectors.ThreadEntry`): kept
    from an earlier rendering when nothing it shows has changed; the message is built, decrypted
    and rendered only when it was not kept."""
    if entry.can_retract:
        return _render(context, entry.message)
    key = fragment_key(entry, viewer=context.get("viewer"), roles=context.get("roles"))
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = _render(context, entry.message)
    with _lock:
        _kept[key] = html
        while len(_kept) > FRAGMENTS:
            _kept.popitem(last=False)
    return html


def forget_all() -> None:
    """Drop every kept fragment (tests)."""
    with _lock:
        _kept.clear()
