"""Whether the session a WebSocket was opened under still signs its person in, and until when.

Read from the session store the way Django's own `auth.get_user` reads it on every request (user,
backend, active account, password hash), so a socket ends for exactly the reasons a page would:
signed out, password changed, account switched off, session expired or deleted.
"""

import datetime
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.utils import timezone


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_signs_in(*, session_key: str, user_id: int) -> bool:
    """True while the session still signs in `user_id` (two queries with the database store)."""
    if not session_key:
        return False
    user = auth.get_user(SimpleNamespace(session=_store(session_key)))
    return user.is_authenticated and user.pk == user_id


def session_expiry(*, session_key: str, user_id: int) -> datetime.datetime | None:
    """When the session ends, while it still signs in `user_id`; None when it no longer does."""
    store = _store(session_key)
    user = auth.get_user(SimpleNamespace(session=store))
    if not (user.is_authenticated and user.pk == user_id):
        return None
    model = getattr(store, "model", None)  # the database store keeps the real end in its row
    if model is not None:
        ends = model.objects.filter(session_key=session_key).values_list("expire_date", flat=True).first()
    else:
        ends = store.get_expiry_date()
    if ends is None or ends <= timezone.now():
        return None
    return ends
