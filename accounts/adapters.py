from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import LoginAttempt
from accounts.requests import client_ip, user_agent
from accounts.services import login_attempt_record


class AccountAdapter(DefaultAccountAdapter):
    """Families and staff are invited by their school (roster import), so open sign-up is off by default."""

    def is_open_for_signup(self, request):
        return settings.ACCOUNT_ALLOW_SIGNUPS

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            self._record(request, credentials, LoginAttempt.Outcome.RATE_LIMITED)
            raise

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        self._record(request, credentials, LoginAttempt.Outcome.BAD_PASSWORD)

    def _record(self, request, credentials, outcome):
        login_attempt_record(
            email=credentials.get("email", ""),
            outcome=outcome,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
        )
