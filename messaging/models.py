"""Conversations between home and school, stored translations of content, and notifications.

Message bodies are encrypted at rest and never hard-deleted; a retracted message keeps its row
(and its original in the audit log) but shows "message retracted".
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ClassGroup, Pupil, School
from hub.crypto import EncryptedTextField


class Conversation(models.Model):
    class Kind(models.TextChoices):
        GUARDIAN_STAFF = "guardian_staff", _("Guardians and staff")
        STAFF_TEAM = "staff_team", _("Staff team")
        FAMILY = "family", _("Family")
        SUPPORT = "support", _("School office")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="conversations")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversations_started"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Machine translations of the subject, one per reader language (StoredTranslation).
    translations = GenericRelation("StoredTranslation", related_query_name="conversation")

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-created_at"]
        indexes = [models.Index(fields=["school", "kind"])]

    def __str__(self):
        return self.subject

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Participant(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations")
    joined_at = models.DateTimeField(default=timezone.now)
    # The newest message this person has seen; everything at or before it counts as read.
    last_read_message = models.ForeignKey("Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    left_at = models.DateTimeField(null=True, blank=True)
    # Why they left: only those who left because they lost the right to see the conversation
    # come back by themselves when that right is restored (messaging.services.access).
    left_because = models.CharField(max_length=20, blank=True, choices=[("access_lost", _("lost access"))])
    # Set while this person has muted the conversation: it stays in their inbox with its unread
    # count, but new messages send them no email or SMS (messaging.effects).
    muted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="participant_unique")]
        indexes = [models.Index(fields=["user", "conversation"])]

    def __str__(self):
        return f"{self.user} in {self.conversation}"


class Message(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_sent")
    body = EncryptedTextField(_("message"))
    # BCP 47-ish code of the language the body was written in (detected, confirmable by the writer).
    language = models.CharField(_("written in"), max_length=16, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    created_at = models.DateTimeField(default=timezone.now)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    template_key = models.CharField(max_length=50, blank=True)
    # The idempotency key the composer carried: a double submit or a retry after a lost response
    # finds the message already saved instead of saving it twice. Unique per sender.
    client_key = models.CharField(max_length=64, blank=True, default="")
    # Machine translations of the body, one per reader language (StoredTranslation).
    translations = GenericRelation("StoredTranslation", related_query_name="message")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["sent_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "status", "id"]),
            models.Index(fields=["status", "send_at"]),
            # A thread reads its newest page, the next page up and what came after an anchor, all
            # by (sent_at, id) within the conversation.
            models.Index(fields=["conversation", "sent_at", "id"], name="message_conversation_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_key"], condition=~models.Q(client_key=""), name="message_client_key_unique"
            )
        ]

    def __str__(self):
        return f"Message {self.pk} in conversation {self.conversation_id}"

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None


class MessageRead(models.Model):
    """A read receipt: who read a message and when."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="message_read_unique")]

    def __str__(self):
        return f"{self.user} read {self.message_id} at {self.read_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    """A random name, never the uploader's: nothing about the file can be guessed from its path, and
    no name chosen by a sender (`photo.html`, `../x`) reaches the disk. The name people see is kept
    in `original_name`."""
    return f"messages/{instance.message.conversation_id}/{instance.message_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    # A small JPEG of a photo, made on the server the first time a page shows it (random name too;
    # served only through the access-checked attachment view). Empty for anything else.
    thumbnail = models.FileField(upload_to=attachment_path, blank=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name

    @property
    def is_photo(self) -> bool:
        """A picture the page shows as a thumbnail (the type was sniffed from the file at upload)."""
        return self.content_type in ("image/jpeg", "image/png", "image/gif", "image/webp")


class StoredTranslation(models.Model):
    """A machine translation of one field of one object (a message's body, a conversation's
    subject, ...) into one language, stored beside the original, which is never replaced.

    Which fields of which models are translated, and whose glossary applies, is declared in
    `messaging.translation.registry`. A row with engine "none" and an empty body remembers that no
    engine covers the pair. `glossary_version` fingerprints the glossary terms used: when the
    school's glossary changes, the row is stale and is translated again on the next request.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    field = models.CharField(max_length=64)
    language = models.CharField(max_length=16)
    body = EncryptedTextField(blank=True)
    engine = models.CharField(max_length=32)
    source_language = models.CharField(max_length=16, blank=True)
    glossary_version = models.CharField(max_length=16, blank=True)
    # The school whose glossary was applied (and whose admins may see the row); None for content
    # that belongs to no school.
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # A reader asked a person to check the machine's text (messaging.services.translation_checks).
    check_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    check_requested_at = models.DateTimeField(null=True, blank=True)
    # Set when a person corrected (or confirmed) `body`: readers see it labelled "checked by a
    # person", and no engine ever replaces it (a glossary change leaves it as it is).
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stored translation")
        verbose_name_plural = _("stored translations")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field", "language"], name="stored_translation_unique"
            )
        ]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id} {self.field} in {self.language} ({self.engine})"


