"""A school's office runs its plans, add-ons and families' accounts in Django admin, sees its own
payments and M-Pesa callbacks (never another school's), changes no money already recorded, and
corrects a balance with a new entry and a reason."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from accounts.management.commands.seed_demo import school_admin_group
from accounts.models import AuditEntry
from finance import ledger
from finance.models import CallbackRecord, LedgerEntry, Payment, Plan, Subscription
from tests import factories
from tests.conftest import force_verified_login
from tests.finance.receipts_world import settled_payment
from tests.finance.world import finance_world


@pytest.fixture
def world(db):
    return finance_world()


@pytest.fixture
def office(world, client):
    user = world.school_admin
    user.is_staff = True
    user.save()
    user.groups.add(school_admin_group())
    force_verified_login(client, user)
    return user


def flagged_callback(payment: Payment, note: str) -> CallbackRecord:
    return CallbackRecord.objects.create(
        source=CallbackRecord.Source.STK_CALLBACK,
        payment=payment,
        school=payment.account.school,
        raw_body='{"Body": {"stkCallback": {"ResultCode": 0, "Amount": 1}}}',
        outcome=CallbackRecord.Outcome.FLAGGED,
        note=note,
    )


def test_the_office_sees_its_school_s_plans_payments_and_callbacks_only(client, world, office):
    own = settled_payment(world.account, plan=world.standard)
    far = settled_payment(world.stranger_account)
    own_callback = flagged_callback(own, "Amount 1 instead of 1500")
    far_callback = flagged_callback(far, "Farschool mismatch")
    far_plan = Plan.objects.get(school=world.stranger_account.school, code="premium")

    plans = client.get("/admin/finance/plan/").content.decode()
    assert f"/admin/finance/plan/{world.premium.pk}/change/" in plans
    assert "KES 3,000" in plans
    assert f"/admin/finance/plan/{far_plan.pk}/change/" not in plans
    payments = client.get("/admin/finance/payment/").content.decode()
    assert own.mpesa_receipt in payments
    assert far.mpesa_receipt not in payments
    callbacks = client.get("/admin/finance/callbackrecord/?attention=flagged").content.decode()
    assert "Amount 1 instead of 1500" in callbacks
    assert "Farschool mismatch" not in callbacks

    payment_page = client.get(f"/admin/finance/payment/{own.pk}/change/")
    assert payment_page.status_code == 200
    assert own.callback_token not in payment_page.content.decode()  # the callback URL's secret stays secret
    page = client.get(f"/admin/finance/callbackrecord/{own_callback.pk}/change/").content.decode()
    assert "stkCallback" in page  # the body as it arrived
    for url in [
        f"/admin/finance/plan/{far_plan.pk}/change/",
        f"/admin/finance/payment/{far.pk}/change/",
        f"/admin/finance/callbackrecord/{far_callback.pk}/change/",
        f"/admin/finance/familyaccount/{world.stranger_account.pk}/change/",
        f"/admin/finance/ledgerentry/{far.entries.first().pk}/change/",
    ]:
        assert client.get(url).status_code == 404, url


def test_the_office_adds_a_plan_for_its_school_only(client, world, office):
    data = {"name": "Family plus", "code": "family-plus", "billing": "family", "period": "termly"}
    data |= {"price": "4000", "currency": "KES", "rank": 3, "max_pause_days": 30, "is_active": "on"}
    response = client.post("/admin/finance/plan/add/", {**data, "school": world.school.pk})
    assert response.status_code == 302
    plan = Plan.objects.get(school=world.school, code="family-plus")
    assert AuditEntry.objects.filter(action="plan.created_in_admin", target_id=str(plan.pk)).exists()
    far_school = world.stranger_account.school
    response = client.post("/admin/finance/plan/add/", {**data, "code": "far", "school": far_school.pk})
    assert response.status_code == 200  # the other school is not a choice
    assert not Plan.objects.filter(school=far_school, code="far").exists()


def test_payments_and_ledger_entries_cannot_be_added_changed_or_deleted(client, world, office):
    payment = settled_payment(world.account, plan=world.standard)
    entry = payment.entries.first()
    for model, obj in [("payment", payment), ("ledgerentry", entry)]:
        assert client.get(f"/admin/finance/{model}/add/").status_code == 403
        change = client.post(f"/admin/finance/{model}/{obj.pk}/change/", {"amount": "1"})
        assert change.status_code == 403
        assert client.post(f"/admin/finance/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    payment.refresh_from_db()
    assert payment.amount == Decimal("1500")
    assert LedgerEntry.objects.filter(pk=entry.pk, amount=entry.amount).exists()


def test_operators_cannot_edit_money_either(client, world):
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    force_verified_login(client, operator)
    payment = settled_payment(world.account)
    assert client.get(f"/admin/finance/payment/{payment.pk}/change/").status_code == 200
    assert client.post(f"/admin/finance/payment/{payment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_resolving_a_flagged_callback_is_recorded_and_audited(client, world, office):
    payment = settled_payment(world.account)
    record = flagged_callback(payment, "Phone not the one asked")
    response = client.post(
        "/admin/finance/callbackrecord/",
        {"action": "mark_resolved", ACTION_CHECKBOX_NAME: [record.pk], "index": 0},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.resolved_by == office
    assert record.resolved_at is not None
    assert AuditEntry.objects.filter(
        action="callback.resolved_in_admin", actor_id=office.pk, target_id=str(record.pk), school_id=world.school.pk
    ).exists()
    listed = client.get("/admin/finance/callbackrecord/?attention=flagged").content.decode()
    assert "Phone not the one asked" not in listed  # off the list of what needs attention


def test_another_school_s_callback_cannot_be_resolved(client, world, office):
    far = flagged_callback(settled_payment(world.stranger_account), "Farschool mismatch")
    response = client.post(
        "/admin/finance/callbackrecord/", {"action": "mark_resolved", ACTION_CHECKBOX_NAME: [far.pk], "index": 0}
    )
    assert response.status_code == 404
    far.refresh_from_db()
    assert far.resolved_at is None


def test_a_correction_posts_a_new_entry_and_changes_the_balance(client, world, office):
    settled_payment(world.account, plan=world.standard)
    before = LedgerEntry.objects.filter(account=world.account).count()
    url = f"/admin/finance/familyaccount/{world.account.pk}/correction/"
    page = client.get(url)
    assert page.status_code == 200
    key = page.context["form"].initial["key"]
    data = {"kind": "credit", "amount": "500", "reason": "Tutor hour cancelled by the school", "key": key}
    response = client.post(url, data)
    assert response.status_code == 302
    assert ledger.balance(world.account) == Decimal("500")
    entry = LedgerEntry.objects.get(account=world.account, kind="credit")
    assert entry.created_by == office
    assert entry.details["reason"] == "Tutor hour cancelled by the school"
    assert AuditEntry.objects.filter(action="ledger.corrected", target_id=str(entry.pk)).count() == 1
    client.post(url, data)  # the same form sent twice: one entry
    charge = {"kind": "charge", "amount": "800", "reason": "Printed reports collected", "key": "second"}
    client.post(url, charge)
    assert ledger.balance(world.account) == Decimal("-300")
    assert LedgerEntry.objects.filter(account=world.account).count() == before + 2
    account_page = client.get(f"/admin/finance/familyaccount/{world.account.pk}/change/").content.decode()
    assert "−KES 300" in account_page


def test_a_correction_needs_a_reason_and_stays_in_the_school(client, world, office):
    url = f"/admin/finance/familyaccount/{world.account.pk}/correction/"
    response = client.post(url, {"kind": "credit", "amount": "500", "reason": "", "key": "k"})
    assert response.status_code == 200
    assert not LedgerEntry.objects.filter(account=world.account).exists()
    far = f"/admin/finance/familyaccount/{world.stranger_account.pk}/correction/"
    assert client.post(far, {"kind": "credit", "amount": "500", "reason": "x", "key": "k"}).status_code == 404
    assert not LedgerEntry.objects.filter(account=world.stranger_account).exists()


def test_the_account_page_shows_each_pupil_s_paybill_reference(client, world, office):
    page = client.get(f"/admin/finance/familyaccount/{world.account.pk}/change/").content.decode()
    for member in world.account.members.all():
        assert member.reference in page
    settled_payment(world.account, amount=Decimal("700"))
    found = client.get("/admin/finance/familyaccount/", {"q": "Mwangi"}).content.decode()  # both children match
    assert f"/admin/finance/familyaccount/{world.account.pk}/change/" in found
    assert "KES 700" in found  # the balance, counted once however many pupils the search joined
    assert f"/admin/finance/familyaccount/{world.other_account.pk}/change/" not in found


def test_the_office_gives_a_family_more_time_but_cannot_change_the_plan_or_status(client, world, office):
    subscription = Subscription.objects.create(
        account=world.account,
        plan=world.standard,
        status="past_due",
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 11, 1),
        grace_until=datetime.date(2026, 11, 8),
    )
    response = client.post(
        f"/admin/finance/subscription/{subscription.pk}/change/",
        {"grace_until": "2026-11-15", "resume_by": "", "status": "active", "plan": world.premium.pk},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.grace_until == datetime.date(2026, 11, 15)
    assert subscription.status == "past_due"
    assert subscription.plan == world.standard
    assert client.get("/admin/finance/subscription/add/").status_code == 403
