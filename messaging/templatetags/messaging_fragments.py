"""The thread page's messages, each rendered once per way of seeing it and kept in this process.

Rendering its 50 messages is most of a thread page's time (dates, translations, links, in the
reader's language and time zone). A message's fragment is a function of what it shows, so it is
kept under a digest of all of that: the interface language and time zone, who wrote it as the
reader names them (name and role), whether it is the reader's own, its words as stored and
written (the encrypted token stands for the words: a new body or translation is a new token),
its translation's state, its files and its "read by" line. Anything that changes what it shows
(a translation arriving or checked, a retraction, a new receipt, a new name or role) is a new
key, never a stale fragment. The key is worked out from the page's rows (`selectors.ThreadEntry`):
a message is built, decrypted and rendered only when its fragment was not kept.

Kept in this process's memory only (the newest FRAGMENTS): fragments hold decrypted message
bodies, which never go to a shared cache. A message its writer may still retract is kept too,
under a key that says so (the button goes when the window closes: a new key), with its form's CSRF
token put in for each page as the composer's is.

The page's blank composer is kept too (`page_composer`), with the page's CSRF token and a fresh
idempotency key put in each time. The inbox's cards (`inbox_cards`) and the notifications page's
items (`notification_items`) are kept the same way, each under a digest of what it shows: the
pages still read every row at every request (access is decided there), only the rendering of an
unchanged card or item is saved.
"""

import hashlib
from collections import OrderedDict
from threading import Lock

from django import template
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from messaging.forms import MessageForm, new_client_key

register = template.Library()

PARTIAL = "messaging/thread.html#message"
COMPOSER = "messaging/thread.html#composer"
FRAGMENTS = 5000

_kept: OrderedDict[str, str] = OrderedDict()
_lock = Lock()


def _page_part(viewer) -> tuple:
    """What every fragment of one page shares: the interface language, time zone and the viewer's
    reading language."""
    return (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        getattr(viewer, "preferred_language", ""),
    )


def _digest(shown: tuple) -> str:
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def fragment_key(entry, *, viewer, roles, page_part: tuple | None = None) -> str:
    """A digest of everything the message partial shows `viewer` of `entry` (a
    `selectors.ThreadEntry`; see the module): read from its rows, without decrypting its words
    (their stored token stands for them) or building the message."""
    # How the viewer names the sender (`named`) follows from the name, the role and the language.
    role = roles.get(entry.sender_id, "") if isinstance(roles, dict) else ""
    # Whether the "Retract" button shows is part of what is shown: it goes when the window closes.
    shown = (page_part or _page_part(viewer), str(entry.sender), role, entry.can_retract, entry.shown())
    return _digest(shown)


# Put in a kept fragment or composer where the page's CSRF token goes, and replaced by it on each page.
_CSRF_MARK = "csrfmarkKept0composer0token"


def _render(context, message, *, csrf_token=None) -> str:
    values = {"message": message, "viewer": context.get("viewer"), "roles": context.get("roles")}
    if message.can_retract:
        values["csrf_token"] = csrf_token or context.get("csrf_token")
    return render_to_string(PARTIAL, values)


def _kept_or_rendered(key: str, render) -> str:
    """The fragment kept under `key`, or `render()` kept there (least recently used dropped first)."""
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = render()
    with _lock:
        _kept[key] = html
        while len(_kept) > FRAGMENTS:
            _kept.popitem(last=False)
    return html


def _fragment(context, entry, page_part: tuple) -> str:
    key = fragment_key(entry, viewer=context.get("viewer"), roles=context.get("roles"), page_part=page_part)
    if not entry.can_retract:
        return _kept_or_rendered(key, lambda: _render(context, entry.message))
    token = context.get("csrf_token")
    if not token:  # a fragment pushed over the socket has no form token: rendered as it is
        return _render(context, entry.message)
    # The retract form's token is this page's, put into the kept fragment (as the composer's).
    html = _kept_or_rendered(key, lambda: _render(context, entry.message, csrf_token=_CSRF_MARK))
    return mark_safe(html.replace(_CSRF_MARK, escape(str(token))))  # noqa: S308 - a rendered template


@register.simple_tag(takes_context=True)
def message_fragments(context, entries) -> str:
    """The message partial for the page's viewer and each of `entries` (`selectors.ThreadEntry`),
    in order: kept from an earlier rendering when nothing it shows has changed; a message is
    built, decrypted and rendered only when it was not kept."""
    page_part = _page_part(context.get("viewer"))
    return mark_safe("".join(_fragment(context, entry, page_part) for entry in entries))  # noqa: S308 - rendered templates


# The composer of a page, blank: the same for every page of a conversation in one language but for
# the CSRF token and the idempotency key, which are put in afresh for each page.
_KEY_MARK = "keymarkKept0composer0clientkey"
# Kept with the notice's place marked: a composer given back after a send shows the school's
# reply expectation there, a page's shows nothing. The element as thread.html#composer writes it.
_NOTICE_MARK = "noticemarkKept0composer0notice"
_NOTICE_HTML = '<div class="govuk-inset-text" role="status">{}</div>'
_composers: OrderedDict[tuple, str] = OrderedDict()
COMPOSERS = 500


