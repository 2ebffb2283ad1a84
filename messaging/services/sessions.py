"""Whether the session a WebSocket was opened under still signs its person in, and until when.

Decided from the session store as Django's own `auth.get_user` decides on every request (user,
backend, active account, password hash), so a socket ends for exactly the reasons a page would:
signed out, password changed, account switched off, session expired or deleted.
"""

import datetime
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User
from hub.compiled_sql import reused_one


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_signs_in(*, session_key: str, user_id: int) -> bool:
    """True while the session still signs in `user_id`: asked before every event from an open
    page. What `auth.get_user` checks, in its order, in two statements written once per process
    (the session's, `hub.sessions`, and the account's): through the ORM they cost 1.2-1.7 ms of
    CPU an event, as much as the rest of a "read". Unlike `auth.get_user` it changes nothing: a
    session that no longer verifies is ended by the next page the browser asks for (Django
    deletes it then) or by the sign-out that closes its sockets, not by this check."""
    return bool(session_key) and _signs_in(_store(session_key), user_id)


def _signs_in(store, user_id: int) -> bool:
    """What `auth.get_user` decides of the session in `store` (whether it signs in `user_id`),
    without writing anything."""
    try:
        signed_in, backend_path = str(store[auth.SESSION_KEY]), store[auth.BACKEND_SESSION_KEY]
    except KeyError:
        return False
    if signed_in != str(user_id) or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    backend = auth.load_backend(backend_path)
    if type(backend).get_user is not ModelBackend.get_user:
        # A backend that finds its people its own way: ask Django, as a page would.
        user = auth.get_user(SimpleNamespace(session=store))
        return user.is_authenticated and user.pk == user_id
    user = reused_one(User, user_id, shape=("sessions.signs_in",))
    return user is not None and backend.user_can_authenticate(user) and _password_unchanged(store, user)


def _password_unchanged(store, user: User) -> bool:
    """The session's digest of the password hash still matches the account's (a password change
    signs every other session out), under the current secret key or a fallback one (the next page
    then moves the session to the current key, as Django does)."""
    session_hash = store.get(auth.HASH_SESSION_KEY)
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    return any(constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash())


def session_expiry(*, session_key: str, user_id: int) -> datetime.datetime | None:
    """When the session ends, while it still signs in `user_id`; None when it no longer does."""
    store = _store(session_key)
    if not _signs_in(store, user_id):
        return None
    model = getattr(store, "model", None)  # the database store keeps the real end in its row
    if model is not None:
        ends = model.objects.filter(session_key=session_key).values_list("expire_date", flat=True).first()
    else:
        ends = store.get_expiry_date()
    if ends is None or ends <= timezone.now():
        return None
    return ends
