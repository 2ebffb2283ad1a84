"""Outbox handlers of the report job (registered when reports.plugin.ready() imports this)."""

from hub import outbox
from reports import jobs

GENERATE = "reports.generate"


@outbox.handler(GENERATE, queue="reports")
def generate(entry) -> outbox.AfterCommit:
    """Run the job for the target report after this entry's transaction commits: its progress
    must be visible while it runs, so it cannot run inside the outbox's transaction. The job
    ends READY or FAILED by itself (a step's error does not come back here); only a database
    outage does, and the outbox runs it again (a report no longer QUEUED is skipped)."""
    report_id = entry.object_id
    return outbox.AfterCommit(lambda: jobs.run_report(report_id))
