"""The outbox effect "reports.export": build the export once its row is committed.

The handler writes nothing itself and returns the job as an after-commit step, so the job runs
outside the outbox's transaction and its progress is committed step by step (a page polling it
sees "3 of 8"). A step that raises is retried by the outbox with backoff; the job counts its own
attempts and ends FAILED with a reason after `jobs.MAX_ATTEMPTS`, before the outbox would give up.
"""

from functools import partial

from hub import outbox
from hub.models import OutboxEntry
from reports.exports import jobs
from reports.exports.services import EXPORT


def export_build(entry: OutboxEntry) -> outbox.AfterCommit:
    return outbox.AfterCommit(partial(jobs.run_export, entry.object_id))


def register() -> None:
    outbox.register(EXPORT, export_build, queue="reports", max_attempts=jobs.MAX_ATTEMPTS + 2)
