"""`GET /healthz`: what a load balancer or operator needs to know, as JSON, without signing in.

Each part is checked for real, with its latency: the database (a query), the cache (Redis
itself, not the fail-safe fallback), the broker (a connection), the channel layer (a group_send
to a private channel and its receipt: what a live update does) and the worker (how long ago one
ran the heartbeat job; see hub/heartbeat.py). 503 when any part is down.
"""

import asyncio
import time
import uuid

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers, get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub import heartbeat

# Generous: a busy process answers late, and a probe that fails under load takes it out of
# rotation just when it is needed.
CHANNEL_LAYER_TIMEOUT_SECONDS = 5.0


def _check(probe) -> dict:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as error:  # noqa: BLE001  (any failure is the answer we report)
        return {
            "ok": False,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "error": f"{type(error).__name__}: {error}"[:300],
        }
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
    # The fail-safe cache keeps the site working on local memory while Redis is down; health
    # must still say Redis is down, so it asks Redis itself.
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _broker_configured() -> bool:
    return not settings.CELERY_BROKER_URL.startswith("memory://")


def _broker():
    if not _broker_configured():
        return "in-process (no broker configured; tasks run eagerly)"
    from hub.celery import app

    # The URL from settings on every call: what the operator configured now, not what the Celery
    # app read at start-up.
    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return conn.transport_cls


async def _channel_layer_round_trip() -> str:
    # A layer of its own, built from the same settings as the consumers': the process's shared
    # one lets a single event loop receive at a time ("Two event loops are trying to receive()"),
    # so a probe from another loop (a server answering sync views on threads of their own, a test
    # client) failed while any socket of the process waited for its next message.
    if get_channel_layer() is None:
        raise RuntimeError("no channel layer configured")
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    try:
        return await _round_trip(layer)
    finally:
        close = getattr(layer, "close_pools", None)
        if close is not None:
            await close()


async def _round_trip(layer) -> str:
    # Its own layer reads its own channel: nothing of the consumers' reads holds it up.
    channel = await layer.new_channel()
    group = f"healthz-{uuid.uuid4().hex}"
    nonce = uuid.uuid4().hex
    await layer.group_add(group, channel)
    try:
        await layer.group_send(group, {"type": "healthz.ping", "nonce": nonce})
        async with asyncio.timeout(CHANNEL_LAYER_TIMEOUT_SECONDS):
            message = await layer.receive(channel)
    finally:
        await layer.group_discard(group, channel)
    if message.get("nonce") != nonce:
        raise RuntimeError("the channel layer delivered someone else's message")
    return type(layer).__name__


def _channel_layer():
    return async_to_sync(_channel_layer_round_trip)()


def _worker():
    age = heartbeat.heartbeat_age()
    if age is None:
        raise RuntimeError("no worker has answered yet")
    if age > heartbeat.HEARTBEAT_STALE_AFTER_SECONDS:
        raise RuntimeError(f"no worker has answered for {age:.0f} s")
    return {"last_answered_seconds_ago": round(age, 1)}


@never_cache
@require_GET
def healthz(request):
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "broker": _check(_broker),
        "channel_layer": _check(_channel_layer),
    }
    # Without a broker (demo) or with jobs run in-process (tests), there is no worker to wait for.
    if _broker_configured() and not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["worker"] = _check(_worker)
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks}, status=200 if healthy else 503)
