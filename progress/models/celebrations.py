"""Milestones and the celebration cards made from them, and the pupil's portfolio."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Pupil, School
from progress.models.records import ReviewStatus, SoftDeleted, evidence_path


class MilestoneKind(models.TextChoices):
    GOAL_COMPLETED = "goal_completed", _("Goal completed")
    STREAK = "streak", _("Learning streak")
    LEVEL_GAINED = "level_gained", _("Competency level gained")
    AWARD = "award", _("Certificate or badge")


class Milestone(models.Model):
    """Something worth celebrating, recognised when it happened. `key` makes recognising it
    idempotent: the same goal completed, streak reached or level gained is one milestone."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind.choices)
    key = models.CharField(max_length=100)
    title = models.CharField(_("title"), max_length=200)
    details = models.JSONField(default=dict, blank=True)
    happened_on = models.DateField(_("date"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["-happened_on", "-id"]
        indexes = [models.Index(fields=["pupil", "happened_on", "id"], name="milestone_pupil_date")]
        constraints = [models.UniqueConstraint(fields=["pupil", "key"], name="milestone_unique_key")]

    def __str__(self):
        return self.title


class CelebrationTemplate(models.Model):
    """A school's wording for a kind of milestone: `{pupil}` and `{milestone}` are filled in."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="celebration_templates")
    kind = models.CharField(_("milestone"), max_length=16, choices=MilestoneKind.choices)
    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("celebration template")
        verbose_name_plural = _("celebration templates")
        constraints = [models.UniqueConstraint(fields=["school", "kind"], name="celebration_template_unique_kind")]

    def __str__(self):
        return self.heading


class Celebration(models.Model):
    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="celebration")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="celebrations")
    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("celebration")
        verbose_name_plural = _("celebrations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pupil", "created_at", "id"], name="celebration_pupil_created")]

    def __str__(self):
        return self.heading


class CelebrationNote(models.Model):
    """A parent's or teacher's words on a celebration card (the pupil's own go in PupilVoice)."""

    celebration = models.ForeignKey(Celebration, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("your words"))
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("celebration note")
        verbose_name_plural = _("celebration notes")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:60]


class PortfolioVisibility(models.TextChoices):
    FAMILY = "family", _("Family and the pupil's teachers")
    CLASS = "class", _("The pupil's class")
    SCHOOL = "school", _("The whole school")


class PortfolioItem(models.Model):
    """A piece of work, a photo or a reflection. Seen beyond the family only once a teacher has
    approved it, and then only as far as its visibility (and, later, consent) allows."""

    class Kind(models.TextChoices):
        WORK = "work", _("Work")
        PHOTO = "photo", _("Photo")
        REFLECTION = "reflection", _("Reflection")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="portfolio_items")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(upload_to=evidence_path, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    visibility = models.CharField(
        _("who can see it"), max_length=8, choices=PortfolioVisibility.choices, default=PortfolioVisibility.FAMILY
    )
    status = models.CharField(_("status"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The form's idempotency key: the same item sent twice is added once.
    client_key = models.CharField(max_length=64, blank=True, default="")

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("portfolio item")
        verbose_name_plural = _("portfolio items")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["pupil", "created_at", "id"], name="portfolio_pupil_created"),
            models.Index(fields=["status", "visibility"], name="portfolio_status_visibility"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["added_by", "client_key"],
                condition=~models.Q(client_key=""),
                name="portfolio_client_key_unique",
            )
        ]

    def __str__(self):
        return self.title
