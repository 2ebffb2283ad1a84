"""Writing, scheduling, retracting and reading messages.

A message is saved (encrypted) before anyone is told about it. What it leads to (pushes,
notifications, emails, texts, translations, a safeguarding alert) is recorded as outbox entries
in the same transaction (`messaging.services.delivery`, `hub.outbox`): a rolled-back send
announces nothing, and a committed one is announced even if Redis or a worker fails meanwhile.
"""

import datetime

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from hub import crypto, outbox
from hub.compiled_sql import reused_graph, reused_values
from hub.db import insert_unless_conflict, update_where
from messaging import policies, selectors
from messaging.models import Attachment, Conversation, Message, MessageRead, Participant
from messaging.notifications import services as notifications
from messaging.services import (
    AttachmentRejected,
    ConversationClosed,
    MessagingError,
    RetractWindowPassed,
    delivery,
    safeguarding,
)
from messaging.services import language as languages

MAX_BODY_CHARS = 5000
# A send time this close to now is "now" (the form's minute resolution).
SCHEDULE_SLACK = datetime.timedelta(minutes=1)
# How long before a reader's read mark a message without their receipt is still looked for
# (`_since_mark`): longer than any sending transaction takes between stamping and committing.
RECEIPT_SLACK = datetime.timedelta(minutes=2)
RECEIPT_PUSH_LIMIT = 50

DEFAULT_ATTACHMENT_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "audio/x-wav",
    "audio/aac",
    "audio/amr",
    # Browsers record voice notes as WebM (Opus); the container sniffs as video/webm.
    "video/webm",
}


# --- attachments ----------------------------------------------------------------------------


