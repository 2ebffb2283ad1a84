"""Reads for messaging pages and live fragments, always filtered through messaging.policies."""

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policies as people
from accounts.models import ClassGroup, Guardianship, Membership, Pupil, School, User
from hub.compiled_sql import padded, reused_count, reused_objects, reused_values
from hub.crypto import decrypt
from messaging import policies
from messaging.models import (
    Attachment,
    Conversation,
    Message,
    MessageRead,
    MessagingSettings,
    Participant,
    SafeguardingAlert,
    StoredTranslation,
)
from messaging.translation.languages import language_name, normalise

THREAD_PAGE_SIZE = 50
CATCH_UP_LIMIT = 200
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _translations(field: str, language: str | None = None) -> QuerySet[StoredTranslation]:
    queryset = StoredTranslation.objects.filter(field=field)
    return queryset if language is None else queryset.filter(language=language)


def inbox_for(
    user: User,
    *,
    query: str = "",
    pupil_id: int | None = None,
    unread_only: bool = False,
    needs_reply: bool = False,
    subject_translations: bool = True,
) -> QuerySet[Conversation]:
    """The user's conversations, newest activity first, with `unread` (messages from others not yet
    read), `my_muted_at` (when the user muted it) and the subject's translation into the user's
    language (`reader_subject_translations`, see `subject_as_seen`; without
    `subject_translations`, `attach_previews(with_subjects=True)` reads them with the previews').

    Narrowed by `query` (in the subject or the pupil's name, any case: message bodies are encrypted,
    so SQL cannot search them), `pupil_id`, `unread_only` and `needs_reply` (the newest sent message
    is someone else's). Filters are subqueries: the query count does not grow with the inbox."""
    conversations = _inbox_conversations(
        user, query=query, pupil_id=pupil_id, unread_only=unread_only, needs_reply=needs_reply
    )
    translations = (
        [
            Prefetch(
                "translations",
                queryset=_translations("subject", normalise(user.preferred_language)),
                to_attr="reader_subject_translations",
            )
        ]
        if subject_translations
        else []
    )
    return conversations.prefetch_related(
        Prefetch(
            "participants",
            # A card names each person (`str(user)`): their other columns are not read.
            queryset=Participant.objects.filter(left_at__isnull=True)
            .select_related("user")
            .only("conversation_id", "user_id", "joined_at", "user__display_name", "user__email")
            .order_by("joined_at", "pk"),
            to_attr="people",
        ),
        *translations,
    )


def _inbox_conversations(
    user: User, *, query: str, pupil_id: int | None, unread_only: bool, needs_reply: bool
) -> QuerySet[Conversation]:
    """`inbox_for`'s conversations with their `unread`, `my_muted_at` and pupil, filtered and in
    order (newest activity first), without the prefetches."""
    mine = Participant.objects.filter(conversation=OuterRef("pk"), user=user)
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), status=Message.Status.SENT)
        .exclude(sender=user)
        .filter(sent_at__gt=OuterRef("my_last_read_at"))
        .order_by()
        .values("conversation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    conversations = (
        policies.conversations_visible_to(user)
        .select_related("pupil")
        .annotate(my_last_read_at=Coalesce(Subquery(mine.values("last_read_message__sent_at")[:1]), Value(EPOCH)))
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
        .annotate(my_muted_at=Subquery(mine.values("muted_at")[:1]))
    )
    if query:
        # The full name too, so "Ada Lovelace" finds Ada's conversations.
        conversations = conversations.annotate(
            pupil_full_name=Concat("pupil__first_name", Value(" "), "pupil__last_name")
        ).filter(
            Q(subject__icontains=query)
            | Q(pupil_full_name__icontains=query)
            | Q(pupil__preferred_name__icontains=query)
        )
    if pupil_id is not None:
        conversations = conversations.filter(pupil_id=pupil_id)
    if unread_only:
        conversations = conversations.filter(unread__gt=0)
    if needs_reply:
        last_sender = (
            Message.objects.filter(conversation=OuterRef("pk"), status=Message.Status.SENT)
            .order_by("-sent_at", "-pk")
            .values("sender")[:1]
        )
        conversations = (
            conversations.annotate(last_sender=Subquery(last_sender))
            .filter(last_sender__isnull=False)
            .exclude(last_sender=user.pk)
        )
    # The id last: conversations started and last written in at the same moment keep one order,
    # so no page repeats or skips one.
    return conversations.order_by(F("last_message_at").desc(nulls_last=True), "-created_at", "-pk")


@dataclass(frozen=True)
class SubjectSeen:
    """A conversation's subject as one reader sees it: in their language when a machine
    translation is stored (`translated_from` names the original's language), the original kept."""

    original: str
    shown: str
    translated_from: str = ""
    written_in: str = ""


def subject_as_seen(conversation: Conversation, translations: list[StoredTranslation] | None = None) -> SubjectSeen:
    """`conversation`'s subject for the reader whose language's stored translations of it are
    `translations` (default: the `reader_subject_translations` that `inbox_for` prefetches).
    Without a usable translation (none yet, none possible, or the reader's own language) the
    subject is shown as written."""
    if translations is None:
        translations = getattr(conversation, "reader_subject_translations", [])
    for translation in translations:
        if translation.body:
            return SubjectSeen(
                original=conversation.subject,
                shown=translation.body,
                translated_from=language_name(translation.source_language, in_sentence=True),
                written_in=translation.source_language,
            )
    return SubjectSeen(original=conversation.subject, shown=conversation.subject)


