"""Celery entry points for the outbox: an entry id in, `hub.outbox` does the rest."""

from celery import shared_task

from hub import outbox


@shared_task(name="hub.tasks.outbox_run")
def outbox_run(entry_id: int) -> str:
    """Run one outbox entry's handler, if it is still pending and due; safe to deliver twice."""
    return outbox.run(entry_id)


@shared_task(name="hub.tasks.outbox_sweep")
def outbox_sweep() -> int:
    """Beat: publish again what was never picked up, and retries whose time has come."""
    return outbox.sweep()
