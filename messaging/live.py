"""Live updates: server-rendered fragments pushed to open pages, the same partials that render
the thread page. The entry layer, beside the consumers: the outbox handlers (messaging.effects)
and the consumer call it; services never do (they record outbox entries with ids).

Who receives a push is decided here, when it goes, from current access
(`policies.readers_of_conversation`), never from a list kept when the write happened. A push may
arrive twice (an outbox entry retried): the page swaps fragments by id, so a repeat is harmless.

Each reader gets the fragment in their own interface language, time zone and message language.
A message fragment is rendered once per distinct way of seeing it (interface language, time
zone, own message or not), not once per reader: readers who share those get the same bytes.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from messaging import policies, realtime, selectors
from messaging.models import Conversation, Message
from messaging.services import delivery
from messaging.translation.languages import normalise

THREAD = "messaging/thread.html"
log = logging.getLogger(__name__)


@contextmanager
def reader_locale(reader: User):
    """Render as `reader` would see it: their interface language and time zone."""
    with translation.override(reader.preferred_language), timezone.override(reader.zone):
        yield


def _render(partial: str, context: dict, reader: User) -> str:
    # A pushed fragment has no request, so no CSRF token: its forms are hx-boost'ed and htmx sends
    # the page's token in a header (the template leaves the token's field out).
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


def push_message(*, message: Message, readers, partial: str) -> None:
    """Push `partial` ("message_appended" or "message_oob") of `message` to each of `readers`' tabs,
    each seeing it as `new_message_html` / `message_replaced_html` would show them.

    `message` comes from `selectors.message_for_readers`; `readers` are active users. The message's
    attachments, translations and receipts are read once, and the fragment rendered once per
    (interface language, time zone, own message or not). A failure raises: the outbox tries again.
    """
    selectors.prefetch_for_readers(message, readers)
    now = timezone.now()
    groups: dict[tuple, list[User]] = {}
    for reader in readers:
        # Everything the message partials show that differs between readers follows from these
        # three: the interface language (also the translation wanted), the time zone, and whether
        # the reader wrote it (the "You", retract button and receipts). See messaging/thread.html.
        key = (reader.preferred_language, reader.zone.key, message.sender_id == reader.pk)
        groups.setdefault(key, []).append(reader)
    with realtime.pushes_together():
        for same in groups.values():
            viewer = same[0]
            with reader_locale(viewer):
                seen = selectors.message_as_seen_by(message, viewer, now=now)
                html = _render(partial, {"message": seen, "conversation_id": message.conversation_id}, viewer)
            if html:
                realtime.push_to_users([reader.pk for reader in same], html=html)


def send_refused_html(*, conversation_id: int, form, reader: User) -> str:
    """Why a message sent over the socket was not saved (`form`'s errors), for the writer's own
    tab only: the GOV.UK error summary put at the top of their composer, whose text stays."""
    with reader_locale(reader):
        summary = render_to_string("components/form_errors.html", {"form": form})
    return (
        f'<div hx-swap-oob="afterbegin:#composer-{conversation_id}">'
        f'<div id="composer-refused-{conversation_id}" tabindex="-1">{summary}</div></div>'
    )


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
    time zone, and push it to their tabs, all in one trip to Redis. A failure raises (an outbox
    handler tries again)."""
    with realtime.pushes_together():
        for reader in readers:
            with reader_locale(reader):
                html = build(reader)
            if html:
                realtime.push_to_users([reader.pk], html=html)


# --- what each outbox effect and the consumer push ----------------------------------------------
# Each takes ids and reads the state as it is now. Readers come from current access.


def message_appended(*, message_id: int) -> None:
    """Show a sent message on its readers' open threads (each in their language and time zone)."""
    found = delivery.message_to_push(message_id=message_id)
    if found is not None:
        push_message(message=found.message, readers=found.readers, partial="message_appended")


def message_replaced(*, message_id: int, language: str = "") -> None:
    """Re-render a message in place on its readers' open pages (a retraction, or a translation into
    `language` arriving: then only the readers who read that language, not the sender)."""
    found = delivery.message_to_push(message_id=message_id)
    if found is None:
        return
    message, readers = found.message, found.readers
    if language:
        language = normalise(language)
        readers = [
            reader
            for reader in readers
            if normalise(reader.preferred_language) == language and reader.pk != message.sender_id
        ]
    if readers:
        push_message(message=message, readers=readers, partial="message_oob")


def receipts_to_push(*, conversation: Conversation | None, pushes: list[tuple[int, int]]) -> Callable[[], None] | None:
    """The step that pushes the updated "read by" line of each (message id, sender id) to its
    sender, if they still read `conversation` (None: it is gone): who and which lines read now
    (with the receipts this transaction wrote), pushed when the step is called, once they have
    committed; None when there is no one to tell."""
    if conversation is None:
        return None
    wanted = {tuple(push) for push in pushes}
    senders = policies.readers_among(
        conversation=conversation, user_ids={sender_id for _message_id, sender_id in wanted}
    )
    if not senders:
        return None
    # Three queries however many messages were read at once (a thread opened at 50 unread) and
    # however many wrote them.
    lines: dict[int, list[Message]] = {}
    for message in selectors.receipts_of(message_ids=[message_id for message_id, _sender_id in wanted]):
        if (message.pk, message.sender_id) in wanted:
            lines.setdefault(message.sender_id, []).append(message)

    def push() -> None:
        push_built(
            senders,
            lambda reader: "".join(
                _render("receipt_oob", {"message": message}, reader) for message in lines.get(reader.pk, [])
            ),
        )

    return push


def closed(*, conversation_id: int) -> None:
    """Tell the conversation's readers' open pages it is closed or open (as it is now)."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return
    readers = list(policies.readers_of_conversation(conversation))
    push_built(readers, lambda reader: closed_html(conversation=conversation, reader=reader))


def typing_announce(*, user: User, conversation_id: int) -> None:
    """Show the other readers that `user` is writing (Http404 unless `user` may read the
    conversation; ignored when it is closed). Not a write: pushed at once, lost if the push fails."""
    conversation = policies.access_conversation(user=user, conversation_id=conversation_id)
    if conversation.is_closed:
        return
    readers = list(policies.readers_of_conversation(conversation))
    if not any(reader.pk == user.pk for reader in readers):
        return
    others = [reader for reader in readers if reader.pk != user.pk]
    try:
        push_built(others, lambda reader: typing_html(conversation_id=conversation.pk, typist=user, reader=reader))
    except Exception:
        log.exception("Typing push failed; it is only a hint.")


def catch_up(*, user: User, conversation_id: int, after_id: int | None) -> str:
    """The fragments a reconnecting page missed (Http404 for conversations the user cannot see)."""
    conversation = policies.access_conversation(user=user, conversation_id=conversation_id)
    return catch_up_html(conversation=conversation, reader=user, after_id=after_id)
