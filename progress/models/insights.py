"""Insights: alerts computed from a pupil's records, with the numbers that triggered them. An
insight suggests; it never acts or messages anyone by itself."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Pupil


class InsightRule(models.TextChoices):
    ENGAGEMENT_DROP = "engagement_drop", _("Engagement down")
    DECLINING_TREND = "declining_trend", _("Assessment results declining")
    MILESTONE = "milestone", _("Milestone reached")
    DEADLINE_MISSED = "deadline_missed", _("Goal date passed")


class Severity(models.TextChoices):
    INFO = "info", _("For information")
    WARNING = "warning", _("Worth a look")
    URGENT = "urgent", _("Needs attention")


class Insight(models.Model):
    """One alert about one pupil. `key` (rule and period, like "engagement_drop:2026-W48") keeps a
    rule from raising the same alert twice; `numbers` holds what the sentence shows."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="insights")
    rule = models.CharField(_("rule"), max_length=24, choices=InsightRule.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    key = models.CharField(max_length=100)
    numbers = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("insight")
        verbose_name_plural = _("insights")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["pupil", "raised_at", "id"], name="insight_pupil_raised")]
        constraints = [models.UniqueConstraint(fields=["pupil", "key"], name="insight_unique_key")]

    def __str__(self):
        return f"{self.get_rule_display()} ({self.key})"


class InsightSeen(models.Model):
    """One reader's state of an insight: read, and perhaps dismissed (for them only)."""

    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="seen")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("insight read")
        verbose_name_plural = _("insights read")
        constraints = [models.UniqueConstraint(fields=["insight", "user"], name="insight_seen_unique")]

    def __str__(self):
        return f"{self.user} — {self.insight}"