def attachment_limits() -> tuple[int, set[str]]:
    max_bytes = getattr(settings, "MESSAGING_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    allowed = set(getattr(settings, "MESSAGING_ATTACHMENT_TYPES", DEFAULT_ATTACHMENT_TYPES))
    return max_bytes, allowed


def attachment_check(upload) -> str:
    """The sniffed content type of `upload` if it is allowed; AttachmentRejected otherwise.

    The type comes from the file's first bytes, never from its name or the browser's claim.
    """
    max_bytes, allowed = attachment_limits()
    if upload.size > max_bytes:
        raise AttachmentRejected(
            _("%(name)s is too big: the largest file you can attach is %(size)s MB.")
            % {"name": upload.name, "size": max_bytes // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed:
        raise AttachmentRejected(
            _("%(name)s cannot be attached: attach a photo, a PDF, an office document or a voice recording.")
            % {"name": upload.name}
        )
    return kind.mime


def _attachments_save(message: Message, uploads: list[tuple[object, str]]) -> None:
    for upload, mime in uploads:
        attachment = Attachment(
            message=message,
            original_name=(upload.name or "attachment")[:255],
            content_type=mime,
            size=upload.size,
        )
        attachment.file.save(upload.name or "attachment", upload, save=False)
        attachment.save()


# --- sending --------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise MessagingError(_("Write your message."))
    if len(body) > MAX_BODY_CHARS:
        raise MessagingError(_("Keep your message under %(count)s characters.") % {"count": MAX_BODY_CHARS})
    return body


@transaction.atomic
def message_send(
    *,
    sender: User,
    conversation: Conversation,
    body: str,
    send_at: datetime.datetime | None = None,
    template_key: str = "",
    attachments=(),
    language: str = "",
    client_key: str = "",
) -> Message:
    """Save a message and deliver it (or keep it for `send_at`, when that is in the future).

    `client_key` is the composer's idempotency key: when `sender` already sent a message with it
    (a double submit, or a retry after a lost response), that message is returned and nothing
    new is saved or announced.

    `conversation` comes from `policies.access_conversation(user=sender, ...)`: the caller (the
    view, the socket consumer, `conversation_start`) decided that `sender` takes part, as the
    access contract says; this checks only the conversation's state. Refuses (ConversationClosed)
    a closed conversation, and (MessagingError, AttachmentRejected) an empty or too-long body or
    an unacceptable file; nothing is saved when it refuses.
    """
    client_key = (client_key or "")[:64]
    if conversation.is_closed:
        if client_key and (earlier := _sent_with_key(sender=sender, client_key=client_key)) is not None:
            return earlier  # it went before the conversation closed
        raise ConversationClosed(_("This conversation is closed."))
    body = _clean_body(body)
    checked = [(upload, attachment_check(upload)) for upload in attachments]
    now = timezone.now()
    scheduled = send_at is not None and send_at > now + SCHEDULE_SLACK
    fields = dict(
        conversation=conversation,
        sender=sender,
        body=body,
        language=languages.base(language) or languages.detect(body, fallback=sender.preferred_language),
        status=Message.Status.SCHEDULED if scheduled else Message.Status.SENT,
        send_at=send_at if scheduled else None,
        sent_at=None if scheduled else now,
        template_key=template_key[:50],
        client_key=client_key,
        created_at=now,
    )
    if client_key:
        # The key is unique per sender (a constraint): a second copy of the form, posted at the
        # same moment, waits here for the first to commit, then inserts nothing and returns what
        # the first saved. A copy posted later inserts nothing at once. Nothing else is looked up
        # or locked on the way, and no savepoint is needed (one INSERT … ON CONFLICT DO NOTHING).
        message = Message(**fields)
        if not insert_unless_conflict(message):
            earlier = _sent_with_key(sender=sender, client_key=client_key)
            if earlier is None:
                raise IntegrityError(f"message key {client_key!r} of user {sender.pk} is taken, yet no message has it")
            return earlier
    else:
        message = Message.objects.create(**fields)
    _attachments_save(message, checked)
    audit.record(
        actor=sender,
        action="message.scheduled" if scheduled else "message.sent",
        target=message,
        school=conversation.school_id,
        conversation_id=conversation.pk,
        attachments=len(checked),
        language=message.language,
        # The original words, as written, encrypted like the message itself (hub.crypto).
        original=crypto.encrypt(body),
    )
    if not scheduled:
        _deliver(message, at=now)
    return message


def message_already_sent(*, sender: User, client_key: str) -> Message | None:
    """The message `sender` already saved under `client_key`, if any.

    Called inside the sending transaction: the sender's row is locked first, so two copies of one
    form posted at the same moment are taken one after the other and the second finds the first.
    """
    if not client_key:
        return None
    User.objects.select_for_update().filter(pk=sender.pk).values_list("pk", flat=True).first()
    return _sent_with_key(sender=sender, client_key=client_key)


def _sent_with_key(*, sender: User, client_key: str) -> Message | None:
    return Message.objects.filter(sender=sender, client_key=client_key[:64]).select_related("conversation").first()


def _deliver(message: Message, *, at: datetime.datetime) -> None:
    """Mark `message` sent and deliver it (`delivery.message_announce`): its readers' notifications
    and translation request written in this, the sending transaction; its push after the commit."""
    if message.status != Message.Status.SENT or message.sent_at != at:
        # A message sent now is created this way; a scheduled one is marked here.
        message.status = Message.Status.SENT
        message.sent_at = at
        message.save(update_fields=["status", "sent_at"])
    # One single-row update on every send, its SQL written once per process. The sender's read
    # mark is left where their reading put it: a reply means they read what their page showed
    # (which marked it read), not what arrived since, and a scheduled message going out must not
    # mark read what came in while it waited.
    update_where(Conversation, where={"id": message.conversation_id}, values={"last_message_at": at})
    safeguarding.message_scan(message=message)
    delivery.message_announce(message)


def translation_ready(*, message_id: int, language: str) -> None:
    """Called by the translation job when a translation is stored (inside its transaction): refresh
    it on open pages of the readers of that language (who they are is decided when the push goes)."""
    message = Message.objects.filter(pk=message_id).only("pk").first()
    if message is not None:
        with transaction.atomic():
            delivery.message_replaced(message, reason="translated", language=language)


# --- retracting -----------------------------------------------------------------------------


def retract_window(conversation: Conversation) -> datetime.timedelta:
    return selectors.retract_window(conversation.school_id)


@transaction.atomic
def message_retract(*, user: User, message: Message) -> Message:
    """The sender withdraws a sent message within the school's window; it then reads 'message retracted'.

    The row (and its encrypted body) is kept: messages are never deleted.
    """
    message = Message.objects.select_for_update().select_related("conversation__school").get(pk=message.pk)
    if not policies.can_retract_message(user=user, message=message):
        raise PermissionDenied
    if timezone.now() - message.sent_at > retract_window(message.conversation):
        raise RetractWindowPassed(_("Messages can only be retracted in the first few minutes after sending."))
    message.retracted_at = timezone.now()
    message.save(update_fields=["retracted_at"])
    audit.record(
        actor=user,
        action="message.retracted",
        target=message,
        school=message.conversation.school_id,
        conversation_id=message.conversation_id,
        sent_at=message.sent_at.isoformat(),
    )
    delivery.message_replaced(message, reason="retracted")
    return message


# --- scheduled messages ---------------------------------------------------------------------


@transaction.atomic
def message_schedule_update(*, user: User, message: Message, body: str, send_at: datetime.datetime) -> Message:
    """Change a message that has not gone yet (its text and when it goes)."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.sender_id != user.pk or message.status != Message.Status.SCHEDULED:
        raise PermissionDenied
    if send_at <= timezone.now():
        raise MessagingError(_("Choose a time in the future."))
    message.body = _clean_body(body)
    message.language = languages.detect(message.body, fallback=user.preferred_language)
    message.send_at = send_at
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "language", "send_at", "edited_at"])
    audit.record(
        actor=user,
        action="message.schedule_changed",
        target=message,
        send_at=send_at.isoformat(),
        original=crypto.encrypt(message.body),
    )
    return message


@transaction.atomic
def message_schedule_cancel(*, user: User, message: Message) -> Message:
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.sender_id != user.pk or message.status != Message.Status.SCHEDULED:
        raise PermissionDenied
    message.status = Message.Status.CANCELLED
    message.save(update_fields=["status"])
    audit.record(actor=user, action="message.schedule_cancelled", target=message)
    return message


def messages_dispatch_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Send every scheduled message whose time has come; returns how many went.

    Safe to run from several workers at once: each message is claimed by one conditional update.
    A message whose conversation was closed (or whose writer lost access) meanwhile is cancelled.
    """
    now = now or timezone.now()
    due = list(
        Message.objects.filter(status=Message.Status.SCHEDULED, send_at__lte=now)
        .order_by("send_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for message_id in due:
        sent += _dispatch_one(message_id, now=now)
    return sent


@transaction.atomic
def _dispatch_one(message_id: int, *, now: datetime.datetime) -> int:
    message = (
        Message.objects.select_for_update()
        .select_related("conversation", "sender")
        .filter(pk=message_id, status=Message.Status.SCHEDULED)
        .first()
    )
    if message is None:
        return 0
    if not policies.can_post_in(user=message.sender, conversation=message.conversation):
        message.status = Message.Status.CANCELLED
        message.save(update_fields=["status"])
        audit.record(actor=None, action="message.schedule_dropped", target=message, reason="cannot post")
        return 0
    _deliver(message, at=timezone.now())
    audit.record(actor=None, action="message.sent", target=message, scheduled_for=str(message.send_at))
    return 1


# --- reading and typing ---------------------------------------------------------------------


@transaction.atomic
def conversation_mark_read(*, user: User, conversation: Conversation, up_to: Message | None = None) -> int:
    """Record that `user` has read `up_to` (default: the newest message) and everything before it.

    Writes one receipt per newly read message from someone else and pushes the updated
    "read by" line to the senders. The reader's notifications about the conversation are marked
    read with it (their badge updates on open pages): what they have read no longer waits for them.
    Returns how many messages were newly read.

    The read mark moves only here, with the receipts up to it: the newly read are looked for from
    the mark on (`_since_mark`), so a read costs the same however long the thread.
    """
    # The reader's read mark, with its message's time (compared below without loading it): its
    # SQL compiled once per process, as every thread page asks.
    found = reused_values(
        conversation.pk,
        user.pk,
        shape=("message.read_mark",),
        build=lambda conversation_id, user_id: (
            Participant.objects.filter(conversation_id=conversation_id, user_id=user_id, left_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "last_read_message_id", "last_read_message__sent_at")[:1]
        ),
    )
    if not found:
        raise PermissionDenied
    participant_id, last_read_message_id, last_read_sent_at = found[0]
    sent = selectors.sent_messages(conversation)
    if up_to is None:
        up_to = sent.order_by("-sent_at", "-pk").only("pk", "sent_at", "conversation_id", "status").first()
    if up_to is None or up_to.conversation_id != conversation.pk or up_to.status != Message.Status.SENT:
        return 0
    # Looked for from the read mark as it was (less RECEIPT_SLACK), before it moves.
    unread = _unread_up_to(
        conversation_id=conversation.pk, user_id=user.pk, up_to=up_to, mark_id=last_read_message_id or 0
    )
    if last_read_sent_at is None or (last_read_sent_at, last_read_message_id) < (up_to.sent_at, up_to.pk):
        update_where(Participant, where={"id": participant_id}, values={"last_read_message_id": up_to.pk})
    if not unread:
        return 0
    # Only when something new was read, so a read with nothing new stays free. The reader's new
    # badge goes with the receipts, below.
    marked = notifications.notifications_mark_read_about(user=user, target=conversation, push_badge=False)
    now = timezone.now()
    if len(unread) == 1:
        # The usual read, one new message: one INSERT written once per process (the ORM built
        # bulk_create's anew each time); a read someone else's tab already recorded is kept.
        insert_unless_conflict(MessageRead(message_id=unread[0][0], user=user, read_at=now))
    else:
        MessageRead.objects.bulk_create(
            [MessageRead(message_id=pk, user=user, read_at=now) for pk, _sender in unread], ignore_conflicts=True
        )
    pushes = unread[-RECEIPT_PUSH_LIMIT:]
    # Its handler runs here, in this transaction (it only reads: to whom, which lines), and the
    # push goes from this process once the receipts have committed: no worker's transaction,
    # claim or broker hop on every read. The reader's badge, when notifications were marked read,
    # goes in the same push (one trip to Redis), and is retried with it.
    payload: dict = {"pushes": [list(push) for push in pushes]}
    if marked:
        payload["badge"] = [user.pk, user.preferred_language]
    outbox.run_here(delivery.RECEIPTS_PUSH, target=conversation, key=f"read:{user.pk}:{up_to.pk}", payload=payload)
    return len(unread)


def _since_mark(mark_sent_at) -> ExpressionWrapper:
    """Where a look for messages without the reader's receipt starts: their read mark's time
    (`mark_sent_at`, an expression; the beginning when they have none) less RECEIPT_SLACK.

    Every message from others up to the mark got its receipt when the mark moved there
    (`conversation_mark_read` writes them together), so older ones need not be looked at: a read
    then costs the same in a thread of ten messages or ten thousand (it read them all, each
    compared with its receipts, before). The slack covers a message whose sending transaction
    took its time before the mark but committed after the mark moved."""
    return ExpressionWrapper(
        Coalesce(mark_sent_at, Value(selectors.EPOCH)) - Value(RECEIPT_SLACK), output_field=DateTimeField()
    )


def _unread_up_to(*, conversation_id: int, user_id: int, up_to: Message, mark_id: int) -> list[tuple[int, int]]:
    """(id, sender id) of the sent messages from others in the conversation, up to and including
    `up_to` (in the thread's order: sent_at, then id), that `user_id` has no receipt for, oldest
    first, looked for from their read mark `mark_id` on (0: none; see `_since_mark`). Its SQL is
    compiled once per process (asked at each read)."""

    def build(conversation_id: int, user_id: int, up_to_id: int, mark_id: int):
        up_to_sent_at = Subquery(Message.objects.filter(pk=up_to_id).values("sent_at")[:1])
        mark_sent_at = Subquery(Message.objects.filter(pk=mark_id).values("sent_at")[:1])
        return (
            Message.objects.filter(conversation_id=conversation_id, status=Message.Status.SENT)
            .filter(sent_at__gt=_since_mark(mark_sent_at))
            .exclude(sender_id=user_id)
            # One range of the (conversation, sent_at) index; a message sent at the same
            # moment as `up_to_id` but after it is left out below. (Written as one range, the
            # planner expects the few rows it finds, and looks each one's receipt up.)
            .filter(sent_at__lte=up_to_sent_at)
            .exclude(reads__user_id=user_id)
            .order_by("sent_at", "pk")
            .values_list("pk", "sender_id", "sent_at")
        )

    rows = reused_values(conversation_id, user_id, up_to.pk, mark_id, shape=("message.unread_up_to",), build=build)
    return [
        (message_id, sender_id)
        for message_id, sender_id, sent_at in rows
        if sent_at < up_to.sent_at or message_id <= up_to.pk
    ]


def message_mark_read(*, user: User, message_id: int) -> int:
    """A live "I have seen this message" from an open page; Http404 for messages the user cannot see.

    Every open tab says this after each live fragment (someone typing, a receipt, its own message):
    when nothing up to `message_id` is new to `user`, that is found in one query and nothing is
    written.
    """
    message = _message_if_anything_new(user=user, message_id=message_id)
    if message is None:
        return 0
    # Its conversation came with it (the look-up above selects both, one query).
    return conversation_mark_read(user=user, conversation=message.conversation, up_to=message)


def _message_if_anything_new(*, user: User, message_id: int) -> Message | None:
    """The sent message `message_id`, with its conversation, when a sent message from someone
    else, up to it in its conversation, has no receipt from `user` yet; None when nothing is new.
    One query (its SQL compiled once per process: every open tab asks after each live fragment).
    Http404 when `user` may not see that message."""

    def build(message_id: int, user_id: int):
        mark_sent_at = Subquery(
            Participant.objects.filter(conversation_id=OuterRef(OuterRef("conversation_id")), user_id=user_id)
            .order_by("pk")
            .values("last_read_message__sent_at")[:1]
        )
        unread = (
            Message.objects.filter(conversation_id=OuterRef("conversation_id"), status=Message.Status.SENT)
            .filter(sent_at__gt=_since_mark(mark_sent_at))
            .exclude(sender_id=user_id)
            # One range of the (conversation, sent_at) index, from the reader's mark: a message
            # sent at the very moment of `message_id` but after it counts here too, and
            # `conversation_mark_read` then finds it is not theirs to read yet.
            .filter(sent_at__lte=OuterRef("sent_at"))
            .filter(~Exists(MessageRead.objects.filter(message_id=OuterRef("pk"), user_id=user_id)))
        )
        return Message.objects.filter(
            pk=message_id,
            status=Message.Status.SENT,
            conversation__in=policies.conversations_visible_to(User(pk=user_id)),
        ).annotate(anything_new=Exists(unread))

    found = reused_graph(
        Message,
        message_id,
        user.pk,
        shape=("message.anything_new",),
        build=build,
        related=("conversation",),
        annotations=("anything_new",),
    )
    if not found:
        raise Http404
    return found[0] if found[0].anything_new else None