class GlossaryTerm(models.Model):
    """A school's term that machine translation must keep as written or render the school's way."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="glossary_terms")
    term = models.CharField(_("term"), max_length=100)
    language = models.CharField(
        _("language"), max_length=16, blank=True, help_text=_("Blank: applies to every language.")
    )
    translation = models.CharField(
        _("translation"), max_length=200, blank=True, help_text=_("Blank: keep the term untranslated.")
    )

    class Meta:
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        ordering = ["school", "term"]
        constraints = [models.UniqueConstraint(fields=["school", "term", "language"], name="glossary_term_unique")]

    def __str__(self):
        return self.term


class MessagingSettings(models.Model):
    """A school's boundaries: staff contact hours and how long a sender may retract."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="messaging_settings")
    contact_days = models.CharField(
        _("contact days"), max_length=20, default="0,1,2,3,4", help_text=_("Weekdays, Monday=0.")
    )
    contact_start = models.TimeField(_("contact hours start"), default="08:00")
    contact_end = models.TimeField(_("contact hours end"), default="17:00")
    retract_window_minutes = models.PositiveSmallIntegerField(_("minutes a sender may retract"), default=10)
    # A person, not a role: the school decides who is fluent enough (an interpreter, a bilingual
    # member of staff), and requests must reach exactly one accountable person.
    translation_checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checks machine translations"),
        help_text=_("The interpreter or bilingual member of staff who checks a translation when a reader asks."),
    )

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")

    def __str__(self):
        return f"Messaging settings for {self.school}"


class SafeguardingPhrase(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="safeguarding_phrases")
    phrase = models.CharField(_("phrase"), max_length=200)

    class Meta:
        verbose_name = _("safeguarding phrase")
        verbose_name_plural = _("safeguarding phrases")
        constraints = [models.UniqueConstraint(fields=["school", "phrase"], name="safeguarding_phrase_unique")]

    def __str__(self):
        return self.phrase


class SafeguardingAlert(models.Model):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="safeguarding_alerts")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="safeguarding_alerts")
    matched_phrases = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("safeguarding alert")
        verbose_name_plural = _("safeguarding alerts")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Safeguarding alert on message {self.message_id}"