class ThreadEntry:
    """One message of a thread page as read from its rows: what its kept fragment's key needs
    (the body still encrypted), and the whole message, described for the reader, only when
    asked for (`message`: a fragment not kept, or one that may still be retracted)."""

    __slots__ = (
        "row",
        "conversation_id",
        "sender",
        "attachments",
        "translation",
        "receipts",
        "reader",
        "retract_after",
        "is_own",
        "can_retract",
        "_message",
    )

    def __init__(self, row, *, conversation_id, sender, attachments, translation, receipts, reader, retract_after):
        self.row = row  # (id, sender id, sent_at, retracted_at, language, body as stored)
        self.conversation_id = conversation_id
        self.sender = sender
        self.attachments = attachments  # [(id, content type, original name, size)]
        self.translation = translation  # (body as stored, checked_at) in the reader's language, or None
        self.receipts = receipts  # [(reader, read_at)]: others' reads of the reader's own message
        self.reader = reader
        self.retract_after = retract_after
        # As `describe_for_reader` decides them (asked of every entry: worked out once).
        self.is_own = row[1] == reader.pk
        sent_at, retracted_at = row[2], row[3]
        self.can_retract = bool(
            self.is_own and retracted_at is None and sent_at is not None and sent_at > retract_after
        )
        self._message = None

    @property
    def pk(self) -> int:
        return self.row[0]

    @property
    def sender_id(self) -> int:
        return self.row[1]

    def shown(self) -> tuple:
        """What the message partial shows of it, besides the viewer and how they name its sender:
        its encrypted words stand for the words (a new body or translation is a new token)."""
        pk, _sender_id, sent_at, retracted_at, language, body = self.row
        return (
            pk,
            self.is_own,
            sent_at.isoformat() if sent_at else "",
            retracted_at is not None,
            body,
            language,
            None if self.translation is None else (self.translation[0], self.translation[1] is not None),
            tuple(self.attachments),
            tuple((str(user), read_at.isoformat()) for user, read_at in self.receipts),
        )

    @property
    def message(self) -> Message:
        """The message with its sender, files, translation and receipts, described for the reader
        (`describe_for_reader`): built from the rows already read, without a query."""
        if self._message is None:
            pk, sender_id, sent_at, retracted_at, language, body = self.row
            message = Message(
                id=pk,
                conversation_id=self.conversation_id,
                sender=self.sender,
                body=decrypt(body) if body else body,
                language=language,
                status=Message.Status.SENT,
                sent_at=sent_at,
                retracted_at=retracted_at,
            )
            files = message.attachments.all()
            files._result_cache = [
                Attachment(id=file_id, message=message, content_type=kind, original_name=name, size=size)
                for file_id, kind, name, size in self.attachments
            ]
            files._prefetch_done = True
            message._prefetched_objects_cache = {"attachments": files}
            message.reader_translations = []
            if self.translation is not None:
                words, checked_at = self.translation
                message.reader_translations = [
                    StoredTranslation(
                        object_id=pk,
                        field="body",
                        language=normalise(self.reader.preferred_language),
                        body=decrypt(words) if words else words,
                        checked_at=checked_at,
                    )
                ]
            message.receipts = [
                MessageRead(message=message, user=user, read_at=read_at) for user, read_at in self.receipts
            ]
            self._message = describe_for_reader(message, self.reader, retract_after=self.retract_after)
        return self._message


@dataclass
class ThreadPage:
    entries: list[ThreadEntry]
    has_older: bool
    subject: SubjectSeen | None = None

    @property
    def messages(self) -> list[Message]:
        """Every message of the page, whole (see `ThreadEntry.message`)."""
        return [entry.message for entry in self.entries]

    @property
    def oldest_id(self) -> int | None:
        return self.entries[0].pk if self.entries else None

    @property
    def newest_id(self) -> int | None:
        return self.entries[-1].pk if self.entries else None


def sent_after(anchor: Message) -> Q:
    return Q(sent_at__gt=anchor.sent_at) | Q(sent_at=anchor.sent_at, pk__gt=anchor.pk)


def sent_before(anchor: Message) -> Q:
    return Q(sent_at__lt=anchor.sent_at) | Q(sent_at=anchor.sent_at, pk__lt=anchor.pk)


def _for_reader(queryset: QuerySet[Message], reader: User) -> QuerySet[Message]:
    reader_language = normalise(reader.preferred_language)
    return queryset.select_related("sender").prefetch_related(
        "attachments",
        Prefetch("translations", queryset=_translations("body", reader_language), to_attr="reader_translations"),
        Prefetch(
            "reads",
            queryset=MessageRead.objects.exclude(user=reader).select_related("user").order_by("read_at"),
            to_attr="receipts",
        ),
    )


def sent_messages(conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation, status=Message.Status.SENT)


