"""A test-only outbox effect, registered by the fault tests and their workers: it writes a row
and sends an email to the test's SMTP server, in that order, so a database fault stops it before
the email. With `pause_dir` in the payload it first says it started (a file named after the
entry and its process) and waits for a `go` file there: a fault can strike mid-handler."""

import os
import time
from pathlib import Path

from django.core.mail import EmailMessage
from django.db import connection

from hub import outbox
from hub.models import OutboxEntry

EFFECT = "faults.greet"
TABLE = "faults_effect_run"


def ensure_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(id bigserial PRIMARY KEY, entry_id bigint NOT NULL, attempt int NOT NULL, pid int NOT NULL, "
            "at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute(f"TRUNCATE {TABLE}")


def runs() -> list[tuple[int, int, int]]:
    """(entry id, attempt, worker process id) of every run that committed."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT entry_id, attempt, pid FROM {TABLE} ORDER BY id")  # noqa: S608
        return [tuple(row) for row in cursor.fetchall()]


@outbox.handler(EFFECT, queue="email", max_attempts=8)
def greet(entry: OutboxEntry) -> None:
    pause_dir = entry.payload.get("pause_dir")
    if pause_dir:
        Path(pause_dir, f"started-{entry.pk}-{os.getpid()}").touch()
        deadline = time.monotonic() + 30
        while not Path(pause_dir, "go").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (entry_id, attempt, pid) VALUES (%s, %s, %s)",  # noqa: S608
            [entry.pk, entry.attempts, os.getpid()],
        )
    EmailMessage(
        subject=f"Greeting {entry.pk}",
        body="Hello from the outbox.",
        to=[entry.payload["to"]],
        # A repeat after a crash between send and commit is recognisable by its Message-ID.
        headers={"Message-ID": f"<outbox-{entry.pk}@homeroom.test>"},
    ).send()


ALERT = "faults.alert"


@outbox.handler(ALERT, queue="safeguarding")
def alert(entry: OutboxEntry) -> None:
    """Stands for a safeguarding alert: a row, nothing slow."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (entry_id, attempt, pid) VALUES (%s, %s, %s)",  # noqa: S608
            [entry.pk, entry.attempts, os.getpid()],
        )
