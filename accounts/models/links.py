from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountLink(models.Model):
    """A school's request to link an account that already existed to its records.

    A roster import that meets an existing account not yet linked to the importing school writes
    one of these instead of the memberships and guardianships themselves, and emails the account's
    owner. Nothing in `links` takes effect (and the school gets no say over the account) until the
    owner accepts. `links` holds what to create then: {"kind": "guardian", "pupil_id", ...} or
    {"kind": "staff", "role", "department_id", "class_group_ids"}.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the person to accept")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="link_requests")
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE, related_name="link_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    links = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("account link request")
        verbose_name_plural = _("account link requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school"], condition=models.Q(status="pending"), name="account_link_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.school} ({self.get_status_display()})"