def thread_page(
    *,
    conversation: Conversation,
    reader: User,
    before_id: int | None = None,
    limit: int = THREAD_PAGE_SIZE,
    retract_window_minutes: int | None = None,
) -> ThreadPage:
    """The newest `limit` sent messages (or those before `before_id`), oldest first, and the
    conversation's subject in the reader's language. `retract_window_minutes`: the school's (its
    settings), when the caller has read them already.

    Five queries (the messages with their senders, files, the reader's translations, receipts of
    the reader's own messages, the subject's translation), their SQL compiled once per process
    (`compiled_sql.reused_values`); nothing is decrypted or built as a model until an entry's
    `message` is asked for."""
    anchor_id = None
    if before_id:
        anchor = sent_messages(conversation).filter(pk=before_id).values_list("pk", flat=True).first()
        anchor_id = anchor
    ids = (conversation.pk, anchor_id) if anchor_id else (conversation.pk,)
    older = anchor_id is not None

    def page(conversation_id: int, anchor_id: int | None = None) -> QuerySet[Message]:
        queryset = Message.objects.filter(conversation_id=conversation_id, status=Message.Status.SENT)
        if anchor_id is not None:
            anchor_sent_at = Subquery(Message.objects.filter(pk=anchor_id).values("sent_at")[:1])
            queryset = queryset.filter(Q(sent_at__lt=anchor_sent_at) | Q(sent_at=anchor_sent_at, pk__lt=anchor_id))
        return queryset.order_by("-sent_at", "-pk")[: limit + 1]

    rows = reused_values(
        *ids,
        shape=("thread.page", older, limit),
        build=lambda *ids: page(*ids).values_list(
            "pk", "sender_id", "sent_at", "retracted_at", "language", "body", "sender__display_name", "sender__email"
        ),
        stored=(5,),
    )
    has_older = len(rows) > limit
    rows = list(reversed(rows[:limit]))
    entries: list[ThreadEntry] = []
    if rows:
        language = normalise(reader.preferred_language)
        message_type = ContentType.objects.get_for_model(Message).pk
        files: dict[int, list] = {}
        for message_id, *file in reused_values(
            *ids,
            shape=("thread.attachments", older, limit),
            build=lambda *ids: (
                Attachment.objects.filter(message__in=page(*ids).values("pk"))
                .order_by("pk")
                .values_list("message_id", "pk", "content_type", "original_name", "size")
            ),
        ):
            files.setdefault(message_id, []).append(tuple(file))
        translations = {
            message_id: (words, checked_at)
            for message_id, words, checked_at in reused_values(
                *ids,
                shape=("thread.translations", older, limit, message_type, language),
                build=lambda *ids: (
                    _translations("body", language)
                    .filter(content_type_id=message_type, object_id__in=page(*ids).values("pk"))
                    .values_list("object_id", "body", "checked_at")
                ),
                stored=(1,),
            )
        }
        people: dict[int, User] = {}  # each sender and reader built once
        for row in rows:
            if row[1] not in people:
                people[row[1]] = User(id=row[1], display_name=row[6], email=row[7])
        receipts: dict[int, list] = {}
        for message_id, user_id, name, email, read_at in reused_values(
            *ids,
            reader.pk,
            shape=("thread.receipts", older, limit),
            build=lambda *ids: (
                MessageRead.objects.filter(message__in=page(*ids[:-1]).values("pk"), message__sender_id=ids[-1])
                .exclude(user_id=ids[-1])
                .order_by("read_at", "pk")
                .values_list("message_id", "user_id", "user__display_name", "user__email", "read_at")
            ),
        ):
            if user_id not in people:
                people[user_id] = User(id=user_id, display_name=name, email=email)
            receipts.setdefault(message_id, []).append((people[user_id], read_at))
        window = (
            retract_window(conversation.school_id)
            if retract_window_minutes is None
            else _window(retract_window_minutes)
        )
        retract_after = timezone.now() - window
        entries = [
            ThreadEntry(
                row[:6],
                conversation_id=conversation.pk,
                sender=people[row[1]],
                attachments=files.get(row[0], []),
                translation=translations.get(row[0]),
                receipts=receipts.get(row[0], []),
                reader=reader,
                retract_after=retract_after,
            )
            for row in rows
        ]
    language = normalise(reader.preferred_language)
    conversation_type = ContentType.objects.get_for_model(Conversation).pk
    subject_translations = reused_objects(
        StoredTranslation,
        conversation.pk,
        shape=("thread.subject", conversation_type, language),
        # By a subquery: a negative stand-in id compared with the unsigned column directly would
        # be "no rows" to the ORM, and nothing would be compiled.
        build=lambda conversation_id: _translations("subject", language).filter(
            content_type_id=conversation_type,
            object_id__in=Conversation.objects.filter(pk=conversation_id).values("pk"),
        ),
    )
    return ThreadPage(entries=entries, has_older=has_older, subject=subject_as_seen(conversation, subject_translations))


def messages_after(*, conversation: Conversation, reader: User, after_id: int | None) -> list[Message]:
    """Sent messages after `after_id` (by send time), for a reconnecting client; at most CATCH_UP_LIMIT."""
    queryset = sent_messages(conversation)
    if after_id:
        anchor = Message.objects.filter(pk=after_id, conversation=conversation).only("pk", "sent_at").first()
        if anchor is None or anchor.sent_at is None:
            return []
        queryset = queryset.filter(sent_after(anchor))
    messages = list(_for_reader(queryset, reader).order_by("sent_at", "pk")[:CATCH_UP_LIMIT])
    retract_after = timezone.now() - retract_window(conversation.school_id)
    for message in messages:
        describe_for_reader(message, reader, retract_after=retract_after)
    return messages


def message_for_reader(*, message_id: int, reader: User) -> Message:
    message = _for_reader(Message.objects.filter(pk=message_id).select_related("conversation"), reader).get()
    retract_after = timezone.now() - retract_window(message.conversation.school_id)
    return describe_for_reader(message, reader, retract_after=retract_after)


