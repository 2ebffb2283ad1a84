"""Fixtures for fault tests: a private Redis (stop and start it mid-test), real Celery workers
against it and the test PostgreSQL database (SIGKILL them), a local SMTP server, and the
in-process Celery app publishing to that Redis instead of running jobs eagerly."""

import shutil

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from hub import outbox
from hub.celery import app
from tests.conftest import require
from tests.faults import effects
from tests.faults.processes import QUEUES, RedisServer, start_worker
from tests.messaging.smtp import running_smtp_server


@pytest.fixture
def redis_server(tmp_path):
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer(directory=tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def test_database_url(transactional_db) -> str:
    """The test database, for other processes: what this test commits, a worker sees."""
    require(connection.vendor == "postgresql", "fault tests need PostgreSQL (set DATABASE_URL)")
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def smtp_server():
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def publishing_to(redis_server):
    """This process's Celery app publishes to the private Redis (jobs are no longer eager)."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _forget_connections()
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    yield redis_server
    _forget_connections()
    app.conf.update(saved)
    outbox.reset_broker_backoff()


def _forget_connections() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps its own registry of connection and producer pools per broker URL: without this,
    # the next test publishing to the usual broker would be handed the pool closed above.
    kombu_pools.reset()


@pytest.fixture
def greet_effect(transactional_db):
    """The test-only effect (registered on import), and its table of committed runs, emptied."""
    effects.ensure_table()
    return effects


@pytest.fixture
def workers(tmp_path, redis_server, test_database_url, smtp_server, greet_effect, publishing_to):
    """start(name, beat=False, queues=QUEUES, env=None) starts a worker and waits until it is ready. The sweeper
    runs every 2 s with a 5 s grace in these workers (30 s and 30 s in production)."""
    started = []

    def start(name: str = "w1", *, beat: bool = False, queues: str = QUEUES, env: dict | None = None):
        worker = start_worker(
            directory=tmp_path,
            name=name,
            redis_url=redis_server.url,
            database_url=test_database_url,
            beat=beat,
            queues=queues,
            env={
                "FAULTS_SMTP_HOST": smtp_server.host,
                "FAULTS_SMTP_PORT": str(smtp_server.port),
                "OUTBOX_SWEEP_SECONDS": "2",
                "OUTBOX_SWEEP_GRACE_SECONDS": "5",
                **(env or {}),
            },
        )
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.kill()
        # Shown by pytest only when the test failed.
        print(f"--- {worker.log.name} (last lines) ---\n{worker.output()[-4000:]}")
