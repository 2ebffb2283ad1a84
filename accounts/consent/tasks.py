"""Celery entry points for consent."""

from celery import shared_task


@shared_task(acks_late=True)
def expire_consents() -> int:
    """Beat, every 15 minutes: consents past their end date lapse (recorded as expired)."""
    from accounts.consent.services import consents_expire_due

    return consents_expire_due()
