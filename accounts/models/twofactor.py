"""Second-factor devices (django-otp). Secrets are encrypted at rest; backup codes are hashed."""

from datetime import UTC, datetime

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import CooldownMixin, Device, SideChannelDevice, ThrottlingMixin, TimestampMixin

from hub.crypto import EncryptedTextField

# A wrong code doubles the wait before the next try (1 s, 2 s, 4 s ...); see ThrottlingMixin.
THROTTLE_FACTOR = 1


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app. pyotp checks codes; the shared secret is a Fernet-encrypted base32 string."""

    secret = EncryptedTextField()
    # The last time step accepted, so a code cannot be replayed within its 30 seconds.
    last_time_step = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    def get_throttle_factor(self):
        return THROTTLE_FACTOR

    def totp(self) -> pyotp.TOTP:
        return pyotp.TOTP(self.secret)

    def provisioning_uri(self) -> str:
        return self.totp().provisioning_uri(name=self.user.email, issuer_name=settings.OTP_TOTP_ISSUER)

    def verify_token(self, token):
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token).strip().replace(" ", "")
        totp = self.totp()
        now = timezone.now()
        # One step either side tolerates a phone clock that is up to 30 seconds out.
        for drift in (0, -1, 1):
            at = now.timestamp() + drift * totp.interval
            step = totp.timecode(datetime.fromtimestamp(at, tz=UTC))
            if step > self.last_time_step and totp.verify(token, for_time=at, valid_window=0):
                self.last_time_step = step
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
                return True
        self.throttle_increment()
        return False


class BackupCodeDevice(ThrottlingMixin, Device):
    """Ten single-use codes for when the phone is lost. Only their hashes are kept."""

    class Meta(Device.Meta):
        verbose_name = _("backup codes")

    def get_throttle_factor(self):
        return THROTTLE_FACTOR

    def verify_token(self, token):
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token).strip().replace(" ", "").replace("-", "").lower()
        for code in self.codes.filter(used_at__isnull=True):
            if check_password(token, code.code_hash):
                code.used_at = timezone.now()
                code.save(update_fields=["used_at"])
                self.throttle_reset()
                return True
        self.throttle_increment()
        return False


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("backup code")

    def __str__(self):
        return f"Backup code for {self.device.user} ({'used' if self.used_at else 'unused'})"


class SMSDevice(TimestampMixin, CooldownMixin, ThrottlingMixin, SideChannelDevice):
    """Codes sent by text message through the configured SMS gateway (hub/sms.py)."""

    phone_number = models.CharField(max_length=32)

    class Meta(SideChannelDevice.Meta):
        verbose_name = _("text message device")

    def get_throttle_factor(self):
        return THROTTLE_FACTOR

    def get_cooldown_duration(self):
        return 30

    def generate_challenge(self):
        from hub import sms  # infrastructure below accounts; imported late to keep models light

        self.generate_token(valid_secs=600)
        sms.send(
            to=self.phone_number,
            body=str(_("Your Homeroom sign-in code is %(code)s. It expires in 10 minutes.") % {"code": self.token}),
        )
        self.cooldown_set()
        return str(_("We sent a code by text message."))

    def verify_token(self, token):
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        verified = super().verify_token(str(token).strip())
        if verified:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment()
        return verified
