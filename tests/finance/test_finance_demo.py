"""The finance demo: the Mwangi family on Standard, their paid history with receipts (owing
nothing), a cancelled attempt, a flagged callback for the office; seeding again adds nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.models import User
from finance import demo, ledger
from finance.models import (
    AccountMember,
    AddOn,
    AddOnPurchase,
    CallbackRecord,
    FamilyAccount,
    LedgerEntry,
    Payment,
    Plan,
    Subscription,
)
from finance.policies import accounts_visible_to
from hub.models import OutboxEntry

FINANCE_MODELS = [Plan, AddOn, FamilyAccount, AccountMember, Subscription, AddOnPurchase, Payment, LedgerEntry]


@pytest.fixture
def seeded(db):
    call_command("seed_demo", quiet=True)


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in [*FINANCE_MODELS, CallbackRecord, OutboxEntry]}


def mwangi_account() -> FamilyAccount:
    grace = User.objects.get(email=demo.GUARDIAN_EMAIL)
    return accounts_visible_to(grace).get()


def test_the_mwangi_family_is_on_standard_and_owes_nothing(seeded):
    account = mwangi_account()
    assert account.school.slug == demo.SLUG
    assert account.members.count() == 4  # all four children, each with a Paybill reference
    assert all(member.reference for member in account.members.all())
    subscription = Subscription.objects.get(account=account)
    assert subscription.status == "active"
    assert subscription.plan.code == "standard"
    assert ledger.balance(account) == 0


def test_the_history_has_three_receipted_payments_a_cancelled_one_and_a_flagged_callback(seeded):
    account = mwangi_account()
    paid = account.payments.filter(status="paid").order_by("created_at")
    assert paid.count() == 3
    assert all(payment.mpesa_receipt and payment.receipt_number for payment in paid)
    assert [payment.receipt_number[:4] for payment in paid] == ["UHS-"] * 3
    assert [payment.receipt_number[-6:] for payment in paid] == ["000001", "000002", "000003"]
    cancelled = account.payments.get(status="failed")
    assert cancelled.failure_reason == "cancelled"
    assert cancelled.receipt_number is None
    flagged = CallbackRecord.objects.get(outcome="flagged", school=account.school)
    assert flagged.resolved_at is None
    prices = {plan.code: plan.price for plan in Plan.objects.filter(school=account.school)}
    assert prices == {"free": 0, "standard": 1500, "premium": 3000, "standard-yearly": 15000}
    assert set(AddOn.objects.filter(school=account.school).values_list("price", flat=True)) == {800, 250}


def test_the_school_office_may_see_finance_in_admin(seeded):
    office = User.objects.get(email="office@urbanhome.example")
    assert office.has_perm("finance.view_callbackrecord")
    assert office.has_perm("finance.change_plan")
    assert not office.has_perm("finance.change_payment")


def test_seeding_again_creates_nothing(seeded):
    before = counts()
    for app_config in apps.get_app_configs():
        if app_config.name == "finance":
            app_config.seed_demo()
    call_command("seed_demo", quiet=True)
    assert counts() == before
