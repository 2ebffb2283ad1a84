"""Two "Pay" presses for one phone at the same moment, each on its own database connection: the
database's one-pending-prompt constraint lets exactly one through."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from finance.models import Payment
from finance.payments import services
from tests.conftest import require
from tests.finance import payments_kit as kit
from tests.finance.world import finance_world

fake_daraja = kit.fake_daraja


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_pushes_for_one_phone_one_is_refused(fake_daraja):
    require(connection.vendor == "postgresql", "concurrent writers need PostgreSQL (SQLite locks the whole file)")
    fw = finance_world()
    barrier = threading.Barrier(2)
    results, errors = [], []
    original_create = Payment.objects.create

    def create_after_barrier(**kwargs):
        # Both requests have passed every check in Python; only the database decides now.
        barrier.wait(timeout=10)
        return original_create(**kwargs)

    def press(key):
        try:
            results.append(
                services.start_stk_payment(
                    user=fw.guardian,
                    account=fw.account,
                    amount=Decimal("1500"),
                    purpose="balance",
                    details={},
                    phone="0712345678",
                    client_key=key,
                )
            )
        except services.PaymentRefused as refusal:
            errors.append(str(refusal.message))
        finally:
            connection.close()

    Payment.objects.create = create_after_barrier
    try:
        threads = [threading.Thread(target=press, args=(f"concurrent-{n}",)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        Payment.objects.create = original_create
    assert len(results) == 1
    assert len(errors) == 1
    assert "already waiting on this phone" in errors[0]
    assert Payment.objects.count() == 1
    assert len(fake_daraja.pushes) == 1
