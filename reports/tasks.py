"""Celery entry points for reports: the daily automatic sending."""

from celery import shared_task

from reports import services


@shared_task(acks_late=True)
def send_due_reports() -> int:
    """Daily: each school's families' reports that are due today at that school (once)."""
    return services.send_due_reports()
