"""Family members: a guardian invites a co-parent or carer, choosing per child what they may see.

`FamilyInvitation` is the emailed, signed, expiring offer; accepting it creates a `Guardianship`
per child and a `GuardianScope` beside each, keyed by the guardianship. A guardianship without a
scope row (made by the school, an import or admin) sees everything its viewing rights allow.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models.people import Guardianship, Relationship

INVITATION_LIFETIME = datetime.timedelta(days=7)


class Scope(models.TextChoices):
    PROGRESS = "progress", _("Progress")
    MESSAGES = "messages", _("Messages")
    FINANCE = "finance", _("Finance")
    REPORTS = "reports", _("Reports")


ALL_SCOPES = tuple(Scope.values)


def _expiry():
    return timezone.now() + INVITATION_LIFETIME


class FamilyInvitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_invitations_sent"
    )
    email = models.EmailField(_("email address"))
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(_("has parental responsibility"), default=False)
    # {"<pupil id>": ["progress", "messages", ...]}: the children offered and what each may show.
    scopes = models.JSONField(_("what they may see"), default=dict)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), default=_expiry)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="family_invitations_accepted",
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("family invitation")
        verbose_name_plural = _("family invitations")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.email} ({self.get_status_display()})"

    @property
    def pupil_ids(self) -> list[int]:
        return [int(key) for key in self.scopes]

    def is_usable(self, now=None) -> bool:
        return self.status == self.Status.PENDING and (now or timezone.now()) < self.expires_at


class GuardianScope(models.Model):
    """What a family member may see of one child. Read where each kind of data is read."""

    guardianship = models.OneToOneField(Guardianship, on_delete=models.CASCADE, related_name="scope")
    progress = models.BooleanField(_("progress"), default=True)
    messages = models.BooleanField(_("messages"), default=True)
    finance = models.BooleanField(_("finance"), default=True)  # read by finance.policies
    reports = models.BooleanField(_("reports"), default=True)  # read by reports.policies
    invitation = models.ForeignKey(FamilyInvitation, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("family member's scope")
        verbose_name_plural = _("family members' scopes")

    def __str__(self):
        return ", ".join(s for s in ALL_SCOPES if getattr(self, s)) or "-"

    def granted(self) -> list[str]:
        return [s for s in ALL_SCOPES if getattr(self, s)]
