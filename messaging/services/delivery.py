"""What a committed message leads to, as outbox effects: their names, and the writes they make.

A write records its effects with `hub.outbox.record(...)` in its own transaction (messages,
conversations, safeguarding); `messaging.effects` registers the handlers, which call the
functions here (writes: notifications, translation requests) or `messaging.live` (pushes).
Each function takes ids, reads the state as it is now, and addresses only the people who may
read the conversation at this moment (`policies.readers_of_conversation`), never a list kept
when the write happened: rights withdrawn a second ago mean nothing new arrives.

A handler runs inside the transaction that marks its outbox entry done, so what these functions
write (a notification, the next entries) is written exactly once, even when a worker dies and
the entry runs again.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub import outbox
from messaging import policies, selectors
from messaging.models import Message, Participant
from messaging.services import notify_bridge
from messaging.translation.languages import normalise

log = logging.getLogger(__name__)

# Effect names (handlers in messaging.effects, each on its queue).
MESSAGE_SENT = "messaging.message.sent"  # realtime: the translation request, the push, readers' notifications
MESSAGE_PUSH = "messaging.message.push"  # realtime: the message appended on open pages
MESSAGE_REPLACED = "messaging.message.replaced"  # realtime: re-rendered in place (retracted, translated)
MESSAGE_TRANSLATE = "messaging.message.translate"  # translation: every language wanted, decided when it runs
MESSAGE_NOTIFY = "messaging.message.notify"  # realtime: one reader's notification, when it failed with the others
RECEIPTS_PUSH = "messaging.conversation.receipts"  # realtime: "read by" lines to senders
CLOSED_PUSH = "messaging.conversation.closed"  # realtime: closed / reopened on open pages
SAFEGUARDING_ALERT = "messaging.safeguarding.alert"  # safeguarding: the DSLs' notifications


def message_announce(message: Message) -> None:
    """Record what a message just sent leads to. Inside the sending transaction: a rolled-back send
    records (and so announces) nothing."""
    outbox.record(MESSAGE_SENT, target=message)


def translation_request(message: Message) -> None:
    """Record that `message` is wanted in other languages (once per message): which ones is decided
    when the job runs (`languages_wanted`)."""
    outbox.record(MESSAGE_TRANSLATE, target=message)


def languages_wanted(*, message_id: int) -> list[str]:
    """The languages `message` is to be translated into, as things are now: each language its
    readers read, and its school's when the safeguarding scan needs it
    (`safeguarding.scan_language`, added by the handler)."""
    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    written_in = normalise(message.language) if message is not None else ""
    if not written_in or message.status != Message.Status.SENT:
        return []
    readers = policies.readers_of_conversation(message.conversation).values_list("preferred_language", flat=True)
    return sorted({normalise(code) for code in readers} - {written_in, ""})


def message_replaced(message: Message, *, reason: str, language: str = "") -> None:
    """Record that `message` is to be re-rendered on open pages (`reason`: "retracted", or
    "translated" with the `language` whose readers get it)."""
    outbox.record(
        MESSAGE_REPLACED,
        target=message,
        key=f"{reason}:{language}" if language else reason,
        payload={"language": language},
    )


def message_deliver(*, message_id: int) -> None:
    """What a sent message leads to, for its readers as they are now: the translation request, the
    push to open pages, and a "new message" notification for each reader but the sender.

    Recorded in this order, so where entries run in-process (the demo) translations are stored
    before the push. The notifications are written here, in the transaction that marks the
    entry done: each reader gets one per message, even when the entry runs again. One reader's
    failure costs the others nothing: theirs is recorded as an entry of its own, retried later."""
    message = selectors.message_for_readers(message_id=message_id)
    if message is None or message.status != Message.Status.SENT:
        return
    if message.language:
        translation_request(message)
    outbox.record(MESSAGE_PUSH, target=message)
    muted = _muted_user_ids(message)
    for reader in policies.readers_of_conversation(message.conversation):
        if reader.pk == message.sender_id or reader.pk in muted:
            continue
        try:
            # notify() is atomic itself: a failure rolls back its own writes, not the others'.
            _notify(message, reader)
        except Exception:
            log.exception("Notifying user %s of message %s failed; retried on its own.", reader.pk, message_id)
            outbox.record(MESSAGE_NOTIFY, target=message, key=f"user:{reader.pk}", payload={"user": reader.pk})


def message_notify(*, message_id: int, user_id: int) -> None:
    """Notify one reader of a message (a retry after their notification failed), if they still read
    the conversation. Raises when it fails again: the outbox tries later."""
    message = selectors.message_for_readers(message_id=message_id)
    if message is None or message.status != Message.Status.SENT:
        return
    reader = policies.readers_of_conversation(message.conversation).filter(pk=user_id).first()
    if reader is not None and reader.pk not in _muted_user_ids(message):
        _notify(message, reader)


def _muted_user_ids(message: Message) -> set[int]:
    """Who muted the conversation: they get no notification for its messages (one query). The
    conversation still counts as unread in their inbox; safeguarding alerts and urgent school
    alerts are notified elsewhere and never muted."""
    return set(
        Participant.objects.filter(conversation_id=message.conversation_id, muted_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )


def _notify(message: Message, reader) -> None:
    conversation = message.conversation
    # Lazy, so the notification reads in the recipient's language (notify evaluates it there).
    title = lazy(
        lambda: (
            _("New message from %(sender)s: %(subject)s") % {"sender": message.sender, "subject": conversation.subject}
        ),
        str,
    )()
    try:
        notify_bridge.notify(
            user=reader,
            kind="message",
            title=title,
            url=reverse("messaging:thread", args=[conversation.pk]),
            pupil=conversation.pupil,
            target=conversation,
            # While the thread is unread, its new messages fold into this one notification.
            repeat_title=lambda count: (
                ngettext(
                    "%(count)d new message from %(sender)s: %(subject)s",
                    "%(count)d new messages from %(sender)s: %(subject)s",
                    count,
                )
                % {"count": count, "sender": message.sender, "subject": conversation.subject}
            ),
        )
    except PermissionDenied:
        # Access lost a moment ago (notify checks again): nothing to tell them.
        log.info("User %s may no longer see message %s; not notified.", reader.pk, message.pk)
