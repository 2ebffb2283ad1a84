"""What the parents' dashboard stores of its own: a guardian's mood and energy check-ins."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Pupil


class Mood(models.TextChoices):
    """The emoji a guardian taps, from low to high; each carries its mood on the 1–5 scale."""

    LOW = "low", _("Low")
    WORRIED = "worried", _("Worried")
    OKAY = "okay", _("Okay")
    GOOD = "good", _("Good")
    GREAT = "great", _("Great")


EMOJI = {
    Mood.LOW: "\N{CRYING FACE}",
    Mood.WORRIED: "\N{WORRIED FACE}",
    Mood.OKAY: "\N{NEUTRAL FACE}",
    Mood.GOOD: "\N{SLIGHTLY SMILING FACE}",
    Mood.GREAT: "\N{GRINNING FACE WITH SMILING EYES}",
}
MOOD_VALUE = {Mood.LOW: 1, Mood.WORRIED: 2, Mood.OKAY: 3, Mood.GOOD: 4, Mood.GREAT: 5}


class MoodCheckIn(models.Model):
    """One tap on the dashboard: how the guardian (about the family, or about one child) feels
    today, as an emoji with its mood 1–5, the energy they have 1–5, and an optional note."""

    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_check_ins")
    # Empty: about the whole family.
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("about")
    )
    emoji = models.CharField(_("mood"), max_length=8, choices=Mood.choices)
    mood = models.PositiveSmallIntegerField(_("mood (1 to 5)"))
    energy = models.PositiveSmallIntegerField(_("energy (1 to 5)"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mood check-in")
        verbose_name_plural = _("mood check-ins")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["guardian", "created_at", "id"], name="mood_guardian_created")]
        constraints = [
            models.CheckConstraint(condition=Q(mood__gte=1, mood__lte=5), name="mood_checkin_mood_range"),
            models.CheckConstraint(condition=Q(energy__gte=1, energy__lte=5), name="mood_checkin_energy_range"),
        ]

    def __str__(self):
        return f"{self.get_emoji_display()} ({self.mood}/5, {self.energy}/5)"

    @property
    def symbol(self) -> str:
        return EMOJI.get(self.emoji, "")
