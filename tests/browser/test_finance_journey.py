"""A parent upgrades their plan and pays with M-Pesa, watching the payment live, axe-clean at
1280 and 360 px: the local Daraja simulator (real HTTP, Daraja's wire format) takes the prompt
and posts its callback to the live server a moment later; the status page updates by itself
("Waiting for your PIN" → "Paid") and the family's plan is Premium afterwards."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from finance import ledger
from finance.billing import renewals
from finance.models import LedgerEntry, Payment, PaymentStatus, Subscription, SubscriptionStatus
from tests.browser.axe import assert_accessible
from tests.finance.world import finance_world

PHONE = {"width": 360, "height": 740}
NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def simulator(settings, live_url):
    from finance.daraja.client import DarajaClient
    from finance.daraja.simulator import SimulatorServer

    # Long enough for a person to see "Waiting for your PIN" before the callback arrives.
    server = SimulatorServer(callback_delay=2.5).start()
    settings.DARAJA_BASE_URL = server.url
    settings.DARAJA_CALLBACK_BASE_URL = live_url
    cache.delete(DarajaClient().token_cache_key)
    yield server
    server.stop()


@pytest.fixture
def family(transactional_db):
    world = finance_world()
    # The school's day, as the page counts the days left (Nairobi's date differs from UTC's late at night).
    today = renewals.school_today(world.account.school)
    Subscription.objects.create(
        account=world.account,
        plan=world.standard,
        status=SubscriptionStatus.ACTIVE,
        period_start=today - datetime.timedelta(days=9),
        period_end=today + datetime.timedelta(days=21),
    )
    return world


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_a_parent_upgrades_and_pays_with_mpesa_watching_it_live(family, simulator, new_context, sign_in, viewport):
    page = new_context(viewport=dict(viewport)).new_page()
    sign_in(family.guardian, page)

    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # on a phone the navigation is behind the menu button
        menu.click()
    page.get_by_role("link", name="Plan and payments").first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Your plan and payments"
    assert "Standard" in page.locator("main").inner_text()
    assert_accessible(page)
    assert page.evaluate(NO_OVERFLOW), "the finance home is wider than the screen"

    page.get_by_role("link", name="Compare plans or change your plan").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Compare plans"
    assert_accessible(page)
    assert page.evaluate(NO_OVERFLOW), "the plan comparison is wider than the screen"

    page.get_by_role("link", name="Change to Premium").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Move to Premium"
    quote = page.locator("main").inner_text()
    # 21 days left of a 30-day period: (3,000 − 1,500) × 21/30 = 1,050.
    assert "You pay KES 1,050 today for the 21 days left of this period" in quote
    assert_accessible(page)
    assert page.get_by_label("M-Pesa phone number").input_value() in {"0712345678", "+254712345678", "0712 345 678"}

    page.get_by_role("button", name="Confirm and pay with M-Pesa").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Your M-Pesa payment"
    status = page.locator("#payment-status")
    assert status.get_attribute("data-status") in {"sending", "waiting"}, "the prompt is on its way, not settled"
    assert "Waiting for your PIN" in status.inner_text() or "Check your phone" in status.inner_text()
    assert_accessible(page)

    # No reload: htmx polls the status fragment until the callback has settled the payment.
    page.locator('#payment-status[data-status="paid"]').wait_for(timeout=20_000)
    assert "Paid" in page.locator("#payment-status").inner_text()
    assert "KES 1,050" in page.locator("#payment-status").inner_text()
    assert_accessible(page)
    assert page.evaluate(NO_OVERFLOW), "the payment page is wider than the screen"

    page.get_by_role("link", name="Back to your plan").click()
    page.wait_for_load_state("load")
    assert "Premium" in page.locator("main").inner_text()

    payment = Payment.objects.get(account=family.account)
    assert payment.status == PaymentStatus.PAID
    assert payment.amount == Decimal("1050")
    assert len(simulator.pushes) == 1, "the parent was prompted once"
    assert Subscription.objects.get(account=family.account, status=SubscriptionStatus.ACTIVE).plan == family.premium
    # Paid 1,050 and charged 1,050 for the change: the balance is where it was.
    assert ledger.balance(family.account) == Decimal("0")
    assert LedgerEntry.objects.filter(account=family.account).count() == 2
