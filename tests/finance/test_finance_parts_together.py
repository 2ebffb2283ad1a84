"""The parts of finance together: a plan change asked for by billing, settled as payments settles
it, numbered and receipted by receipts; the receipt names what the parent bought."""

import io

import pytest
from pypdf import PdfReader

from finance.billing import services as billing
from finance.receipts.pdf import render_receipt_pdf
from tests.finance.billing_support import active, asked, settle
from tests.finance.world import finance_world


@pytest.fixture
def world(db):
    return finance_world()


def test_an_upgrade_paid_through_billing_gets_a_receipt_naming_the_new_plan(world):
    subscription = active(world.account, world.standard)
    quote = billing.quote_change(subscription=subscription, plan=world.premium)
    payment = settle(asked(world.account, quote.payment_request(), user=world.guardian))

    payment.refresh_from_db()
    assert payment.receipt_number, "a paid payment is numbered"
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(render_receipt_pdf(payment, language="en"))).pages
    )
    assert payment.receipt_number in text
    assert "Premium" in text, "the receipt says what the payment bought"


def test_the_menu_links_plan_and_payments_only_where_the_school_offers_plans(client, world):
    from accounts.models import GuardianScope
    from finance.models import Plan

    client.force_login(world.guardian)
    assert "Plan and payments" in client.get("/").content.decode()

    # A co-parent whose finance scope was withdrawn is not offered the link.
    link = world.co_parent.guardianships.first()
    GuardianScope.objects.create(guardianship=link, finance=False)
    client.force_login(world.co_parent)
    for other in world.co_parent.guardianships.exclude(pk=link.pk):
        GuardianScope.objects.create(guardianship=other, finance=False)
    assert "Plan and payments" not in client.get("/").content.decode()

    # A school that stops offering plans: no link for anyone there.
    Plan.objects.filter(school=world.school).update(is_active=False)
    client.force_login(world.guardian)
    assert "Plan and payments" not in client.get("/").content.decode()
