"""Sign-in with Redis down: the rate-limit cache fails safe (limits still apply), never with a 500.

The tests start their own redis-server on a free port and stop it, so nothing else is disturbed.
"""

import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from hub import cache as failsafe
from tests import factories
from tests.conftest import require

REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = _free_port()
        self.directory = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the system's redis-server, our arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path, settings):
    require(REDIS_SERVER is not None, "redis-server is not installed (apt-get install redis-server)")
    server = PrivateRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "hub.cache.FailSafeRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    yield server
    server.stop()


def _sign_in(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_sessions_do_not_live_in_the_cache(settings):
    # An outage would otherwise sign everybody out.
    assert "cache" not in settings.SESSION_ENGINE


@pytest.mark.django_db
def test_sign_in_works_with_redis_down(client, redis_server, caplog):
    user = factories.UserFactory(email="parent@example.org")
    redis_server.stop()

    with caplog.at_level(logging.ERROR, logger="hub.cache"):
        response = _sign_in(client, user.email, factories.DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert "Redis cache unreachable" in caplog.text


@pytest.mark.django_db
def test_lockout_still_triggers_with_redis_down(client, redis_server):
    user = factories.UserFactory(email="target@example.org")
    redis_server.stop()

    for _ in range(5):
        assert _sign_in(client, user.email, "wrong guess").status_code == 200
    response = _sign_in(client, user.email, factories.DEFAULT_PASSWORD)

    assert response.status_code != 302, "the right password must not get through while the account is locked"
    assert "Too many failed login attempts" in response.content.decode() or response.status_code == 429


@pytest.mark.django_db
def test_redis_is_used_again_once_it_is_back(redis_server, monkeypatch):
    monkeypatch.setattr(failsafe, "RETRY_REDIS_AFTER_SECONDS", 0.0)
    redis_server.stop()
    cache.set("counted-during-outage", 1)
    assert cache.is_degraded or cache.get("counted-during-outage") == 1

    redis_server.start()
    cache.set("counted-after", 2)

    assert not cache.is_degraded
    cache.ping()
    assert cache.get("counted-after") == 2


@pytest.mark.django_db
def test_attempts_counted_before_the_outage_are_in_redis(client, redis_server):
    """With Redis up, the counts are shared by every process (they are in Redis, not memory)."""
    user = factories.UserFactory(email="shared@example.org")
    for _ in range(5):
        _sign_in(client, user.email, "wrong guess")

    assert not cache.is_degraded
    import redis

    assert redis.Redis.from_url(redis_server.url).dbsize() > 0
