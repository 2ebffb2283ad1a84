"""A Redis cache that fails safe: while Redis is unreachable, this process uses its own memory.

The cache holds counters that protect people (allauth's sign-in rate limits, wrong two-factor
codes). With Redis down, a plain RedisCache raised and sign-in answered 500; ignoring the error
instead would let every guess through. Here each process keeps counting in a local LocMemCache
for the outage, so sign-in works and limits still apply (per process, so a little looser), and
Redis is tried again every few seconds. Sessions never live in this cache (they are in the
database), so nobody is signed out by an outage.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# How long to stay on the local cache before trying Redis again: long enough that an outage
# does not cost every request a failed connection attempt, short enough to come back quickly.
RETRY_REDIS_AFTER_SECONDS = 5.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class FailSafeRedisCache(RedisCache):
    """Django's RedisCache, falling back to a per-process LocMemCache while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        options = {key: value for key, value in params.items() if key in {"TIMEOUT", "KEY_PREFIX", "VERSION"}}
        self._local = LocMemCache(f"failsafe-{id(self)}", options)
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_degraded(self) -> bool:
        """True while this process is counting in its own memory instead of Redis."""
        return time.monotonic() < self._down_until

    def _call(self, name: str, *args, **kwargs):
        if not self.is_degraded:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self._mark_down(error)
            else:
                self._mark_up()
                return result
        return getattr(self._local, name)(*args, **kwargs)

    def _mark_down(self, error: Exception) -> None:
        with self._lock:
            already_down = self._down_until > 0.0
            self._down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
        if not already_down:
            logger.error("Redis cache unreachable (%s); using this process's memory until it answers.", error)

    def _mark_up(self) -> None:
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.warning("Redis cache reachable again.")

    def ping(self) -> None:
        """Ask Redis itself (no fallback): raises while it is unreachable. For /healthz."""
        self._cache.get_client(write=True).ping()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        self._local.clear()
        return self._call("clear")
