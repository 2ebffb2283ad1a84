"""The bound on requests in flight: excess requests wait their turn (slower pages), and only one
that waited longer than the queue timeout gets a friendly 503 with Retry-After."""

import asyncio

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.core.asgi import get_asgi_application

from hub import concurrency
from hub.concurrency import InFlightLimit


class SlowPage:
    """An ASGI app that takes `seconds` per request and records how many ran at once."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.running = 0
        self.most_at_once = 0

    async def __call__(self, scope, receive, send):
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(self.seconds)
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.running -= 1


def _get_all(app, paths: list[str], headers: dict | None = None) -> list[httpx.Response]:
    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await asyncio.gather(*(client.get(path, headers=headers or {}) for path in paths))

    return async_to_sync(scenario)()


def test_excess_requests_wait_instead_of_failing():
    page = SlowPage(0.05)
    app = InFlightLimit(page, limit=3, queue_timeout=30)

    responses = _get_all(app, ["/messages/"] * 20)

    assert [response.status_code for response in responses] == [200] * 20
    assert page.most_at_once == 3


def test_a_request_that_waits_too_long_gets_a_friendly_503_with_retry_after():
    page = SlowPage(0.5)
    app = InFlightLimit(page, limit=1, queue_timeout=0.1, retry_after=30)

    responses = _get_all(app, ["/messages/", "/messages/"], headers={"Accept-Language": "es"})

    assert sorted(response.status_code for response in responses) == [200, 503]
    busy = next(response for response in responses if response.status_code == 503)
    assert busy.headers["Retry-After"] == "30"
    assert busy.headers["Content-Type"].startswith("text/html")
    assert '<html lang="es">' in busy.text
    # In the language the browser asked for (the catalogue's Spanish), not in English.
    assert "vuelva a intentarlo" in busy.text.lower()
    assert "try again" not in busy.text.lower()


def test_health_probes_and_static_files_are_never_queued():
    page = SlowPage(0.3)
    app = InFlightLimit(page, limit=1, queue_timeout=0.05)

    responses = _get_all(app, ["/healthz", "/healthz", "/static/css/site.css", "/static/css/site.css"])

    assert [response.status_code for response in responses] == [200] * 4
    assert page.most_at_once == 4


def test_websockets_pass_through_unbounded():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    limit = InFlightLimit(app, limit=1, queue_timeout=0.01)
    async_to_sync(limit)({"type": "websocket", "path": "/ws/"}, None, None)
    assert seen == ["websocket"]


def test_limit_defaults_to_the_database_pool_size(monkeypatch):
    monkeypatch.delenv("MAX_REQUESTS_IN_FLIGHT", raising=False)
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "7")
    assert InFlightLimit(SlowPage(0)).limit == 7
    monkeypatch.setenv("MAX_REQUESTS_IN_FLIGHT", "4")
    assert InFlightLimit(SlowPage(0)).limit == 4
    monkeypatch.setenv("MAX_REQUESTS_IN_FLIGHT", "")  # docker-compose passes unset variables as ""
    assert concurrency.default_limit() == 7


def _backends_on_this_database() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_django_pages_under_a_burst_all_answer_within_the_pool(settings):
    """Through the real Django ASGI app (sync views, each request in a thread of its own): a burst
    far above the bound is served, none fails, and on PostgreSQL the connections come from the
    pool (before, each request thread kept a connection of its own until PostgreSQL refused more)."""
    from django.db import connection

    app = InFlightLimit(get_asgi_application(), limit=4, queue_timeout=60)

    responses = _get_all(app, ["/messages/", "/account/login/"] * 30)

    assert [response.status_code for response in responses] == [302, 200] * 30
    if connection.vendor == "postgresql":
        pool = settings.DATABASES["default"]["OPTIONS"]["pool"]
        assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
        assert pool["timeout"] > 0
        # This test's own connection, plus at most the pool's.
        assert _backends_on_this_database() <= pool["max_size"] + 1


@pytest.mark.django_db(transaction=True)
def test_pages_still_answer_after_the_pools_connections_were_terminated():
    """A database restart or failover kills the pool's idle connections; the pool checks each
    before handing it out, so the next pages get fresh ones instead of 500s."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    app = InFlightLimit(get_asgi_application(), limit=4, queue_timeout=60)
    # /healthz queries the database (the sign-in page, for a visitor, does not).
    assert [r.status_code for r in _get_all(app, ["/healthz"] * 8)] == [200] * 8

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1

    responses = _get_all(app, ["/healthz"] * 8)
    assert [response.json()["checks"]["database"]["ok"] for response in responses] == [True] * 8
