from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginAttempt(models.Model):
    """Every sign-in attempt, kept so a person can spot one that was not theirs."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Signed in")
        BAD_PASSWORD = "bad_password", _("Wrong email or password")
        RATE_LIMITED = "rate_limited", _("Too many attempts")
        BAD_SECOND_FACTOR = "bad_second_factor", _("Wrong two-factor code")
        INACTIVE = "inactive", _("Account switched off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="login_attempts"
    )
    email_entered = models.CharField(_("email entered"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    # Only from our own edge proxy (accounts.requests.client_town); there is no location database.
    town = models.CharField(_("town"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login history")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.email_entered} {self.outcome} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def succeeded(self) -> bool:
        return self.outcome == self.Outcome.SUCCESS
