"""Celery entry points of the exports (declared in `reports.exports.plugin.periodic_tasks`)."""

from celery import shared_task

from reports.exports import services


@shared_task(acks_late=True, time_limit=600)
def tidy_exports() -> dict:
    """Hourly: files of expired exports deleted, jobs that ran far too long failed."""
    return services.exports_tidy()
