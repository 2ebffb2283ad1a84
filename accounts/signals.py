"""Login history receivers. Password failures and rate limits are recorded by AccountAdapter."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django_otp import devices_for_user

from accounts.models import LoginAttempt
from accounts.requests import client_ip, user_agent
from accounts.services import login_attempt_record


@receiver(user_logged_in)
def record_password_sign_in(sender, request, user, **kwargs):
    # Speak the person's language from this response on (the "signed in" message is written now).
    translation.activate(user.preferred_language)
    if request is not None:
        request.LANGUAGE_CODE = translation.get_language()
    # With a second factor set, the attempt succeeds only when the code is accepted
    # (recorded by the two-factor verify view), so the password step alone writes nothing.
    if request is None or any(devices_for_user(user, confirmed=True)):
        return
    login_attempt_record(
        user=user,
        email=user.email,
        outcome=LoginAttempt.Outcome.SUCCESS,
        ip_address=client_ip(request),
        user_agent=user_agent(request),
    )
