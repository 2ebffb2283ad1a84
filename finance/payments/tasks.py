"""Celery entry point for the payments' periodic reconciliation (declared in the plug-in)."""

from celery import shared_task

from finance.payments import services


@shared_task(acks_late=True, time_limit=300)
def reconcile_payments() -> dict:
    """Every minute: late prompts checked with M-Pesa, payments nobody answered closed."""
    return vars(services.reconcile_payments())
