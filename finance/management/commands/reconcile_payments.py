"""Settle M-Pesa payments whose callback never came, now (the periodic task does it every minute).

    manage.py reconcile_payments

Prompts waiting longer than DARAJA_CALLBACK_GRACE_SECONDS are checked with an STK query (through
the outbox); payments pending longer than DARAJA_GIVE_UP_SECONDS are closed as not completed.
"""

from django.core.management.base import BaseCommand

from finance.payments import services


class Command(BaseCommand):
    help = "Check late M-Pesa prompts with an STK query and close payments nobody answered."

    def handle(self, *args, **options):
        done = services.reconcile_payments()
        self.stdout.write(f"{done.checked} payment(s) checked with M-Pesa, {done.given_up} closed without an answer.")
