"""The outbox under faults, against a real worker, Redis and PostgreSQL: every effect recorded by
a committed write happens exactly once afterwards (a row and an email to a local SMTP server);
a rolled-back write does nothing. Timings are printed (run with -s to see them)."""

import os
import signal
import socket
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection, transaction

from hub import outbox
from hub.models import OutboxEntry
from tests.faults.processes import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

FAMILY = "family@example.org"


def record_greetings(effects, count: int, **payload) -> list[int]:
    """`count` writes, each in its own transaction, as `count` requests would."""
    ids = []
    for _ in range(count):
        with transaction.atomic():
            ids.append(outbox.record(effects.EFFECT, payload={"to": FAMILY, **payload}).pk)
    return ids


def wait_done(ids: list[int], *, timeout: float) -> float:
    started = time.monotonic()
    wait_until(
        lambda: OutboxEntry.objects.filter(pk__in=ids, status=OutboxEntry.Status.DONE).count() == len(ids),
        timeout=timeout,
        interval=0.25,
        what=f"outbox entries {ids} to be done",
    )
    return time.monotonic() - started


def assert_exactly_once(effects, smtp_server, ids: list[int]) -> None:
    assert sorted(entry_id for entry_id, _attempt, _pid in effects.runs()) == sorted(ids)
    received = sorted(str(message.message["Message-ID"]) for message in smtp_server.received)
    assert received == sorted(f"<outbox-{entry_id}@homeroom.test>" for entry_id in ids)


def started_files(pause_dir: Path) -> list[Path]:
    return sorted(pause_dir.glob("started-*"))


def test_redis_down_while_writing_loses_nothing_and_sends_once(workers, redis_server, greet_effect, smtp_server):
    workers("w1", beat=True)
    redis_server.stop()

    began = time.monotonic()
    ids = record_greetings(greet_effect, 5)  # no error reaches the writer
    per_write = (time.monotonic() - began) / 5
    assert per_write < 2
    assert OutboxEntry.objects.filter(pk__in=ids, status=OutboxEntry.Status.PENDING).count() == 5

    time.sleep(3)  # Redis stays down a while: the worker and beat cannot reach it either
    redis_server.start()
    outbox.reset_broker_backoff()
    recovered = wait_done(ids, timeout=60)
    time.sleep(6)  # another sweep or two: nothing runs twice
    assert_exactly_once(greet_effect, smtp_server, ids)
    print(f"\nRedis down: {per_write * 1000:.0f} ms per write; all 5 done {recovered:.1f} s after Redis returned")


def test_a_pool_process_killed_mid_handler_is_redelivered_and_completes_once(
    workers, greet_effect, smtp_server, tmp_path
):
    workers("w1")
    pause_dir = tmp_path / "pause"
    pause_dir.mkdir()
    ids = record_greetings(greet_effect, 1, pause_dir=str(pause_dir))
    started = wait_until(lambda: started_files(pause_dir), timeout=30, what="the handler to start")
    killed_pid = int(started[0].name.rsplit("-", 1)[1])

    os.kill(killed_pid, signal.SIGKILL)  # the process running the handler, not the worker
    began = time.monotonic()
    (pause_dir / "go").touch()
    redelivered = wait_done(ids, timeout=60)
    assert_exactly_once(greet_effect, smtp_server, ids)
    assert [pid for _entry, _attempt, pid in greet_effect.runs()] != [killed_pid]
    print(f"\nPool process killed: done {time.monotonic() - began:.1f} s later (waited {redelivered:.1f} s)")


def test_a_whole_worker_killed_mid_handler_is_redelivered_within_a_minute(workers, greet_effect, smtp_server, tmp_path):
    first = workers("w1")  # no beat: this is Celery's own redelivery (visibility timeout 60 s)
    pause_dir = tmp_path / "pause"
    pause_dir.mkdir()
    ids = record_greetings(greet_effect, 1, pause_dir=str(pause_dir))
    wait_until(lambda: started_files(pause_dir), timeout=30, what="the handler to start")

    first.kill()
    killed_at = time.monotonic()
    (pause_dir / "go").touch()
    workers("w2")
    wait_done(ids, timeout=90)
    elapsed = time.monotonic() - killed_at
    assert_exactly_once(greet_effect, smtp_server, ids)
    assert elapsed < 70  # visibility timeout (60 s) + the restore scan (every 5 s)
    print(f"\nWhole worker SIGKILLed: redelivered and done {elapsed:.1f} s later")


