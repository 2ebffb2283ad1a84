"""Periodic jobs of reports (scheduled by reports.plugin.periodic_tasks): the sweeper of stuck
jobs and the daily automatic sending."""

from celery import shared_task

from reports import jobs, services


@shared_task(acks_late=True)
def fail_stuck_reports() -> int:
    """Fail report jobs stuck generating past REPORTS_JOB_TIME_LIMIT (never stuck for ever)."""
    return jobs.fail_stuck_reports()


@shared_task(acks_late=True)
def send_due_reports() -> int:
    """Daily: each school's families' reports that are due today at that school (once)."""
    return services.send_due_reports()