def receipts_of(*, message_ids) -> list[Message]:
    """The messages `message_ids`, oldest first, each with the "read by" line its sender is shown:
    `receipts`, everyone else's reads (with their `user`), oldest first, and `is_own` (set for its
    sender). One query however many messages and senders, its SQL compiled once per process
    (every read pushes receipts); each reader is a User with only their name (all a line shows)."""
    message_ids = sorted(set(message_ids))
    if not message_ids:
        return []
    among = padded(message_ids)
    rows = reused_values(
        *among,
        shape=("receipts_of", len(among)),
        # A message without reads comes once, its read's columns empty ("Not read yet").
        build=lambda *ids: (
            Message.objects.filter(pk__in=ids)
            .order_by("sent_at", "pk", "reads__read_at", "reads__pk")
            .values_list(
                "pk",
                "sender_id",
                "retracted_at",
                "reads__pk",
                "reads__user_id",
                "reads__read_at",
                "reads__user__display_name",
                "reads__user__email",
            )
        ),
    )
    messages: dict[int, Message] = {}
    people: dict[int, User] = {}
    for message_id, sender_id, retracted_at, read_id, user_id, read_at, name, email in rows:
        message = messages.get(message_id)
        if message is None:
            # As `.only("pk", "sender_id", "retracted_at")` would load it.
            message = messages[message_id] = Message.from_db(
                DEFAULT_DB_ALIAS, ["id", "sender_id", "retracted_at"], (message_id, sender_id, retracted_at)
            )
            message.is_own = True  # only its sender is shown its receipts
            message.receipts = []
        if user_id is None or user_id == sender_id:
            continue
        if user_id not in people:
            people[user_id] = User(id=user_id, display_name=name, email=email)
        read = MessageRead.from_db(
            DEFAULT_DB_ALIAS, ["id", "message_id", "user_id", "read_at"], (read_id, message_id, user_id, read_at)
        )
        read.user = people[user_id]
        message.receipts.append(read)
    return list(messages.values())


def message_for_readers(*, message_id: int) -> Message | None:
    """One message, its sender, conversation, pupil and school, and its school's retract window
    (`retract_window_minutes`), in one query; None when there is no such message.

    `prefetch_for_readers` then loads what any reader may be shown, once for all of them, and
    `message_as_seen_by` picks one reader's view of it.
    """
    window = MessagingSettings.objects.filter(school_id=OuterRef("conversation__school_id")).values(
        "retract_window_minutes"
    )[:1]
    # Whether it has files at all (they are saved with the message, never added later): most
    # have none, and `prefetch_for_readers` then need not look. Its translations and receipts
    # may arrive between this and the push, so those are always read when it pushes.
    return (
        Message.objects.filter(pk=message_id)
        .select_related("sender", "conversation", "conversation__pupil", "conversation__school")
        .annotate(
            retract_window_minutes=Subquery(window),
            has_attachments=Exists(Attachment.objects.filter(message=OuterRef("pk"))),
        )
        .first()
    )


def prefetch_for_readers(message: Message, readers: Iterable[User] | None = None) -> Message:
    """Load every attachment, translation (`all_translations`) and receipt (`all_reads`, oldest
    first, with their `user`) of `message`: three queries however many readers, two when
    `message_for_readers` found it has no files, those two compiled once per process (every
    message pushed asks). Given the `readers` it is for, its translations are looked for only
    when one of them would be shown one (`describe_for_reader`: a reader of another language
    than it is written in, not its writer): one query less for most messages. Idempotent."""
    if not hasattr(message, "all_translations"):
        if getattr(message, "has_attachments", True):
            prefetch_related_objects([message], "attachments")
        else:
            _no_attachments(message)
        if readers is None or _translation_shown(message, readers):
            message.all_translations = _body_translations(message)
        else:
            message.all_translations = []
        message.all_reads = reused_objects(
            MessageRead,
            message.pk,
            shape=("readers.reads",),
            build=lambda message_id: MessageRead.objects.filter(message_id=message_id).order_by("read_at", "pk"),
            related=("user",),
        )
    if not hasattr(message, "retract_window_minutes"):
        message.retract_window_minutes = _retract_window_minutes(message.conversation.school_id)
    return message


def _translation_shown(message: Message, readers: Iterable[User]) -> bool:
    written_in = normalise(message.language)
    return bool(written_in) and any(
        normalise(reader.preferred_language) != written_in for reader in readers if reader.pk != message.sender_id
    )


def _body_translations(message: Message) -> list[StoredTranslation]:
    message_type = ContentType.objects.get_for_model(Message).pk
    return reused_objects(
        StoredTranslation,
        message.pk,
        shape=("readers.translations", message_type),
        # The id through RawSQL: the ORM would fold a negative stand-in for this unsigned
        # column away (compiled_sql.reused_graph).
        build=lambda message_id: (
            _translations("body")
            .filter(content_type_id=message_type, object_id=RawSQL("%s", (message_id,)))  # noqa: S611
            .order_by("pk")
        ),
    )


def _no_attachments(message: Message) -> None:
    """Record on `message` that it has no attachments, as a prefetch of none would: then
    `message.attachments.all()` answers without a query."""
    none = message.attachments.all()
    none._result_cache = []
    none._prefetch_done = True
    if not hasattr(message, "_prefetched_objects_cache"):
        message._prefetched_objects_cache = {}
    message._prefetched_objects_cache["attachments"] = none


def message_as_seen_by(message: Message, reader: User, *, now: datetime.datetime) -> Message:
    """A copy of `message` (after `prefetch_for_readers`) described for `reader`, without a query:
    the same as `message_for_reader` returns (their translation, others' receipts, own controls)."""
    reader_language = normalise(reader.preferred_language)
    seen = copy.copy(message)
    seen.reader_translations = [item for item in message.all_translations if item.language == reader_language]
    seen.receipts = [read for read in message.all_reads if read.user_id != reader.pk]
    return describe_for_reader(seen, reader, retract_after=now - _window(message.retract_window_minutes))


def _retract_window_minutes(school: School | int) -> int | None:
    return (
        MessagingSettings.objects.filter(school_id=getattr(school, "pk", school))
        .values_list("retract_window_minutes", flat=True)
        .first()
    )


def _window(minutes: int | None) -> datetime.timedelta:
    return datetime.timedelta(minutes=10 if minutes is None else minutes)


def retract_window(school: School | int) -> datetime.timedelta:
    """How long after sending a sender may retract, from the school's settings (default 10 minutes)."""
    return _window(_retract_window_minutes(school))


