"""Shared goals: what home and school agree a pupil is working towards, the updates either side
adds (with evidence), and the pupil's own voice."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Pupil
from progress.models.records import SoftDeleted, evidence_path


class GoalCategory(models.TextChoices):
    ACADEMIC = "academic", _("Academic")
    BEHAVIOURAL = "behavioural", _("Behaviour")
    CREATIVE = "creative", _("Creative")
    HEALTH = "health", _("Health")
    SOCIAL = "social", _("Social")


class GoalOwner(models.TextChoices):
    # "Home" as in the family's home, not the site's home page.
    HOME = "home", pgettext_lazy("the family's home", "Home")
    SCHOOL = "school", _("School")
    BOTH = "both", _("Home and school")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


class Side(models.TextChoices):
    HOME = "home", pgettext_lazy("the family's home", "Home")
    SCHOOL = "school", _("School")
    PUPIL = "pupil", _("Pupil")


class Goal(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    description = models.TextField(_("what success looks like"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=GoalCategory.choices)
    owner = models.CharField(_("owned by"), max_length=8, choices=GoalOwner.choices, default=GoalOwner.BOTH)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    home_support = models.TextField(_("how home will support it"), blank=True)
    school_support = models.TextField(_("how school will support it"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The form's idempotency key: the same form sent twice sets one goal.
    client_key = models.CharField(max_length=64, blank=True, default="")

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("shared goal")
        verbose_name_plural = _("shared goals")
        ordering = ["status", "target_date", "-id"]
        indexes = [models.Index(fields=["pupil", "status", "target_date"], name="goal_pupil_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "client_key"], condition=~models.Q(client_key=""), name="goal_client_key_unique"
            )
        ]

    def __str__(self):
        return self.title


class GoalUpdate(models.Model):
    """Progress on a goal from home, school or the pupil, with optional evidence."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="updates")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")  # for the evidence path
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(_("from"), max_length=8, choices=Side.choices)
    note = models.TextField(_("update"))
    progress = models.PositiveSmallIntegerField(
        _("how far along (%)"), null=True, blank=True, help_text=_("Optional: 0 to 100.")
    )
    file = models.FileField(upload_to=evidence_path, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The form's idempotency key: the same update sent twice (a slow upload) is added once.
    client_key = models.CharField(max_length=64, blank=True, default="")

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("goal update")
        verbose_name_plural = _("goal updates")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["goal", "created_at", "id"], name="goalupdate_goal_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__isnull=True) | models.Q(progress__lte=100), name="goalupdate_progress_max"
            ),
            models.UniqueConstraint(
                fields=["author", "client_key"], condition=~models.Q(client_key=""), name="goalupdate_client_key_unique"
            ),
        ]

    def __str__(self):
        return self.note[:60]


class PupilVoice(models.Model):
    """The pupil's own words about a goal, a celebration or a portfolio item. Written by the pupil
    (signed in) or, for a younger pupil, by an adult: shown as "said by Lucía, written by her
    teacher"."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="voices")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, null=True, blank=True, related_name="voices")
    celebration = models.ForeignKey(
        "progress.Celebration", on_delete=models.PROTECT, null=True, blank=True, related_name="voices"
    )
    portfolio_item = models.ForeignKey(
        "progress.PortfolioItem", on_delete=models.PROTECT, null=True, blank=True, related_name="voices"
    )
    text = models.TextField(_("in their own words"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_by_pupil = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("pupil's voice")
        verbose_name_plural = _("pupil's voice")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["pupil", "created_at"], name="voice_pupil_created")]

    def __str__(self):
        return self.text[:60]
