"""`GET /healthz`: database, cache, broker, channel layer and worker as JSON, each with its latency;
503 naming what is down."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from hub import heartbeat
from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT = "redis://127.0.0.1:1/0"  # a closed port on this machine: refused at once
PARTS = {"database", "cache", "broker", "channel_layer"}


def _redis_configured() -> bool:
    return bool(django_settings.REDIS_URL)


@pytest.fixture
def with_worker_check(settings):
    """The production shape: a broker and jobs run by workers (the tests run them in-process)."""
    require(_redis_configured(), "REDIS_URL is not set (the worker heartbeat needs a broker)")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(heartbeat.HEARTBEAT_KEY)
    yield
    cache.delete(heartbeat.HEARTBEAT_KEY)


@pytest.mark.django_db
def test_healthy_answers_200_with_each_part_and_its_latency(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == PARTS
    for check in body["checks"].values():
        assert check["ok"] is True
        assert check["ms"] >= 0
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_channel_layer_check_passes_while_a_socket_of_the_process_waits_on_another_event_loop(client):
    # A consumer waits for its next message on the server's event loop while /healthz is answered
    # on another (here the test client's): the process's shared layer lets one loop receive at a
    # time, and the check used to answer 503 ("Two event loops are trying to receive()").
    import asyncio
    import threading

    from channels.layers import get_channel_layer

    require(_redis_configured(), "REDIS_URL is not set (the in-memory layer has no such limit)")
    layer, waiting, done = get_channel_layer(), threading.Event(), threading.Event()

    def consumer():
        async def wait_for_a_message():
            channel = await layer.new_channel()
            receiving = asyncio.ensure_future(layer.receive(channel))
            await asyncio.sleep(0.2)
            waiting.set()
            await asyncio.to_thread(done.wait, 10)
            receiving.cancel()

        asyncio.run(wait_for_a_message())

    thread = threading.Thread(target=consumer, daemon=True)
    thread.start()
    assert waiting.wait(10)
    try:
        response = client.get(reverse("healthz"))
    finally:
        done.set()
        thread.join(10)
    assert response.json()["checks"]["channel_layer"]["ok"] is True, response.json()
    assert response.status_code == 200


@pytest.mark.django_db
def test_needs_no_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200


@pytest.mark.django_db
def test_unreachable_broker_answers_503_naming_the_broker(client, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_health_recovers_when_the_broker_comes_back(client, settings):
    original = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = CLOSED_PORT
    assert client.get(reverse("healthz")).status_code == 503
    settings.CELERY_BROKER_URL = original
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.django_db
def test_broken_channel_layer_answers_503_naming_it(client, settings):
    # Live updates go through the channel layer: a layer that cannot deliver is an outage even
    # though every page still loads.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": CLOSED_PORT, "socket_connect_timeout": 1}]},
        }
    }
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["channel_layer"]["ok"] is False
    assert "ConnectionError" in body["checks"]["channel_layer"]["error"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_channel_layer_round_trip_goes_through_redis(client):
    require(_redis_configured(), "REDIS_URL is not set")
    check = client.get(reverse("healthz")).json()["checks"]["channel_layer"]

    assert check == {"ok": True, "ms": check["ms"], "detail": "RedisChannelLayer"}


@pytest.mark.django_db
def test_unreachable_cache_answers_503_even_though_the_site_falls_back(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "hub.cache.FailSafeRedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


@pytest.mark.django_db
def test_no_worker_ever_answered_is_down(client, with_worker_check):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {
        "ok": False,
        "ms": response.json()["checks"]["worker"]["ms"],
        "error": "RuntimeError: no worker has answered yet",
    }


@pytest.mark.django_db
def test_a_recent_heartbeat_is_healthy_and_a_stale_one_is_down(client, with_worker_check):
    heartbeat.heartbeat_record(at=time.time() - 30)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert 29 <= response.json()["checks"]["worker"]["detail"]["last_answered_seconds_ago"] < 60

    heartbeat.heartbeat_record(at=time.time() - 4 * 60)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert "no worker has answered for 240 s" in response.json()["checks"]["worker"]["error"]


def test_the_heartbeat_is_on_beats_schedule():
    entries = [
        entry for entry in django_settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "hub.heartbeat.beat"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"] <= heartbeat.HEARTBEAT_STALE_AFTER_SECONDS / 3
    assert "hub.heartbeat" in django_settings.CELERY_IMPORTS


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db
def test_a_real_worker_answers_and_its_death_shows(client, with_worker_check, tmp_path):
    """A Celery worker process (started here, on a private queue) runs the heartbeat job that beat
    would send; healthz is 200 while it answers and 503 once its heartbeat is stale."""
    queue = f"healthz-test-{os.getpid()}"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings.test", "REDIS_URL": django_settings.REDIS_URL}
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and the project's Celery app
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hub",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--queues={queue}",
            f"--hostname={queue}@localhost",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("w"),
    )
    try:
        # It answers as soon as it is ready ...
        assert _wait_for(lambda: heartbeat.heartbeat_age() is not None, 60), (tmp_path / "worker.log").read_text()
        assert client.get(reverse("healthz")).status_code == 200

        # ... and runs the job beat sends every minute.
        cache.delete(heartbeat.HEARTBEAT_KEY)
        from hub.celery import app

        app.send_task("hub.heartbeat.beat", queue=queue)
        assert _wait_for(lambda: heartbeat.heartbeat_age() is not None, 30)
        assert client.get(reverse("healthz")).json()["checks"]["worker"]["ok"] is True
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    # Dead: its last answer ages; three minutes on, healthz says so.
    heartbeat.heartbeat_record(at=time.time() - heartbeat.HEARTBEAT_STALE_AFTER_SECONDS - 1)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
