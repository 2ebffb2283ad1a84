"""Writes for a person's own devices: noting where a session is used, and signing sessions out.

Signing a session out deletes it from the session store (its next request is anonymous) and
sends `accounts.settings.sessions.sessions_ended`, on which messaging closes that session's WebSockets
after the transaction commits (accounts never imports messaging).
"""

from allauth.usersessions.models import UserSession
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from accounts.settings.devices import device_in_words
from accounts.settings.sessions import live_session_keys, session_store_class, sessions_ended

UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - stored when a request carried no address, never bound to


class SessionError(Exception):
    """A refusal the person can read (their own device cannot be ended from this page)."""


def session_seen(*, user: User, session_key: str, ip_address: str | None, user_agent: str, town: str = "") -> None:
    """Note that `session_key` signs `user` in from this device now (one UPDATE when already known)."""
    if not session_key:
        return
    now = timezone.now()
    ip_address = ip_address or UNKNOWN_ADDRESS
    user_agent = (user_agent or "")[: UserSession._meta.get_field("user_agent").max_length]
    updated = UserSession.objects.filter(session_key=session_key, user=user).update(
        last_seen_at=now, ip=ip_address, user_agent=user_agent, data={"town": town} if town else {}
    )
    if not updated:
        UserSession.objects.update_or_create(
            session_key=session_key,
            defaults={
                "user": user,
                "ip": ip_address,
                "user_agent": user_agent,
                "last_seen_at": now,
                "created_at": now,
                "data": {"town": town} if town else {},
            },
        )


def _end(user: User, sessions: list[UserSession]) -> list[str]:
    keys = [session.session_key for session in sessions]
    if not keys:
        return keys
    store_class = session_store_class()
    get_model_class = getattr(store_class, "get_model_class", None)
    if get_model_class is not None:
        get_model_class().objects.filter(session_key__in=keys).delete()
        for key in keys:  # a cached_db store keeps a copy in the cache too
            if hasattr(store_class, "cache_key_prefix"):
                store_class(key).delete(key)
    else:
        for key in keys:
            store_class(key).delete(key)
    UserSession.objects.filter(user=user, session_key__in=keys).delete()
    sessions_ended.send(sender=User, user_id=user.pk, session_keys=keys)
    return keys


@transaction.atomic
def session_end(*, user: User, user_session: UserSession, current_session_key: str) -> None:
    """Sign one of the person's other devices out. Refuses (SessionError) the device in use."""
    if user_session.session_key == current_session_key:
        raise SessionError(_("This is the device you are using now. To sign out here, use “Sign out”."))
    _end(user, [user_session])
    audit.record(
        actor=user,
        action="account.session_ended",
        target=user,
        device=device_in_words(user_session.user_agent),
        signed_in_at=user_session.created_at.isoformat(),
    )


@transaction.atomic
def sessions_end_others(*, user: User, current_session_key: str) -> int:
    """Sign out every device but the one in use; returns how many were signed out."""
    others = list(UserSession.objects.filter(user=user).exclude(session_key=current_session_key))
    # Rows of sessions that already ended go too, but only live ones count as signed out.
    live = live_session_keys(user, [session.session_key for session in others])
    _end(user, others)
    if live:
        audit.record(actor=user, action="account.sessions_ended", target=user, count=len(live))
    return len(live)
