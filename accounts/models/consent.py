"""A family's consent: per child, which kinds of data may reach which recipients.

One `ConsentRecord` per child, data kind and recipient once a guardian has chosen; without one the
school's default for that cell (`SchoolConsentDefault`) applies, and without that the built-in
default (`accounts.consent.policies.builtin_default`). Every change, including a consent lapsing
at its end date, is a `ConsentChange`: the family's timeline.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models.people import Pupil, School


class DataKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment results")
    ACTIVITY = "activity", _("Activity and engagement")
    MOOD = "mood", _("Mood check-ins")
    PHOTOS = "photos", _("Photos and portfolio")
    SEND = "send", _("SEND information")
    MESSAGES = "messages", _("Messages")


class Recipient(models.TextChoices):
    CLASS_TEACHERS = "class_teachers", _("Class teachers")
    OTHER_STAFF = "other_staff", _("Other school staff")
    AI = "ai", _("AI features")
    OTHER_FAMILIES = "other_families", _("Other families in the class")
    PARTNERS = "partners", _("Partner schools and learning communities")
    EXTERNAL = "external", _("External professionals")


class ConsentRecord(models.Model):
    """A guardian's choice for one cell of one child's matrix. The latest change wins, whichever
    guardian made it."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="consent_records")
    data_kind = models.CharField(_("kind of data"), max_length=16, choices=DataKind.choices)
    recipient = models.CharField(_("recipient"), max_length=16, choices=Recipient.choices)
    given = models.BooleanField(_("consent given"))
    expires_at = models.DateTimeField(_("ends"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["pupil", "data_kind", "recipient"], name="consent_one_per_cell")]
        # The read-time filter: which pupils refused (or let lapse) one cell.
        indexes = [models.Index(fields=["data_kind", "recipient", "given"], name="consent_cell_idx")]

    def __str__(self):
        return f"{self.pupil}: {self.get_data_kind_display()} / {self.get_recipient_display()}"


class SchoolConsentDefault(models.Model):
    """What a cell is for a child whose guardians have not chosen, set by the school's admins."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="consent_defaults")
    data_kind = models.CharField(_("kind of data"), max_length=16, choices=DataKind.choices)
    recipient = models.CharField(_("recipient"), max_length=16, choices=Recipient.choices)
    given = models.BooleanField(_("given unless a family refuses"), default=True)

    class Meta:
        verbose_name = _("school consent default")
        verbose_name_plural = _("school consent defaults")
        ordering = ["school", "data_kind", "recipient"]
        constraints = [
            models.UniqueConstraint(fields=["school", "data_kind", "recipient"], name="consent_default_one_per_cell")
        ]

    def __str__(self):
        return f"{self.school}: {self.get_data_kind_display()} / {self.get_recipient_display()}"


class ConsentChange(models.Model):
    """One change to a cell: who, when, from what to what, from where. Never edited."""

    class Action(models.TextChoices):
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Ended on its end date")

    record = models.ForeignKey(ConsentRecord, on_delete=models.CASCADE, related_name="changes")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="consent_changes")
    data_kind = models.CharField(_("kind of data"), max_length=16, choices=DataKind.choices)
    recipient = models.CharField(_("recipient"), max_length=16, choices=Recipient.choices)
    action = models.CharField(_("what happened"), max_length=8, choices=Action.choices)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    old_value = models.BooleanField(_("before"))
    new_value = models.BooleanField(_("after"))
    expires_at = models.DateTimeField(_("ends"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pupil", "-created_at", "-id"], name="consent_change_timeline_idx")]

    def __str__(self):
        return f"{self.pupil}: {self.get_action_display()} ({self.created_at:%Y-%m-%d})"
