"""Login history receivers. Password failures and rate limits are recorded by AccountAdapter."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django_otp import devices_for_user

from accounts.models import LoginAttempt
from accounts.requests import client_ip, client_town, user_agent
from accounts.services import login_attempt_record


@receiver(user_logged_in)
def track_signed_in_session(sender, request, user, **kwargs):
    """Every session that signs someone in is listed on their devices page from its first moment."""
    if request is None or not getattr(getattr(request, "session", None), "session_key", None):
        return
    from accounts.settings.middleware import session_seen_now

    session_seen_now(request, user)


def _track_after_allauth_sign_in(sender, request, user, **kwargs):
    # allauth.usersessions, on its own sign-in signal (sent after Django's), drops the row just
    # written (the new session's data is not saved yet) and writes one without the town: note again.
    track_signed_in_session(sender, request=request, user=user)


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
        town=client_town(request),
    )


# ---- security (issue 6): every change to how a person signs in is audited, and the owner told ----


def _audit_account_change(action: str):
    def receiver_(sender, request=None, user=None, **kwargs):
        from accounts import audit

        details = {}
        for name in ("email_address", "from_email_address", "to_email_address"):
            address = kwargs.get(name)
            if address is not None:
                details[name.removesuffix("_address")] = address.email
        if user is None and "email_address" in kwargs:
            user = kwargs["email_address"].user
        audit.record(
            actor=user if request is not None and getattr(request, "user", None) == user else None,
            action=action,
            target=user,
            ip_address=client_ip(request) if request is not None else None,
            **details,
        )

    return receiver_


def _tell_owner_of_new_address(sender, request, user, email_address, **kwargs):
    # allauth tells the old address about a change of primary address and about removals, and the
    # new address gets its verification link; the owner's current address hears of the addition.
    from allauth.account.adapter import get_adapter

    get_adapter(request).send_notification_mail("account/email/email_added", user, {"added_email": email_address.email})


def _connect_account_change_receivers():
    from allauth.account import signals as allauth_signals

    for signal, action in (
        (allauth_signals.email_added, "account.email_added"),
        (allauth_signals.email_removed, "account.email_removed"),
        (allauth_signals.email_changed, "account.email_changed"),
        (allauth_signals.email_confirmed, "account.email_verified"),
        (allauth_signals.password_changed, "account.password_changed"),
        (allauth_signals.password_set, "account.password_set"),
        (allauth_signals.password_reset, "account.password_reset"),
    ):
        signal.connect(_audit_account_change(action), weak=False, dispatch_uid=action)
    allauth_signals.email_added.connect(_tell_owner_of_new_address, dispatch_uid="account.email_added.notify")
    allauth_signals.user_logged_in.connect(_track_after_allauth_sign_in, dispatch_uid="account.session_tracked")


_connect_account_change_receivers()
