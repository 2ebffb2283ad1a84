"""What a committed message leads to, as outbox effects: their names, and the writes they make.

A write records its effects with `hub.outbox.record(...)` in its own transaction (messages,
conversations, safeguarding); `messaging.effects` registers the handlers, which call the
functions here (writes: notifications, translation requests) or `messaging.live` (pushes).
Each function takes ids, reads the state as it is now, and addresses only the people who may
read the conversation at this moment (`policies.readers_of_conversation`), never a list kept
when the write happened: rights withdrawn a second ago mean nothing new arrives.

A handler runs inside the transaction that records or marks its outbox entry, so what these
functions write (a notification, the next entries) is written exactly once, even when a worker
dies and the entry runs again. A sent message's handler runs in the send's own transaction
(`message_announce`, `outbox.run_here`): its readers are decided there, as the message is saved.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from hub import outbox
from hub.compiled_sql import reused_graph
from messaging import policies
from messaging.models import Attachment, Conversation, Message, MessagingSettings, Participant
from messaging.services import notify_bridge
from messaging.translation.cache import in_active_language, translated_texts
from messaging.translation.languages import normalise

log = logging.getLogger(__name__)

# Effect names (handlers in messaging.effects, each on its queue).
MESSAGE_SENT = "messaging.message.sent"  # realtime: readers' notifications, then the push (after commit)
MESSAGE_PUSH = "messaging.message.push"  # realtime: the message appended on open pages (entries of before)
MESSAGE_REPLACED = "messaging.message.replaced"  # realtime: re-rendered in place (retracted, translated)
MESSAGE_TRANSLATE = "messaging.message.translate"  # translation: every language wanted, decided when it runs
MESSAGE_NOTIFY = "messaging.message.notify"  # realtime: one reader's notification, when it failed with the others
RECEIPTS_PUSH = "messaging.conversation.receipts"  # realtime: "read by" lines to senders
CLOSED_PUSH = "messaging.conversation.closed"  # realtime: closed / reopened on open pages
SAFEGUARDING_ALERT = "messaging.safeguarding.alert"  # safeguarding: the DSLs' notifications


def message_announce(message: Message) -> None:
    """Deliver a message just sent: its one entry (MESSAGE_SENT) is recorded and its handler run
    now, in the sending transaction (`outbox.run_here`): the readers' notifications commit with
    the message (a rolled-back send records and announces nothing), and the push goes from this
    process once they have committed."""
    outbox.run_here(MESSAGE_SENT, target=message)


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


@dataclass
class Delivered:
    """What `message_deliver` decided, for the handler's after-commit step: the message (from
    `selectors.message_for_readers`), its readers as they were a moment ago, and who has a new
    notification (whose badge changed)."""

    message: Message
    readers: list
    notified: list[int] = field(default_factory=list)


def message_deliver(
    *, message_id: int, notify: bool = True, scan_language: Callable[..., str] = lambda **_kwargs: ""
) -> Delivered | None:
    """What a sent message leads to, for its readers as they are now, in the transaction of its one
    outbox entry (MESSAGE_SENT): the translation request (when a reader or the safeguarding scan
    needs another language: `scan_language`, the safeguarding scan's, asked only when no reader
    does), and a "new message" notification for each reader but the sender and
    those who muted the conversation, written together (`notify_many`: their emails and texts are
    one entry on the email queue). Returns what the handler pushes once this has committed (the
    message on open pages, the new badges), or None when there is nothing to deliver.

    Each reader gets one notification per message, even when the entry runs again: the writes
    commit with the entry's "written" stage, and a retry of the push passes `notify=False`. If
    the batch fails, each reader is notified on their own, and one reader's failure costs the
    others nothing: theirs is recorded as an entry of its own, retried later."""
    message = _message_for_readers(message_id)
    if message is None or message.status != Message.Status.SENT:
        return None
    readers = _readers(message.conversation)
    delivered = Delivered(message=message, readers=readers)
    if not notify:
        delivered.notified = [reader.pk for reader in readers if reader.pk != message.sender_id]
        return delivered
    subjects: dict[str, str] = {}
    if message.language and _translation_wanted(message, readers, scan_language):
        translation_request(message)
        # A reader of another language: the subject in theirs, where it is translated already.
        subjects = translated_texts(message.conversation, "subject")
    to_tell = [reader for reader in readers if reader.pk != message.sender_id and not reader.muted_conversation]
    if not to_tell:
        return delivered
    try:
        # notify_many is atomic itself: a failure rolls back its own writes, nothing else.
        # Its readers a moment ago, in this transaction: the audience of the conversation.
        written = notify_bridge.notify_many(
            users=to_tell, push_badges=False, audience_checked=True, **_notification_of(message, subjects)
        )
    except Exception:
        log.exception("Notifying the readers of message %s together failed; one by one instead.", message_id)
        for reader in to_tell:
            try:
                _notify(message, reader)
            except Exception:
                log.exception("Notifying user %s of message %s failed; retried on its own.", reader.pk, message_id)
                outbox.record(MESSAGE_NOTIFY, target=message, key=f"user:{reader.pk}", payload={"user": reader.pk})
    else:
        delivered.notified = [notification.user_id for notification in written or [] if notification.count == 1]
    return delivered


def message_to_push(*, message_id: int) -> Delivered | None:
    """A sent message and its readers now, for a push that is not its first (a retry, a
    retraction, a translation arriving): what `message_deliver` reads, without notifying anyone.
    Two queries, their SQL compiled once per process; None when it is not (or no longer) sent."""
    message = _message_for_readers(message_id)
    if message is None or message.status != Message.Status.SENT:
        return None
    return Delivered(message=message, readers=_readers(message.conversation))


def _translation_wanted(message: Message, readers, scan_language: Callable[..., str]) -> bool:
    """Whether a reader reads another language than the message's, or the safeguarding scan needs
    its school's: otherwise no translation entry is recorded at all (which languages is decided
    again when the entry runs)."""
    written_in = normalise(message.language)
    if {normalise(reader.preferred_language) for reader in readers} - {written_in, ""}:
        return True
    return bool(scan_language(message_id=message.pk, message=message))


def message_notify(*, message_id: int, user_id: int) -> None:
    """Notify one reader of a message (a retry after their notification failed), if they still read
    the conversation. Raises when it fails again: the outbox tries later."""
    message = _message_for_readers(message_id)
    if message is None or message.status != Message.Status.SENT:
        return
    reader = next((reader for reader in _readers(message.conversation) if reader.pk == user_id), None)
    if reader is not None and not reader.muted_conversation:
        _notify(message, reader)


def _message_for_readers(message_id: int) -> Message | None:
    """`selectors.message_for_readers`, the same query and the same instances (its sender,
    conversation, pupil and school cached, `retract_window_minutes` and `has_attachments` set),
    its SQL compiled once per process (`hub.compiled_sql`): the ORM built it anew for
    every message delivered. Read from current rows at every call."""

    def build(message_id: int):
        window = MessagingSettings.objects.filter(school_id=OuterRef("conversation__school_id")).values(
            "retract_window_minutes"
        )[:1]
        return Message.objects.filter(pk=message_id).annotate(
            retract_window_minutes=Subquery(window),
            has_attachments=Exists(Attachment.objects.filter(message=OuterRef("pk"))),
        )

    found = reused_graph(
        Message,
        message_id,
        shape=("delivery.message_for_readers",),
        build=build,
        related=("sender", "conversation", "conversation__pupil", "conversation__school"),
        annotations=("retract_window_minutes", "has_attachments"),
    )
    return found[0] if found else None


def _readers(conversation: Conversation) -> list:
    """`policies.readers_of_conversation(conversation)`, decided from current rows at every call,
    the users' query compiled once per process around the rules' (which already are). Each reader
    says whether they muted the conversation (`muted_conversation`), in the same query: a muted
    reader gets no notification of its messages (`message_deliver`, `message_notify`). The
    conversation still counts as unread in their inbox; safeguarding alerts and urgent school
    alerts are notified elsewhere and never muted."""
    kind, about_a_pupil = conversation.kind, conversation.pupil_id is not None

    def build(conversation_id: int, school_id: int, pupil_id: int | None = None):
        stand_in = Conversation(pk=conversation_id, school_id=school_id, pupil_id=pupil_id, kind=kind)
        muted = Participant.objects.filter(
            conversation_id=conversation_id, user_id=OuterRef("pk"), muted_at__isnull=False
        )
        return policies.readers_of_conversation(stand_in).annotate(muted_conversation=Exists(muted))

    ids = [conversation.pk, conversation.school_id] + ([conversation.pupil_id] if about_a_pupil else [])
    return reused_graph(
        User,
        *ids,
        shape=("delivery.readers", kind, about_a_pupil),
        build=build,
        annotations=("muted_conversation",),
    )


# Made lazy once: `lazy()` builds a proxy class at every call (0.08-0.1 ms of CPU on every message
# when it was called here for each one); calling the lazy function only makes an instance.
_new_message_title = lazy(
    lambda sender, subject: _("New message from %(sender)s: %(subject)s") % {"sender": sender, "subject": subject},
    str,
)


def _notification_of(message: Message, subjects: dict[str, str] | None = None) -> dict:
    """The "new message" notification's fields, the same for every reader of `message`; the
    subject in each reader's language where `subjects` (by language) has it."""
    conversation = message.conversation
    subject = in_active_language(subjects, conversation.subject) if subjects else conversation.subject
    # Lazy, so the notification reads in the recipient's language (notify evaluates it there).
    title = _new_message_title(message.sender, subject)
    return {
        "kind": "message",
        "title": title,
        "url": reverse("messaging:thread", args=[conversation.pk]),
        "pupil": conversation.pupil,
        "target": conversation,
        # While the thread is unread, its new messages fold into this one notification.
        "repeat_title": lambda count: (
            ngettext(
                "%(count)d new message from %(sender)s: %(subject)s",
                "%(count)d new messages from %(sender)s: %(subject)s",
                count,
            )
            % {"count": count, "sender": message.sender, "subject": subject}
        ),
    }


def _notify(message: Message, reader) -> None:
    try:
        notify_bridge.notify(user=reader, **_notification_of(message))
    except PermissionDenied:
        # Access lost a moment ago (notify checks again): nothing to tell them.
        log.info("User %s may no longer see message %s; not notified.", reader.pk, message.pk)
