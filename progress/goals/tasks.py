"""Celery entry points for this part: thin, idempotent, retried."""

from celery import shared_task

from progress.goals import milestones


@shared_task(acks_late=True, max_retries=5, retry_backoff=True, time_limit=600)
def recognise_recent_milestones() -> int:
    """Hourly: milestones of pupils with records added in the last day (idempotent)."""
    return milestones.recognise_recent()
