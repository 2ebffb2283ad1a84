"""Celery entry points for billing: thin, idempotent, retried."""

from celery import shared_task

from finance.billing import renewals


@shared_task(acks_late=True, max_retries=5, retry_backoff=True, time_limit=1800)
def renewals_daily() -> dict:
    """Daily: reminders, renewals, grace periods and downgrades (a second run the same day does nothing)."""
    return renewals.renewals_run()
