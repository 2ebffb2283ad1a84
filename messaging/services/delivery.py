"""Carrying out what a committed write announces: live pushes, notifications, typing, receipts.

Each function takes ids, reads the state as it is now, and addresses only the people who may
read the conversation at this moment (`policies.readers_of_conversation`), never a list kept
when the write happened: rights withdrawn a second ago mean nothing new arrives. They are called
from `transaction.on_commit` today and can be called as they are from an outbox handler.

None of them raises. The write they announce already succeeded, so a failed push or one
recipient's failed notification is logged, and never becomes an error page for the sender;
open pages catch up from the database when they reconnect.
"""

import functools
import logging
from collections.abc import Callable

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from messaging import policies, selectors
from messaging.models import Conversation, Message
from messaging.services import fragments, notify_bridge
from messaging.services import language as languages

log = logging.getLogger(__name__)


def _never_raises(deliver: Callable) -> Callable:
    @functools.wraps(deliver)
    def wrapper(**ids) -> None:
        try:
            deliver(**ids)
        except Exception:
            log.exception("%s(%s) failed after commit; the write stands.", deliver.__name__, ids)

    return wrapper


@_never_raises
def message_deliver(*, message_id: int) -> None:
    """Translate, push and notify a sent message: a fixed number of queries for the message and its
    readers, plus what each notification costs (messaging.notifications)."""
    message = selectors.message_for_readers(message_id=message_id)
    if message is None or message.status != Message.Status.SENT:
        return
    conversation = message.conversation
    readers = list(policies.readers_of_conversation(conversation))
    # Translations first: where jobs run in-process they are ready before the push renders.
    for language in sorted({languages.base(reader.preferred_language) for reader in readers} - {message.language}):
        if language and message.language:
            languages.queue_translation(message.pk, language)
    fragments.push_message(message=message, readers=readers, partial="message_appended")
    url = reverse("messaging:thread", args=[conversation.pk])
    # Lazy, so each recipient's notification reads in their own language (notify evaluates it there).
    title = lazy(
        lambda: (
            _("New message from %(sender)s: %(subject)s") % {"sender": message.sender, "subject": conversation.subject}
        ),
        str,
    )()
    for reader in readers:
        if reader.pk == message.sender_id:
            continue
        try:
            notify_bridge.notify(
                user=reader, kind="message", title=title, url=url, pupil=conversation.pupil, target=conversation
            )
        except Exception:
            # One recipient's failure (say, access lost a moment ago) must not cost the others theirs.
            log.exception("Notifying user %s of message %s failed.", reader.pk, message_id)


@_never_raises
def message_replaced_deliver(*, message_id: int, language: str = "") -> None:
    """Re-render a message in place on its readers' open pages (a retraction, or a translation into
    `language` arriving: then only the readers who read that language, not the sender)."""
    message = selectors.message_for_readers(message_id=message_id)
    if message is None or message.status != Message.Status.SENT:
        return
    readers = list(policies.readers_of_conversation(message.conversation))
    if language:
        language = languages.base(language)
        readers = [
            reader
            for reader in readers
            if languages.base(reader.preferred_language) == language and reader.pk != message.sender_id
        ]
    if readers:
        fragments.push_message(message=message, readers=readers, partial="message_oob")


@_never_raises
def typing_deliver(*, conversation_id: int, typist_id: int) -> None:
    """Show the conversation's other readers that the typist is writing (if the typist still is one)."""
    conversation = Conversation.objects.filter(pk=conversation_id, closed_at__isnull=True).first()
    if conversation is None:
        return
    readers = list(policies.readers_of_conversation(conversation))
    typist = next((reader for reader in readers if reader.pk == typist_id), None)
    if typist is None:
        return
    others = [reader for reader in readers if reader.pk != typist_id]
    fragments.push_built(
        others, lambda reader: fragments.typing_html(conversation_id=conversation_id, typist=typist, reader=reader)
    )


@_never_raises
def receipts_deliver(*, conversation_id: int, pushes: list[tuple[int, int]]) -> None:
    """Push the updated "read by" line of each (message id, sender id) to its sender, if they still
    read the conversation."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return
    by_sender: dict[int, list[int]] = {}
    for message_id, sender_id in pushes:
        by_sender.setdefault(sender_id, []).append(message_id)
    senders = list(policies.readers_of_conversation(conversation).filter(pk__in=by_sender))
    fragments.push_built(
        senders,
        lambda reader: "".join(
            fragments.receipt_html(message_id=pk, reader=reader) for pk in by_sender.get(reader.pk, [])
        ),
    )


@_never_raises
def closed_deliver(*, conversation_id: int) -> None:
    """Tell the conversation's readers' open pages it was closed or reopened."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return
    readers = list(policies.readers_of_conversation(conversation))
    fragments.push_built(readers, lambda reader: fragments.closed_html(conversation=conversation, reader=reader))
