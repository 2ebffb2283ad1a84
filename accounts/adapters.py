from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts import audit
from accounts.models import LoginAttempt
from accounts.requests import client_ip, client_town, user_agent
from accounts.services import login_attempt_record


class AccountAdapter(DefaultAccountAdapter):
    """Families and staff are invited by their school (roster import), so open sign-up is off by default."""

    def is_open_for_signup(self, request):
        # Someone holding a family member's invitation (opened in this session) may make an account.
        from accounts.family.services import signup_invitation

        return settings.ACCOUNT_ALLOW_SIGNUPS or signup_invitation(request) is not None

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            self._record(request, credentials, LoginAttempt.Outcome.RATE_LIMITED)
            raise

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        self._record(request, credentials, LoginAttempt.Outcome.BAD_PASSWORD)

    def send_password_reset_mail(self, user, email, context):
        """Send the reset link only to an address the owner has verified.

        Otherwise someone holding a signed-in session for a moment could add their own address
        and reset the password to it. The answer on the page is the same either way, so the
        form does not tell a stranger which addresses exist or are verified.
        """
        if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
            audit.record(actor=None, action="account.password_reset_refused_unverified", target=user)
            return
        audit.record(actor=None, action="account.password_reset_requested", target=user)
        super().send_password_reset_mail(user, email, context)

    def _record(self, request, credentials, outcome):
        login_attempt_record(
            email=credentials.get("email", ""),
            outcome=outcome,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            town=client_town(request),
        )