def describe_for_reader(message: Message, reader: User, *, retract_after: datetime.datetime | None = None) -> Message:
    """Set what the reader sees: `shown_body`, `translated_from` (a language name or ""),
    `translation_pending`, `is_own` and `can_retract`. Expects `_for_reader`'s prefetches."""
    reader_language = normalise(reader.preferred_language)
    written_in = normalise(message.language)
    message.is_own = message.sender_id == reader.pk
    message.can_retract = bool(
        message.is_own
        and not message.is_retracted
        and retract_after is not None
        and message.sent_at is not None
        and message.sent_at > retract_after
    )
    message.shown_body = message.body
    message.translated_from = ""
    message.translation_pending = False
    message.translation_unavailable = False
    message.written_in = written_in
    if message.is_own or not written_in or written_in == reader_language or message.is_retracted:
        return message
    translations = getattr(message, "reader_translations", None)
    if translations is None:
        translations = list(message.translations.filter(field="body", language=reader_language))
    if translations and translations[0].body:
        message.shown_body = translations[0].body
        message.translated_from = language_name(written_in, in_sentence=True)
    elif translations:
        # The translator stored "no engine covers this pair": say so, do not promise one.
        message.translation_unavailable = True
    else:
        message.translation_pending = True
    return message


def scheduled_by(*, conversation: Conversation, user: User) -> list[Message]:
    """`user`'s messages waiting to go in `conversation`, soonest first: one query, its SQL
    compiled once per process (every thread page asks)."""
    return reused_objects(
        Message,
        conversation.pk,
        user.pk,
        shape=("scheduled_by",),
        build=lambda conversation_id, user_id: Message.objects.filter(
            conversation_id=conversation_id, sender_id=user_id, status=Message.Status.SCHEDULED
        ).order_by("send_at", "pk"),
    )


@dataclass
class PeekPage:
    """A page of rows and whether another follows, for pages that link to the next and previous
    page only (not "page 3 of 9"): read as one row more than a page, without a COUNT query over
    the same access rules. The methods the templates ask of Django's `Page`."""

    object_list: list
    number: int
    more: bool

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(rows: QuerySet, number: int | str | None, size: int) -> PeekPage:
    """Page `number` of `rows` (`size` each) as `Paginator.get_page` gives it: the first for a
    number that is not one, the last for one past the end (an old link; only then is there a
    COUNT). One query (and the rows' prefetches) on every page that has rows."""
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    found = list(rows[(number - 1) * size : number * size + 1])
    if not found and number > 1:
        number = max(1, -(-rows.count() // size))
        found = list(rows[(number - 1) * size : number * size + 1])
    return PeekPage(object_list=found[:size], number=number, more=len(found) > size)


def _newest_sent() -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("pk"), status=Message.Status.SENT)
        .order_by("-sent_at", "-pk")
        .values("pk")[:1]
    )


