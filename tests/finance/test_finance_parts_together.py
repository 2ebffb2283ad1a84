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
