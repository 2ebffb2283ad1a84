"""Keeps each signed-in session's row (device, address, last seen) for the devices page.

At most one write per session every SEEN_EVERY: the time of the last note is kept in the session
itself, so most requests add no query at all. Sessions from before this was installed, or whose
key changed (a password change), are picked up at their next request.
"""

import hashlib
import time

from accounts.requests import client_ip, client_town, user_agent
from accounts.settings import services

SEEN_EVERY = 5 * 60  # seconds
SEEN_SESSION_KEY = "settings_session_seen"


def _fingerprint(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()[:16]


def session_seen_now(request, user) -> None:
    session = request.session
    services.session_seen(
        user=user,
        session_key=session.session_key,
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        town=client_town(request),
    )
    session[SEEN_SESSION_KEY] = [_fingerprint(session.session_key), time.time()]


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        key = getattr(session, "session_key", None)
        if key and user is not None and user.is_authenticated:
            seen = session.get(SEEN_SESSION_KEY)
            fresh = (
                isinstance(seen, list)
                and len(seen) == 2
                and seen[0] == _fingerprint(key)
                and 0 <= time.time() - seen[1] < SEEN_EVERY
            )
            if not fresh:
                session_seen_now(request, user)
        return self.get_response(request)
