"""Celery entry points for insights: ids in, a service call, retries."""

from celery import shared_task

from progress.insights import selectors, services

RETRY = {"acks_late": True, "max_retries": 3, "retry_backoff": 60, "retry_backoff_max": 1800, "retry_jitter": True}


@shared_task(acks_late=True)
def refresh_all_insights() -> int:
    """Nightly: queue a refresh for every pupil whose insights could change."""
    pupil_ids = list(services.pupils_with_records())
    for pupil_id in pupil_ids:
        refresh_pupil_insights.delay(pupil_id)
    return len(pupil_ids)


@shared_task(bind=True, **RETRY)
def refresh_pupil_insights(self, pupil_id: int) -> int:
    """Raise and resolve one pupil's insights. Safe to run twice (the same rows result)."""
    from accounts.models import Pupil

    pupil = Pupil.objects.select_related("school").filter(pk=pupil_id).first()
    if pupil is None:
        return 0
    try:
        current = services.refresh_insights(pupil=pupil)
    except Exception as error:  # a database hiccup: try again later; nothing half-written stays
        raise self.retry(exc=error) from error
    # With a model configured, families' pages find tomorrow's summary ready instead of waiting on
    # it (a failure here only means the page asks, or uses the templates).
    selectors.narrative_warm(pupil=pupil)
    return len(current)
