"""Announcement tables. Imported by messaging.models, so they live in messaging's migrations."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ClassGroup, School
from hub.crypto import EncryptedTextField


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