class MessageTemplate(models.Model):
    """A starting point for a common message, with named fields to fill in: {pupil}, {date} ..."""

    class Purpose(models.TextChoices):
        ABSENCE = "absence", _("Reporting an absence")
        MEETING = "meeting", _("Asking for a meeting")
        PRAISE = "praise", _("Praise")
        CONCERN = "concern", _("A concern")
        OTHER = "other", _("Other")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="message_templates")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), help_text=_("Fields in braces are filled in by the writer, like {date}."))
    for_guardians = models.BooleanField(_("offered to guardians"), default=True)
    for_staff = models.BooleanField(_("offered to staff"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    language = models.CharField(
        _("written in"), max_length=16, default="en", help_text=_("The language the title and text are written in.")
    )
    # Machine translations of the title and text made before this moment are stale.
    updated_at = models.DateTimeField(auto_now=True)
    translations = GenericRelation("StoredTranslation", related_query_name="message_template")

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["school", "purpose", "title"]

    def __str__(self):
        return self.title


class Notification(models.Model):
    """One thing to tell one person, kept in their inbox whatever channel also carried it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # A kind's name, declared by the app that sends it (messaging.notifications.kinds): no choices
    # here, so a new app adds kinds without a migration of messaging.
    kind = models.CharField(max_length=20)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=200)
    # How many events this one notification stands for: a thread's new messages, while unread,
    # fold into one ("3 new messages from María García") rather than piling up.
    count = models.PositiveIntegerField(default=1)
    body = EncryptedTextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    texted_at = models.DateTimeField(null=True, blank=True)
    # Held back for the daily digest email; cleared when the digest goes.
    digest_pending = models.BooleanField(default=False)
    # Email/SMS held back for quiet hours until this moment (UTC); cleared when released.
    held_until = models.DateTimeField(null=True, blank=True, db_index=True)
    # What it is about ("messaging.conversation", 12), when that is something a person may lose the
    # right to see: checked again at every delivery and in the inbox (messaging.notifications.targets).
    # A model label rather than a ContentType: no lookup query, and readable in admin and logs.
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["digest_pending", "user"]),
            # Everyone's notifications about one thing (a conversation's subject or an
            # announcement's title translated: `notifications_retitle`).
            models.Index(fields=["target_type", "target_id"], name="messaging_notif_target_idx"),
        ]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """How one person wants one kind of notification, optionally for one child."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    class Frequency(models.TextChoices):
        INSTANT = "instant", _("Straight away")
        DAILY = "daily", _("In a daily summary")
        OFF = "off", _("Never")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20)  # a declared kind's name, as Notification.kind
    channel = models.CharField(max_length=8, choices=Channel.choices)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    frequency = models.CharField(max_length=8, choices=Frequency.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel", "pupil"], name="notification_preference_unique"),
            models.UniqueConstraint(
                fields=["user", "kind", "channel"],
                condition=models.Q(pupil__isnull=True),
                name="notification_preference_unique_all_children",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} by {self.channel} {self.frequency}"


class QuietHours(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours")
    start = models.TimeField(_("quiet from"), default="21:00")
    end = models.TimeField(_("quiet until"), default="07:00")

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self):
        return f"{self.user}: {self.start:%H:%M}–{self.end:%H:%M}"


# --- announcements (messaging/announcements/ builds on these) -------------------------------------


class Announcement(models.Model):
    class Audience(models.TextChoices):
        CLASSES = "classes", _("One or more classes")
        YEAR_GROUP = "year_group", _("A year group")
        SCHOOL = "school", _("The whole school")

    class Response(models.TextChoices):
        NONE = "none", _("No reply needed")
        CONFIRM = "confirm", _("Ask families to confirm they have read it")
        YES_NO = "yes_no", _("A yes or no question")
        CHOICE = "choice", _("A question with choices")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="announcements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="announcements")
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    year_group = models.CharField(_("year group"), max_length=16, blank=True)
    class_groups = models.ManyToManyField(ClassGroup, blank=True, related_name="announcements")
    title = models.CharField(_("title"), max_length=200)
    body = EncryptedTextField(_("announcement"))
    language = models.CharField(_("written in"), max_length=16, blank=True)
    # Urgent: sent as a school alert, which reaches every channel (SMS too) through quiet hours.
    urgent = models.BooleanField(_("urgent"), default=False)
    response = models.CharField(_("reply asked for"), max_length=8, choices=Response.choices, default="none")
    question = models.CharField(_("question"), max_length=200, blank=True)
    # The options of a CHOICE question, in the order the author wrote them.
    options = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    created_at = models.DateTimeField(default=timezone.now)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The form's idempotency key: a double submit finds the announcement already saved.
    client_key = models.CharField(max_length=64, blank=True, default="")
    translations = GenericRelation("messaging.StoredTranslation", related_query_name="announcement")

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "sent_at", "id"]),
            models.Index(fields=["status", "send_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_key"],
                condition=~models.Q(client_key=""),
                name="announcement_client_key_unique",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def asks_for_reply(self) -> bool:
        return self.response != self.Response.NONE

    def answer_choices(self) -> list[tuple[str, str]]:
        """The answers a family may give, as (value, label)."""
        if self.response == self.Response.CONFIRM:
            return [("confirmed", _("I have read this"))]
        if self.response == self.Response.YES_NO:
            return [("yes", _("Yes")), ("no", _("No"))]
        if self.response == self.Response.CHOICE:
            return [(option, option) for option in self.options]
        return []


def announcement_attachment_path(instance, filename):
    """A random name: nothing about the file can be guessed from its path (see attachment_path)."""
    return f"announcements/{instance.announcement_id}/{uuid.uuid4().hex}"


class AnnouncementAttachment(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=announcement_attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("announcement attachment")
        verbose_name_plural = _("announcement attachments")

    def __str__(self):
        return self.original_name


class AnnouncementReceipt(models.Model):
    """One family member's copy of an announcement: written by the fan-out job when it reached
    them, then stamped when they read, answered or were reminded."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts")
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    delivered_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=200, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("announcement receipt")
        verbose_name_plural = _("announcement receipts")
        constraints = [models.UniqueConstraint(fields=["announcement", "guardian"], name="announcement_receipt_unique")]
        indexes = [models.Index(fields=["guardian", "announcement"])]

    def __str__(self):
        return f"{self.guardian} — {self.announcement}"
