"""Periodic jobs of reports (scheduled by reports.plugin.periodic_tasks)."""

from celery import shared_task

from reports import jobs


@shared_task(acks_late=True)
def fail_stuck_reports() -> int:
    """Fail report jobs stuck generating past REPORTS_JOB_TIME_LIMIT (never stuck for ever)."""
    return jobs.fail_stuck_reports()
