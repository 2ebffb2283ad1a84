"""Processes the fault tests start, stop and kill by their own PIDs: a private redis-server on a
free port and real `celery -A hub worker` processes against it and the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.messaging.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
QUEUES = "safeguarding,realtime,translation,email,default"


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@dataclass
class RedisServer:
    """A redis-server of our own (append-only file in `directory`, as in production), which a
    test may stop and start again on the same port."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port}")

    def ping(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self, *, sig: int = signal.SIGKILL) -> None:
        """Take Redis away (SIGKILL by default: a crash, not a goodbye)."""
        if self.process is None:
            return
        self.process.send_signal(sig)
        self.process.wait(timeout=10)
        self.process = None


@dataclass
class Worker:
    """One `celery -A hub worker` (optionally with an embedded beat, `-B`), in its own process
    group, logging to `log`."""

    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 60) -> None:
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            return " ready." in self.output()

        wait_until(ready, timeout=timeout, what="the Celery worker to be ready")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process, pool processes, beat): nothing is acknowledged."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start_worker(
    *,
    directory: Path,
    name: str,
    redis_url: str,
    database_url: str,
    beat: bool = False,
    queues: str = QUEUES,
    env: dict | None = None,
) -> Worker:
    log = directory / f"worker-{name}.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "hub",
        "worker",
        "-Q",
        queues,
        "--concurrency=1",
        "--pool=prefork",
        f"--hostname={name}@%h",
        "--loglevel=INFO",
        "--without-mingle",
        "--without-gossip",
    ]
    if beat:
        command += ["-B", f"--schedule={directory / f'beat-{name}'}"]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Worker(process=process, log=log)
