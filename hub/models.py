"""Shared infrastructure tables: the transactional outbox."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEntry(models.Model):
    """One side effect of a write (push, notify, email, translate, scan...), saved in the same
    transaction as the write and carried out afterwards by a worker (see `hub.outbox`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed (gave up)")

    effect = models.CharField(_("effect"), max_length=100)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Unique with the effect: recording the same effect for the same thing twice keeps one row.
    dedupe_key = models.CharField(max_length=255)
    queue = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Not before this time (backoff after a failure); the sweeper looks at pending entries past it.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When a task message was last published for it; the sweeper republishes after a grace period.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox entries")
        constraints = [
            models.UniqueConstraint(fields=["effect", "dedupe_key"], name="hub_outbox_effect_key_unique"),
        ]
        indexes = [
            # The sweeper's query: pending entries that are due, oldest first (a small partial index).
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(status="pending"), name="hub_outbox_pending_due"
            ),
            # Operators: what failed, by effect.
            models.Index(fields=["status", "effect"], name="hub_outbox_status_effect"),
            models.Index(fields=["content_type", "object_id"], name="hub_outbox_target"),
        ]

    def __str__(self) -> str:
        return f"{self.effect} #{self.pk} ({self.status})"
