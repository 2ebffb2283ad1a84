"""Celery entry points for announcements."""

from celery import shared_task


@shared_task(acks_late=True)
def dispatch_scheduled_announcements() -> int:
    """Beat, every minute: send the scheduled announcements whose time has come."""
    from messaging.announcements.services import announcements_dispatch_due

    return announcements_dispatch_due()
