"""Test settings: the base settings with jobs run in-process and a fast password hasher.

DATABASE_URL and REDIS_URL still choose PostgreSQL and Redis when set (CI sets both).
"""

import os
from urllib.parse import urlsplit, urlunsplit


def _redis_url_for_this_worker(url: str, worker: str) -> str:
    """Under `pytest -n` each worker has its own test database (pytest-django adds `_gw<n>` to its
    name), so two workers hold rows with the same ids; each gets its own Redis database as well, so
    channel groups, cache keys and queues named after those ids never meet another worker's."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    number = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(database + 1 + number) % 16}"))


# Once, in the xdist worker itself: the Celery workers and servers a test starts inherit its
# environment (PYTEST_XDIST_WORKER included) and must use the Redis they are given as it is.
if (
    os.environ.get("REDIS_URL")
    and os.environ.get("PYTEST_XDIST_WORKER")
    and not os.environ.get("HOMEROOM_REDIS_PER_WORKER")
):
    os.environ["REDIS_URL"] = _redis_url_for_this_worker(os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"])
    os.environ["HOMEROOM_REDIS_PER_WORKER"] = "1"

from hub.settings.base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# Emails about new messages go at once, as most tests expect; the tests of the wait set it.
NOTIFICATIONS_UNREAD_WAIT_SECONDS = 0.0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "console"
ACCOUNT_EMAIL_VERIFICATION = "optional"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