def with_newest_message(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """`conversations` with `newest_id`, their newest sent message's id, read with them: then
    `attach_previews` needs no query of its own to find the messages."""
    return conversations.annotate(newest_id=_newest_sent())


def attach_previews(
    conversations: list[Conversation], *, reader: User, with_subjects: bool = False
) -> list[Conversation]:
    """Give each conversation (from `inbox_for`) `preview`: its newest sent message as `reader`
    sees it (`shown_body` in their language when a translation is stored, see
    `describe_for_reader`), or None. Two queries however many conversations and messages; one
    less when the conversations were read `with_newest_message`. `with_subjects`: also their
    subjects' translations (`reader_subject_translations`, for conversations read from
    `inbox_for(subject_translations=False)`), in the same query as the previews'.

    The inbox page reads its cards as rows instead (`inbox_page`); these model objects are what
    its cards are tested against."""
    if all(hasattr(conversation, "newest_id") for conversation in conversations):
        ids = {conversation.pk: conversation.newest_id for conversation in conversations}
    else:
        ids = dict(
            Conversation.objects.filter(pk__in=[conversation.pk for conversation in conversations])
            .annotate(newest_id=_newest_sent())
            .values_list("pk", "newest_id")
        )
    reader_language = normalise(reader.preferred_language)
    message_ids = [pk for pk in ids.values() if pk]
    if not with_subjects:
        found = (
            Message.objects.filter(pk__in=message_ids)
            .select_related("sender")
            .prefetch_related(
                Prefetch("translations", queryset=_translations("body", reader_language), to_attr="reader_translations")
            )
        )
        messages = {message.pk: describe_for_reader(message, reader) for message in found}
    else:
        # The previews' and the subjects' translations into the reader's language, in one query.
        message_type = ContentType.objects.get_for_model(Message).pk
        conversation_type = ContentType.objects.get_for_model(Conversation).pk
        translated: dict[tuple[int, int], list[StoredTranslation]] = {}
        wanted = Q(content_type_id=message_type, field="body", object_id__in=message_ids) | Q(
            content_type_id=conversation_type,
            field="subject",
            object_id__in=[conversation.pk for conversation in conversations],
        )
        for stored in StoredTranslation.objects.filter(wanted, language=reader_language):
            translated.setdefault((stored.content_type_id, stored.object_id), []).append(stored)
        messages = {}
        for message in Message.objects.filter(pk__in=message_ids).select_related("sender"):
            message.reader_translations = translated.get((message_type, message.pk), [])
            messages[message.pk] = describe_for_reader(message, reader)
        for conversation in conversations:
            conversation.reader_subject_translations = translated.get((conversation_type, conversation.pk), [])
    for conversation in conversations:
        conversation.preview = messages.get(ids.get(conversation.pk))
    return conversations


INBOX_PAGE_SIZE = 30
# Inbox pages whose SQL is compiled once per process (a page's LIMIT and OFFSET are written into
# it, so each is a shape of its own); an older page, or a search (its words are not an id), is
# read through the ORM with the same columns.
COMPILED_INBOX_PAGES = 10

# The page's columns, as `InboxCard.row` holds them.
_INBOX_COLUMNS = (
    "pk",
    "kind",
    "subject",
    "last_message_at",
    "closed_at",
    "unread",
    "my_muted_at",
    "newest_id",
    "pupil_id",
    "pupil__first_name",
    "pupil__last_name",
    "pupil__preferred_name",
    "subject_translation",
    "subject_translated_from",
)


class InboxCard:
    """One conversation of an inbox page as read from its rows: what its kept card's key needs
    (`shown`: the newest message's words and the translations as their stored tokens), and the
    conversation as the card partial (`inbox.html#card`) shows it (`conversation`: built,
    decrypted and described for the reader without a query, only when its card was not kept)."""

    __slots__ = ("row", "people", "newest", "reader", "_conversation")

    def __init__(self, row, *, people, newest, reader):
        # `_INBOX_COLUMNS`; the subject's translation into the reader's language as stored (None
        # without one, "" when none is possible) and the language it was translated from.
        self.row = row
        self.people = people  # [(user id, display name, email)] of those who have not left, first to join first
        # The newest sent message: (id, sender id, sender's display name, email, body as stored,
        # language, retracted_at, its translation into the reader's language as stored or None).
        self.newest = newest
        self.reader = reader
        self._conversation = None

    @property
    def pk(self) -> int:
        return self.row[0]

    def shown(self) -> tuple:
        """What the card shows of the conversation, besides the reader and their language: the
        stored tokens stand for the words (a new body or translation is a new token)."""
        pk, kind, subject, last_message_at, closed_at, unread, muted_at, _newest_id, *pupil, words, source = self.row
        newest = self.newest
        if newest is not None:
            message_id, sender_id, name, email, body, language, retracted_at, translation = newest
            newest = (message_id, sender_id == self.reader.pk, name or email, retracted_at is not None)
            newest += (body, language, translation)
        return (
            pk,
            kind,
            subject,
            (words, source),
            unread,
            closed_at is not None,
            muted_at is not None,
            tuple(pupil),
            tuple((user_id, name or email) for user_id, name, email in self.people),
            last_message_at,
            newest,
        )

    @property
    def conversation(self) -> Conversation:
        """The conversation as `inbox_for` with `attach_previews` gives it: its pupil, `people`,
        `unread`, `my_muted_at`, subject translation and `preview` (the newest message described
        for the reader), built from the rows already read, without a query."""
        if self._conversation is None:
            pk, kind, subject, last_message_at, closed_at, unread, muted_at, _newest_id, *rest = self.row
            pupil_id, first_name, last_name, preferred_name, words, source = rest
            conversation = Conversation(
                id=pk, kind=kind, subject=subject, last_message_at=last_message_at, closed_at=closed_at
            )
            if pupil_id is not None:
                conversation.pupil = Pupil(
                    id=pupil_id, first_name=first_name, last_name=last_name, preferred_name=preferred_name
                )
            conversation.unread = unread
            conversation.my_muted_at = muted_at
            conversation.people = [
                Participant(conversation_id=pk, user=User(id=user_id, display_name=name, email=email))
                for user_id, name, email in self.people
            ]
            conversation.reader_subject_translations = (
                []
                if words is None
                else [StoredTranslation(body=decrypt(words) if words else words, source_language=source)]
            )
            conversation.preview = None
            if self.newest is not None:
                message_id, sender_id, name, email, body, language, retracted_at, translation = self.newest
                message = Message(
                    id=message_id,
                    conversation_id=pk,
                    sender=User(id=sender_id, display_name=name, email=email),
                    body=decrypt(body) if body else body,
                    language=language,
                    status=Message.Status.SENT,
                    retracted_at=retracted_at,
                )
                message.reader_translations = (
                    []
                    if translation is None
                    else [StoredTranslation(body=decrypt(translation) if translation else translation)]
                )
                conversation.preview = describe_for_reader(message, self.reader)
            self._conversation = conversation
        return self._conversation


def inbox_children(user: User) -> list[Pupil]:
    """The pupils `user` has conversations about (the inbox's child filter), by name: one query,
    its SQL compiled once per process, decided from current rows."""
    rows = reused_values(
        user.pk,
        shape=("inbox.children",),
        build=lambda user_id: (
            Pupil.objects.filter(pk__in=policies.conversations_visible_to(User(pk=user_id)).values("pupil_id"))
            .order_by("first_name", "last_name", "pk")
            .values_list("pk", "first_name", "last_name", "preferred_name")
        ),
    )
    return [
        Pupil(id=pk, first_name=first_name, last_name=last_name, preferred_name=preferred_name)
        for pk, first_name, last_name, preferred_name in rows
    ]


def inbox_page(
    user: User,
    *,
    query: str = "",
    pupil_id: int | None = None,
    unread_only: bool = False,
    needs_reply: bool = False,
    number: int | str | None = None,
    size: int = INBOX_PAGE_SIZE,
) -> PeekPage:
    """Page `number` of `inbox_for(user, …)`'s conversations (paged as `page_of` pages them), each
    an `InboxCard`: its people, the subject's translation into the user's language and its newest
    sent message as the user sees it.

    Three queries (the page, its people, the newest messages with their translations; the
    messages' only when one has any), their SQL compiled once per process and shape (a search, or
    a page past `COMPILED_INBOX_PAGES`, builds the page's through the ORM), read as rows: no
    model is built, nothing decrypted, until a card that was not kept asks for its
    `conversation`. Access is decided from current rows at every call: a conversation the user
    left, or may no longer see, is gone at once."""
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    filters = {"query": query, "pupil_id": pupil_id, "unread_only": unread_only, "needs_reply": needs_reply}
    rows = _inbox_rows(user, number=number, size=size, **filters)
    if not rows and number > 1:
        # An old link past the end: the last page (only then is there a COUNT).
        number = max(1, -(-_inbox_conversations(user, **filters).count() // size))
        rows = _inbox_rows(user, number=number, size=size, **filters)
    more, rows = len(rows) > size, rows[:size]
    if not rows:
        return PeekPage(object_list=[], number=number, more=more)
    ids = [row[0] for row in rows]
    people: dict[int, list] = {}
    for conversation_id, *person in reused_values(
        *ids,
        shape=("inbox.people", len(ids)),
        build=lambda *ids: (
            Participant.objects.filter(conversation_id__in=ids, left_at__isnull=True)
            .order_by("joined_at", "pk")
            .values_list("conversation_id", "user_id", "user__display_name", "user__email")
        ),
    ):
        people.setdefault(conversation_id, []).append(tuple(person))
    newest = _newest_rows(user, [row[7] for row in rows if row[7]])
    cards = [InboxCard(row, people=people.get(row[0], []), newest=newest.get(row[7]), reader=user) for row in rows]
    return PeekPage(object_list=cards, number=number, more=more)


def _inbox_rows(
    user: User, *, query: str, pupil_id: int | None, unread_only: bool, needs_reply: bool, number: int, size: int
) -> list[tuple]:
    """Page `number`'s rows (`_INBOX_COLUMNS`) and one more if another page follows."""
    start = (number - 1) * size
    language = normalise(user.preferred_language)
    conversation_type = ContentType.objects.get_for_model(Conversation).pk

    def build(user_id: int, pupil_id: int | None = None) -> QuerySet:
        reader = User(pk=user_id)
        subject = _translations("subject", language).filter(content_type_id=conversation_type, object_id=OuterRef("pk"))
        conversations = _inbox_conversations(
            reader, query=query, pupil_id=pupil_id, unread_only=unread_only, needs_reply=needs_reply
        )
        return (
            with_newest_message(conversations)
            .annotate(
                # As stored (the token): decrypted only for a card that was not kept.
                subject_translation=Subquery(subject.values("body")[:1], output_field=TextField()),
                subject_translated_from=Subquery(subject.values("source_language")[:1]),
            )
            .values_list(*_INBOX_COLUMNS)[start : start + size + 1]
        )

    if query or number > COMPILED_INBOX_PAGES:
        return list(build(user.pk, pupil_id))
    return reused_values(
        *((user.pk,) if pupil_id is None else (user.pk, pupil_id)),
        shape=("inbox.page", pupil_id is not None, unread_only, needs_reply, number, size, language, conversation_type),
        build=build,
    )


def _newest_rows(reader: User, message_ids: list[int]) -> dict[int, tuple]:
    """The messages `message_ids` (each a card's newest), by id: (id, sender id, sender's display
    name and email, body as stored, language, retracted_at, its translation into the reader's
    language as stored or None). One query, none for no ids."""
    if not message_ids:
        return {}
    language = normalise(reader.preferred_language)
    message_type = ContentType.objects.get_for_model(Message).pk

    def build(*ids: int) -> QuerySet:
        translation = _translations("body", language).filter(content_type_id=message_type, object_id=OuterRef("pk"))
        return (
            Message.objects.filter(pk__in=ids)
            .annotate(translation=Subquery(translation.values("body")[:1], output_field=TextField()))
            .values_list(
                "pk",
                "sender_id",
                "sender__display_name",
                "sender__email",
                "body",
                "language",
                "retracted_at",
                "translation",
            )
        )

    rows = reused_values(
        *message_ids,
        shape=("inbox.newest", len(message_ids), language, message_type),
        build=build,
        stored=(4,),
    )
    return {row[0]: row for row in rows}


# How a member of staff is named beside their name, most telling first (a class teacher is
# "class teacher" whatever else they are).
ROLE_ORDER = ("sendco", "dsl", "leader", "teacher", "school_admin", "facilitator")


def roles_of(*, school: School | int | None, pupil: Pupil | None, user_ids) -> dict[int, str]:
    """What each of `user_ids` is, in words for a "With …" line: "class teacher" (teaches `pupil`
    through a class group), their job title, their role at `school` ("SENDCO"), or how they are
    related to `pupil` ("Lucía's mother"). One query however many people."""
    user_ids = sorted(set(user_ids))
    if not user_ids or school is None:
        return {}
    school_id = getattr(school, "pk", school)

    def build(school_id: int, pupil_id: int | None, *user_ids: int) -> QuerySet:
        memberships = Membership.objects.filter(school_id=school_id, user_id__in=user_ids, is_active=True)
        if pupil_id is None:
            return memberships.values_list("user_id", "role", "job_title").order_by()
        teaches = ClassGroup.objects.filter(school_id=school_id, pupils=pupil_id, staff=OuterRef("user_id"))
        # Guardians hold no membership: their rows join by UNION (one query), the relationship
        # carried in `job_title` and an empty role.
        guardians = (
            Guardianship.objects.filter(pupil_id=pupil_id, guardian_id__in=user_ids)
            .annotate(
                user_id=F("guardian_id"),
                role=Value("", output_field=CharField()),
                job_title=F("relationship"),
                teaches_pupil=Value(False, output_field=BooleanField()),
            )
            .values_list("user_id", "role", "job_title", "teaches_pupil")
            .order_by()  # SQLite refuses ORDER BY (the models' default ordering) inside a UNION
        )
        return (
            memberships.annotate(teaches_pupil=Exists(teaches))
            .values_list("user_id", "role", "job_title", "teaches_pupil")
            .order_by()
            .union(guardians, all=True)
        )

    # One query, its SQL compiled once per process and number of people.
    if pupil is None:
        found = reused_values(
            school_id,
            *user_ids,
            shape=("roles", False, len(user_ids)),
            build=lambda school_id, *ids: build(school_id, None, *ids),
        )
    else:
        found = reused_values(school_id, pupil.pk, *user_ids, shape=("roles", True, len(user_ids)), build=build)
    columns = ("user_id", "role", "job_title", "teaches_pupil")
    rows = [dict(zip(columns, row, strict=False)) for row in found]
    roles: dict[int, str] = {}
    labels = dict(Guardianship._meta.get_field("relationship").choices)
    for row in rows:
        if row["role"] == "" and pupil is not None:  # a guardian's row: job_title holds the relationship
            roles[row["user_id"]] = _("%(pupil)s's %(relationship)s") % {
                "pupil": pupil.known_as,
                "relationship": str(labels.get(row["job_title"], row["job_title"])).lower(),
            }
    for row in sorted((row for row in rows if row["role"]), key=_role_rank):
        if row["user_id"] not in roles:
            if row.get("teaches_pupil"):
                roles[row["user_id"]] = _("class teacher")
            else:
                roles[row["user_id"]] = row["job_title"] or _role_words(row["role"])
    return roles


def _role_rank(row: dict) -> tuple[int, int]:
    role = ROLE_ORDER.index(row["role"]) if row["role"] in ROLE_ORDER else len(ROLE_ORDER)
    return (0 if row.get("teaches_pupil") else 1, role)


def _role_words(role: str) -> str:
    words = {
        "teacher": _("teacher"),
        "sendco": _("SENDCO"),
        "dsl": _("designated safeguarding lead"),
        "leader": _("school leader"),
        "school_admin": _("school office"),
        "facilitator": _("community facilitator"),
    }
    return words.get(role, "")


def participants_of(conversation: Conversation) -> list[Participant]:
    """Who takes part (and has not left), first to join first, each with their `user`: one
    query, its SQL compiled once per process (every thread page asks)."""
    return reused_objects(
        Participant,
        conversation.pk,
        shape=("participants_of",),
        build=lambda conversation_id: Participant.objects.filter(
            conversation_id=conversation_id, left_at__isnull=True
        ).order_by("joined_at", "pk"),
        related=("user",),
    )


def readers_of(conversation: Conversation) -> QuerySet[User]:
    """Who a live push, a notification, a typing, receipt or "closed" event about `conversation`
    reaches: decided now, from current access (`policies.readers_of_conversation`)."""
    return policies.readers_of_conversation(conversation)


def pupils_to_write_about(user: User, *, query: str = "", limit: int = 50) -> QuerySet[Pupil]:
    """Current pupils the user may start a conversation about (own children, pupils taught or supported)."""
    # How many guardians may see each pupil: a family thread needs someone else to write to.
    pupils = (
        people.pupils_visible_to(user)
        .current()
        .select_related("school")
        .annotate(guardians_who_can_view=Count("guardianships", filter=Q(guardianships__can_view=True)))
    )
    if query:
        pupils = pupils.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(preferred_name__icontains=query)
        )
    return pupils.order_by("last_name", "first_name")[:limit]


def schools_with_office_for(user: User) -> QuerySet[School]:
    """Schools whose office a guardian may write to (where one of their children learns)."""
    offices = Membership.objects.filter(role__in=policies.OFFICE_ROLES, is_active=True).values("school_id")
    return (
        School.objects.filter(pk__in=people.children_of(user).values("school_id"))
        .filter(pk__in=offices)
        .order_by("name")
    )


def alerts_for(user: User) -> QuerySet[SafeguardingAlert]:
    return (
        policies.alerts_visible_to(user)
        .select_related("message__sender", "message__conversation__pupil", "school", "reviewed_by")
        .order_by("reviewed_at", "-created_at")
    )


# How many of the conversations that need a reply a staff home page names.
HOME_NEEDS_REPLY_SHOWN = 3


@dataclass
class ConversationsSummary:
    """What a member of staff's home page says of their conversations."""

    needs_reply: int
    newest_needing_reply: list[Conversation]
    unread: int


def _inbox_count(user: User, *, unread_only: bool, needs_reply: bool) -> int:
    """How many conversations the inbox lists with these filters: one COUNT, its SQL written by the
    ORM once per process (building the inbox's rules afresh cost more than running them)."""
    return reused_count(
        user.pk,
        shape=("inbox.count", unread_only, needs_reply),
        build=lambda user_id: (
            _inbox_conversations(
                User(pk=user_id), query="", pupil_id=None, unread_only=unread_only, needs_reply=needs_reply
            )
            .order_by()
            .values("pk")
        ),
    )


def conversations_summary_for(user: User, *, shown: int = HOME_NEEDS_REPLY_SHOWN) -> ConversationsSummary:
    """How many of `user`'s conversations need their reply (the inbox's "Needs reply" filter: the
    newest sent message is someone else's), the `shown` newest of them as the inbox's cards give
    them (`inbox_page`: its people, the subject in the user's language), and how many have
    messages they have not read (the inbox's "Unread only" filter).

    Five queries however many conversations (two when none needs a reply). Access is decided
    from current rows at every call, by the inbox's own rules: a conversation the user left, or
    may no longer see (a membership ended, a pupil no longer taught), is neither named nor counted."""
    needs_reply = _inbox_count(user, unread_only=False, needs_reply=True)
    unread = _inbox_count(user, unread_only=True, needs_reply=False)
    newest = inbox_page(user, needs_reply=True, size=shown).object_list if needs_reply else []
    return ConversationsSummary(
        needs_reply=needs_reply,
        newest_needing_reply=[card.conversation for card in newest],
        unread=unread,
    )
