"""The worker's heartbeat: beat schedules `hub.heartbeat.beat` every minute, a worker runs it and
writes the time to the cache, and /healthz reports how long ago a worker last answered.

A queue with nobody consuming it looks healthy from the web process (the broker accepts jobs);
only a job that a worker actually ran proves that notifications, emails and translations move.
"""

import time

from celery import shared_task
from celery.signals import worker_ready
from django.core.cache import cache

HEARTBEAT_KEY = "homeroom:worker-heartbeat"
# Beat sends one a minute; three missed in a row means no worker is taking jobs.
HEARTBEAT_EVERY_SECONDS = 60.0
HEARTBEAT_STALE_AFTER_SECONDS = 180.0


def heartbeat_record(*, at: float | None = None) -> None:
    """Write "a worker answered at `at`" (seconds since the epoch, default now) for /healthz."""
    cache.set(HEARTBEAT_KEY, time.time() if at is None else at, timeout=24 * 60 * 60)


def heartbeat_age() -> float | None:
    """Seconds since a worker last answered, or None if none ever did (as far as the cache knows)."""
    at = cache.get(HEARTBEAT_KEY)
    return None if at is None else max(0.0, time.time() - float(at))


# Short expiry and time limit: a heartbeat that waited minutes in a queue tells nothing new.
@shared_task(name="hub.heartbeat.beat", ignore_result=True, expires=HEARTBEAT_EVERY_SECONDS, time_limit=30)
def beat() -> None:
    heartbeat_record()


@worker_ready.connect
def _answer_at_start(**kwargs) -> None:
    # A freshly started worker counts as answering at once, not a minute later.
    heartbeat_record()