def _blank_composer(conversation, *, csrf_token: str, sent_notice: str = "") -> str:
    key = (translation.get_language(), conversation.pk, conversation.is_closed)
    with _lock:
        html = _composers.get(key)
    if html is None:
        blank = MessageForm(initial={"client_key": _KEY_MARK}, conversation_id=conversation.pk)
        values = {"conversation": conversation, "form": blank, "csrf_token": _CSRF_MARK, "sent_notice": _NOTICE_MARK}
        html = render_to_string(COMPOSER, values)
        with _lock:
            _composers[key] = html
            while len(_composers) > COMPOSERS:
                _composers.popitem(last=False)
    notice = _NOTICE_HTML.format(escape(sent_notice)) if sent_notice else ""
    html = html.replace(_NOTICE_HTML.format(_NOTICE_MARK), notice)
    return mark_safe(html.replace(_CSRF_MARK, escape(csrf_token)).replace(_KEY_MARK, new_client_key()))  # noqa: S308


@register.simple_tag(takes_context=True)
def page_composer(context) -> str:
    """`{% page_composer as kept %}`: the thread page's composer (`thread.html#composer`) when it
    is blank: rendered once per conversation, language and open/closed and kept, with this page's
    CSRF token and a fresh idempotency key put in. "" for one with errors or a notice, which the
    page renders itself."""
    conversation, form = context.get("conversation"), context.get("form")
    if form is None or form.is_bound or form.errors or context.get("sent_notice") or context.get("oob"):
        return ""
    return _blank_composer(conversation, csrf_token=str(context.get("csrf_token", "")))


def sent_composer(conversation, *, csrf_token: str, sent_notice: str = "") -> str:
    """The composer given back after a message was sent (htmx): blank, with `sent_notice` (when
    the school will not answer before a time) above the form; the kept blank composer with the
    response's CSRF token, a fresh idempotency key and the notice put in, as the page's."""
    return _blank_composer(conversation, csrf_token=csrf_token, sent_notice=sent_notice)


def forget_all() -> None:
    """Drop every kept fragment and composer (tests)."""
    with _lock:
        _kept.clear()
        _composers.clear()


# The inbox's cards: one per conversation, kept the same way as the thread's messages.
CARD = "messaging/inbox.html#card"


def card_key(card, *, user, page_part: tuple) -> str:
    """A digest of everything the inbox card (`inbox.html#card`) shows `user` of `card` (a
    `selectors.InboxCard`): a new subject or translation, unread count, state, name, participant,
    last message or translation of it is a new key. Worked out from the card's rows, without
    decrypting the words (their stored tokens stand for them) or building the conversation."""
    return _digest((page_part, user.pk, card.shown()))


@register.simple_tag(takes_context=True)
def inbox_cards(context, cards) -> str:
    """The inbox card of each of `cards` (`selectors.InboxCard`) for the signed-in person, in
    order: kept from an earlier rendering when nothing it shows has changed (see `card_key`);
    otherwise the conversation is built, decrypted and rendered."""
    user = context.get("user")
    page_part = _page_part(user)
    html = []
    for card in cards:
        key = "card:" + card_key(card, user=user, page_part=page_part)
        html.append(
            _kept_or_rendered(
                key, lambda c=card: render_to_string(CARD, {"conversation": c.conversation, "user": user})
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - rendered templates


# The notifications page's items, kept the same way; an unread one's form carries the page's
# CSRF token, put in afresh for each page as in the composer.
ITEM = "messaging/notifications/inbox.html#item"


def item_key(notification, *, page_part: tuple) -> str:
    """A digest of everything the notification item (`notifications/inbox.html#item`) shows:
    being read, the words, the child's name, the link and the time."""
    shown = (
        page_part,
        notification.pk,
        notification.read_at is not None,
        notification.urgent,
        notification.title,
        notification.kind,
        notification.pupil.known_as if notification.pupil_id else None,
        notification.created_at,
        notification.body,
        notification.url,
    )
    return _digest(shown)


@register.simple_tag(takes_context=True)
def notification_items(context, notifications) -> str:
    """The item of each of `notifications` (selected with their `pupil`), in order: kept from an
    earlier rendering when nothing it shows has changed (see `item_key`), rendered otherwise."""
    page_part = _page_part(context.get("user"))
    token = escape(str(context.get("csrf_token", "")))
    items = []
    for notification in notifications:
        key = "item:" + item_key(notification, page_part=page_part)
        html = _kept_or_rendered(
            key, lambda n=notification: render_to_string(ITEM, {"notification": n, "csrf_token": _CSRF_MARK})
        )
        items.append(html.replace(_CSRF_MARK, token))
    return mark_safe("".join(items))  # noqa: S308 - rendered templates
