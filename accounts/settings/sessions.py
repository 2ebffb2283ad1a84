"""Which sessions sign a person in, read in a constant number of queries.

allauth.usersessions keeps one row per session (device, address, first and last seen). A row
outlives its session when the session expired, was signed out or was left behind by a password
change; those are told apart here the way Django's `auth.get_user` does on every request (the
user id and the password hash kept in the session), for all rows at once.
"""

from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.dispatch import Signal
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User

# Sent (inside the transaction) when a person signs other sessions of theirs out from the settings
# pages, with `user_id` and `session_keys`: messaging closes those sessions' WebSockets on commit.
sessions_ended = Signal()


def session_store_class():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _hashes(user: User) -> list[str]:
    hashes = [user.get_session_auth_hash()]
    for fallback in getattr(settings, "SECRET_KEY_FALLBACKS", []):
        hashes.append(user._get_session_auth_hash(secret=fallback))
    return hashes


def live_session_keys(user: User, session_keys: list[str]) -> set[str]:
    """The keys, among `session_keys`, of sessions that still sign `user` in (one query with the
    database store; one per key with any other store)."""
    if not session_keys:
        return set()
    store_class = session_store_class()
    get_model_class = getattr(store_class, "get_model_class", None)
    if get_model_class is not None:
        rows = (
            get_model_class()
            .objects.filter(session_key__in=session_keys, expire_date__gt=timezone.now())
            .values_list("session_key", "session_data")
        )
        decoded = {key: store_class().decode(data) for key, data in rows}
    else:
        decoded = {key: store_class(key).load() for key in session_keys}
    hashes = _hashes(user)
    live = set()
    for key, data in decoded.items():
        if str(data.get(SESSION_KEY)) != str(user.pk):
            continue
        if any(constant_time_compare(data.get(HASH_SESSION_KEY, ""), known) for known in hashes):
            live.add(key)
    return live


def tracked_sessions(user: User) -> list[UserSession]:
    """The person's sessions that still sign them in, most recently seen first (two queries)."""
    rows = list(UserSession.objects.filter(user=user).order_by("-last_seen_at", "-pk"))
    live = live_session_keys(user, [row.session_key for row in rows])
    return [row for row in rows if row.session_key in live]
