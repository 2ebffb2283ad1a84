"""One-time links built on Django's password-reset tokens (HMAC of the state they change)."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

# An invitation may sit in an inbox over a holiday; a reset link should not.
DEFAULT_INVITATION_TIMEOUT = 14 * 24 * 3600


class _LongerLivedTokenGenerator(PasswordResetTokenGenerator):
    """Django's generator with its own lifetime instead of PASSWORD_RESET_TIMEOUT."""

    def timeout(self) -> int:
        return getattr(settings, "ACCOUNT_INVITATION_TIMEOUT", DEFAULT_INVITATION_TIMEOUT)

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return (self._num_seconds(self._now()) - ts) <= self.timeout()


class InvitationTokenGenerator(_LongerLivedTokenGenerator):
    """Valid until the password is set (the hash covers the unusable password and the email)."""

    key_salt = "accounts.invitations.InvitationTokenGenerator"


class LinkTokenGenerator(_LongerLivedTokenGenerator):
    """For an AccountLink: valid while it is pending and the account's email is unchanged."""

    key_salt = "accounts.invitations.LinkTokenGenerator"

    def _make_hash_value(self, link, timestamp):
        return f"{link.pk}{link.user_id}{link.school_id}{link.status}{link.user.email}{timestamp}"


invitation_tokens = InvitationTokenGenerator()
link_tokens = LinkTokenGenerator()
