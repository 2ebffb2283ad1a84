"""Celery entry points for notification delivery: ids in, a service call, retries with backoff."""

from celery import shared_task

from messaging.notifications import services

RETRY = {"acks_late": True, "max_retries": 5, "retry_backoff": 30, "retry_backoff_max": 1800, "retry_jitter": True}


@shared_task(bind=True, **RETRY)
def deliver_notification(self, notification_id: int) -> dict[str, str]:
    """Send one notification by email / SMS as the recipient chose. Safe to run twice. New
    notifications go through the outbox (`services.notification_send`); this task still carries
    out jobs queued under its name before an upgrade."""
    try:
        return services.notification_deliver(notification_id=notification_id)
    except services.DeliveryError as error:
        raise self.retry(exc=error) from error


@shared_task(bind=True, **RETRY)
def send_digest(self, user_id: int) -> int:
    """One person's daily summary. Safe to run twice: the second run finds nothing waiting."""
    from accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    try:
        return services.digest_send_for(user=user)
    except Exception as error:  # SMTP and socket errors: try again later, nothing was cleared
        raise self.retry(exc=error) from error


@shared_task(acks_late=True)
def send_daily_digests() -> int:
    """Hourly: queue the digest of everyone whose digest time (on their own clock) is this hour."""
    due = services.digests_due()
    for user_id in due:
        send_digest.delay(user_id)
    return len(due)


@shared_task(acks_late=True)
def release_held_notifications() -> int:
    """Every few minutes: send what quiet hours held back and whose `held_until` has passed."""
    return services.held_notifications_release()