def test_database_connections_terminated_mid_handler_are_retried_and_done_once(
    workers, greet_effect, smtp_server, tmp_path
):
    worker = workers("w1")
    pause_dir = tmp_path / "pause"
    pause_dir.mkdir()
    ids = record_greetings(greet_effect, 1, pause_dir=str(pause_dir))
    wait_until(lambda: started_files(pause_dir), timeout=30, what="the handler to start")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (terminated,) = cursor.fetchone()
    assert terminated >= 1  # the worker's connection, inside the handler's transaction
    began = time.monotonic()
    (pause_dir / "go").touch()
    wait_done(ids, timeout=60)
    assert_exactly_once(greet_effect, smtp_server, ids)
    assert "OperationalError" in worker.output()  # it did fail...
    # ...the attempt was recorded on a fresh connection, and the entry tried again after its backoff.
    assert OutboxEntry.objects.get(pk=ids[0]).attempts == 2
    print(f"\nPostgreSQL connections terminated: done {time.monotonic() - began:.1f} s later")


def test_a_database_refusing_connections_after_a_handler_failed_is_retried_by_the_task_and_done_once(
    workers, greet_effect, smtp_server, tmp_path
):
    # A pool that gives up on a refused connection after 2 s instead of 30.
    worker = workers("w1", env={"DB_POOL_TIMEOUT": "2"})
    pause_dir = tmp_path / "pause"
    pause_dir.mkdir()
    ids = record_greetings(greet_effect, 1, pause_dir=str(pause_dir))
    wait_until(lambda: started_files(pause_dir), timeout=30, what="the handler to start")

    database = connection.ops.quote_name(connection.settings_dict["NAME"])
    # PostgreSQL refuses this from a connection to the database itself: say it from the server's
    # maintenance database.
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname="postgres", autocommit=True
    ) as maintenance:
        # The worker's connection dies mid-handler, and no new one is let in: the failed attempt
        # cannot be recorded, so the task itself must come back (this test's connection stays).
        maintenance.execute(f"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS false")
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            (pause_dir / "go").touch()
            wait_until(lambda: "Retry in" in worker.output(), timeout=60, what="the task's own retry")
            assert OutboxEntry.objects.get(pk=ids[0]).status == OutboxEntry.Status.PENDING
            assert smtp_server.received == []  # it failed before its email
        finally:
            maintenance.execute(f"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS true")
    began = time.monotonic()
    wait_done(ids, timeout=90)
    assert_exactly_once(greet_effect, smtp_server, ids)
    print(f"\nDatabase refusing connections: done {time.monotonic() - began:.1f} s after it let them in")


def test_a_rolled_back_write_records_and_runs_nothing(workers, greet_effect, smtp_server):
    workers("w1", beat=True)

    class WriteFailed(Exception):
        pass

    @transaction.atomic
    def write_that_fails():
        outbox.record(greet_effect.EFFECT, payload={"to": "never@example.org"}, key="rolled-back")
        raise WriteFailed

    with pytest.raises(WriteFailed):
        write_that_fails()
    # A later write is carried out; by then the first would have been too.
    ids = record_greetings(greet_effect, 1)
    wait_done(ids, timeout=30)
    time.sleep(3)
    assert not OutboxEntry.objects.filter(dedupe_key="rolled-back").exists()
    assert_exactly_once(greet_effect, smtp_server, ids)
    assert [message.recipients for message in smtp_server.received] == [[FAMILY]]


def test_a_silent_smtp_server_delays_neither_safeguarding_nor_itself_for_long(workers, greet_effect, tmp_path):
    silent = socket.socket()  # accepts connections (the backlog) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    port = silent.getsockname()[1]
    try:
        smtp_env = {"FAULTS_SMTP_PORT": str(port)}
        workers("mail", queues="email", env=smtp_env)
        workers("fast", queues="safeguarding,realtime,default", env=smtp_env)
        emails = record_greetings(greet_effect, 2)
        time.sleep(0.5)  # the first email is now waiting on the silent server
        with transaction.atomic():
            alert = outbox.record(greet_effect.ALERT, key="alert").pk
        alerted = wait_done([alert], timeout=10)
        assert alerted < 3
        assert OutboxEntry.objects.filter(pk__in=emails, status=OutboxEntry.Status.DONE).count() == 0

        began = time.monotonic()
        first = wait_until(
            lambda: (
                OutboxEntry.objects.filter(pk=emails[0], attempts=1, status=OutboxEntry.Status.PENDING)
                .exclude(last_error="")
                .first()
            ),
            timeout=30,
            what="the first email to time out",
        )
        timed_out = time.monotonic() - began
        assert "timed out" in first.last_error
        assert first.next_attempt_at > first.created_at  # retried later, with backoff
        assert [entry_id for entry_id, _attempt, _pid in greet_effect.runs()] == [alert]
        print(
            f"\nSilent SMTP server: the alert was done in {alerted:.1f} s; the email gave up after {timed_out:.1f} s more"
        )
    finally:
        silent.close()
