"""A bound on HTTP requests in flight per process, so load shows as slower pages, never as errors.

Under ASGI, Django runs each request's sync code in a thread of its own, each holding a database
connection; nothing limited how many ran at once, so 200 clients opened more connections than
PostgreSQL allows and most requests failed. `InFlightLimit` wraps the ASGI app: at most
MAX_REQUESTS_IN_FLIGHT requests (default: the database pool's size, DB_POOL_MAX_SIZE) run at
once; the others wait their turn in arrival order. Only a request that has waited
REQUEST_QUEUE_TIMEOUT seconds (generous: default 60) gets a short "busy, try again" page with
503 and Retry-After. WebSockets and lifespan events pass straight through (consumers take
connections only for a moment, through database_sync_to_async).
"""

import asyncio
import logging
import os
import time
from html import escape

logger = logging.getLogger(__name__)

# Requests that never touch the database, and probes that must answer even when the site is
# saturated (a load balancer deciding whether the process is alive).
UNBOUNDED_PREFIXES = ("/static/", "/healthz")


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def default_limit() -> int:
    return int(_env_number("MAX_REQUESTS_IN_FLIGHT", _env_number("DB_POOL_MAX_SIZE", 10)))


def default_queue_timeout() -> float:
    return _env_number("REQUEST_QUEUE_TIMEOUT", 60.0)


class InFlightLimit:
    """ASGI middleware: at most `limit` HTTP requests run at once; the rest queue, then 503."""

    def __init__(self, app, *, limit: int | None = None, queue_timeout: float | None = None, retry_after: int = 30):
        self.app = app
        self.limit = max(1, limit if limit is not None else default_limit())
        self.queue_timeout = queue_timeout if queue_timeout is not None else default_queue_timeout()
        self.retry_after = retry_after
        # One semaphore per event loop: tests and servers may run more than one loop over time,
        # and an asyncio.Semaphore belongs to the loop that first waited on it.
        self._semaphores: dict[int, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(id(loop))
        if semaphore is None:
            semaphore = self._semaphores[id(loop)] = asyncio.Semaphore(self.limit)
        return semaphore

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").startswith(UNBOUNDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        semaphore = self._semaphore()
        started = time.monotonic()
        try:
            await asyncio.wait_for(semaphore.acquire(), timeout=self.queue_timeout)
        except TimeoutError:
            logger.warning(
                "Busy: %s waited %.0f s for one of %d request slots; answered 503.",
                scope.get("path"),
                time.monotonic() - started,
                self.limit,
            )
            await self._busy(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            semaphore.release()

    async def _busy(self, scope, send) -> None:
        from django.utils import translation

        language = _language_of(scope)
        with translation.override(language):
            title = translation.gettext("Homeroom is very busy")
            advice = translation.gettext(
                "Please try again in a minute. If you were sending a form, check whether it was saved "
                "before you send it again."
            )
            html_language = translation.get_language()
        body = (
            f'<!DOCTYPE html><html lang="{escape(html_language)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
            f"<p>{escape(advice)}</p></main></body></html>"
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _language_of(scope) -> str:
    """The visitor's language from the language cookie or Accept-Language, as LocaleMiddleware would."""
    from django.conf import settings
    from django.utils.translation import get_supported_language_variant
    from django.utils.translation.trans_real import parse_accept_lang_header

    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", [])}
    candidates = []
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == settings.LANGUAGE_COOKIE_NAME and value:
            candidates.append(value)
    candidates += [code for code, _quality in parse_accept_lang_header(headers.get("accept-language", ""))]
    for code in candidates:
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
