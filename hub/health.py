"""`GET /healthz`: what a load balancer or operator needs to know, as JSON, without signing in."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check(probe) -> dict:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as error:  # noqa: BLE001  (any failure is the answer we report)
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache():
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _broker():
    if settings.CELERY_BROKER_URL.startswith("memory://"):
        return "in-process (no broker configured; tasks run eagerly)"
    from hub.celery import app

    # The URL from settings on every call: what the operator configured now, not what the Celery
    # app read at start-up.
    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return conn.transport_cls


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check(_database), "cache": _check(_cache), "broker": _check(_broker)}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks}, status=200 if healthy else 503)
