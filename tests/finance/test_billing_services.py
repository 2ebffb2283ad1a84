"""Billing's rules from the family's side: what they pay, what they are credited, when their plan
changes, and the ledger balance after each step. Payments are settled the way finance.payments
settles them (tests/finance/billing_support.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.http import Http404

from accounts.models import GuardianScope
from finance import ledger
from finance.billing import services
from finance.billing.proration import period_end
from finance.billing.renewals import school_today
from finance.billing.services import BillingError
from finance.models import (
    AccountMember,
    AddOnPurchase,
    FamilyAccount,
    LedgerEntry,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from finance.policies import offered_plan
from tests.factories import GuardianshipFactory, PupilFactory, UserFactory
from tests.finance.billing_support import active, asked, fail, settle
from tests.finance.world import finance_world

D = Decimal
Status = SubscriptionStatus


@pytest.fixture
def world(db):
    return finance_world()


def _today(world):
    return school_today(world.school)


# --- accounts ------------------------------------------------------------------------------------


def test_open_account_puts_the_children_without_one_on_one_account_per_school(db):
    world = finance_world()
    guardian = UserFactory()
    children = [PupilFactory(school=world.school) for _ in range(2)]
    for child in children:
        GuardianshipFactory(guardian=guardian, pupil=child)
    opened = services.open_account(user=guardian)
    assert len(opened) == 1
    assert sorted(opened[0].members.values_list("pupil_id", flat=True)) == sorted(c.pk for c in children)
    assert opened[0].currency == "KES"
    with pytest.raises(BillingError):
        services.open_account(user=guardian)  # pressed twice: nothing more
    assert AccountMember.objects.filter(pupil__in=children).count() == 2


def test_a_new_child_joins_the_familys_existing_account(world):
    baby = PupilFactory(school=world.school, first_name="Zawadi")
    GuardianshipFactory(guardian=world.guardian, pupil=baby)
    opened = services.open_account(user=world.guardian)
    assert opened == [world.account]
    assert FamilyAccount.objects.filter(school=world.school).count() == 2  # no new account


def test_a_co_parent_without_the_finance_scope_opens_nothing(world):
    baby = PupilFactory(school=world.school)
    link = GuardianshipFactory(guardian=world.co_parent, pupil=baby)
    GuardianScope.objects.create(guardianship=link, finance=False)
    with pytest.raises(BillingError):
        services.open_account(user=world.co_parent)
    assert not AccountMember.objects.filter(pupil=baby).exists()


# --- subscribing ---------------------------------------------------------------------------------


def test_a_free_plan_starts_at_once(world):
    assert services.subscribe(user=world.guardian, account=world.account, plan=world.free) is None
    subscription = Subscription.objects.get(account=world.account)
    assert subscription.status == Status.ACTIVE
    assert subscription.period_start == _today(world)
    assert ledger.balance(world.account) == 0


def test_a_first_paid_plan_waits_for_its_payment_then_starts(world):
    with transaction.atomic():
        subscription, request = services.prepare_subscription(
            user=world.guardian, account=world.account, plan=world.standard
        )
    assert subscription.status == Status.PENDING
    assert request.amount == D("1500")
    payment = asked(world.account, request, user=world.guardian)
    subscription.refresh_from_db()
    assert subscription.status == Status.PENDING  # nothing changes before the money arrives
    settle(payment)
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    assert subscription.period_end > subscription.period_start == _today(world)
    assert ledger.balance(world.account) == 0  # paid 1,500, charged 1,500


def test_a_failed_first_payment_leaves_the_plan_waiting_to_try_again(world):
    with transaction.atomic():
        subscription, request = services.prepare_subscription(
            user=world.guardian, account=world.account, plan=world.premium
        )
    fail(asked(world.account, request))
    subscription.refresh_from_db()
    assert subscription.status == Status.PENDING
    # They try again with another plan: the same subscription, now Standard.
    with transaction.atomic():
        again, request = services.prepare_subscription(user=world.guardian, account=world.account, plan=world.standard)
    assert again.pk == subscription.pk
    assert request.amount == D("1500")
    settle(asked(world.account, request))
    again.refresh_from_db()
    assert (again.status, again.plan) == (Status.ACTIVE, world.standard)


def test_credit_on_the_account_pays_a_first_plan(world):
    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("2000"), key="test:credit")
    assert services.subscribe(user=world.guardian, account=world.account, plan=world.standard) is None
    assert Subscription.objects.get(account=world.account).status == Status.ACTIVE
    assert ledger.balance(world.account) == D("500")


def test_a_family_with_a_plan_is_told_to_change_it(world):
    active(world.account, world.standard)
    with pytest.raises(BillingError, match="Compare plans or change your plan"):
        services.subscribe(user=world.guardian, account=world.account, plan=world.premium)


def test_settling_the_same_payment_twice_charges_once(world):
    with transaction.atomic():
        subscription, request = services.prepare_subscription(
            user=world.guardian, account=world.account, plan=world.standard
        )
    payment = asked(world.account, request)
    settle(payment)
    settle(payment)
    assert LedgerEntry.objects.filter(account=world.account, kind="charge").count() == 1
    assert ledger.balance(world.account) == 0


# --- changing plan --------------------------------------------------------------------------------


def test_an_upgrade_is_quoted_then_applied_only_when_paid(world):
    today = _today(world)
    subscription = active(world.account, world.standard, start=today - timedelta(days=10))
    quote = services.quote_change(subscription=subscription, plan=world.premium)
    days_left = (subscription.period_end - today).days
    assert quote.proration.days_left == days_left
    expected = (D("1500") * days_left / quote.proration.days_in_period).quantize(D("1"))
    assert quote.charge == quote.pay_today == expected
    assert quote.renews_on == subscription.period_end
    payment = asked(world.account, quote.payment_request())
    subscription.refresh_from_db()
    assert subscription.plan == world.standard  # not until paid
    settle(payment)
    subscription.refresh_from_db()
    assert subscription.plan == world.premium
    assert subscription.period_end == quote.renews_on  # same period, new price from the renewal
    assert ledger.balance(world.account) == 0
    settle(payment)  # a replayed settlement changes nothing
    assert ledger.balance(world.account) == 0
    assert LedgerEntry.objects.filter(account=world.account, kind="charge").count() == 1


def test_a_downgrade_credits_the_account_at_once(world):
    today = _today(world)
    subscription = active(world.account, world.premium, start=today - timedelta(days=5))
    quote = services.quote_change(subscription=subscription, plan=world.standard)
    assert quote.is_downgrade
    assert quote.pay_today == 0
    assert services.change_plan(user=world.guardian, subscription=subscription, plan=world.standard) is None
    subscription.refresh_from_db()
    assert subscription.plan == world.standard
    assert ledger.balance(world.account) == quote.credit > 0


def test_credit_on_the_account_is_used_first_and_can_cover_an_upgrade(world):
    today = _today(world)
    subscription = active(world.account, world.standard, start=today)
    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("400"), key="test:credit")
    quote = services.quote_change(subscription=subscription, plan=world.premium)
    assert quote.charge == D("1500")  # first day: the whole difference
    assert (quote.credit_used, quote.pay_today) == (D("400"), D("1100"))
    settle(asked(world.account, quote.payment_request()))
    assert ledger.balance(world.account) == 0

    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("99999"), key="test:more")
    subscription.refresh_from_db()
    change = services.change_plan(user=world.guardian, subscription=subscription, plan=world.yearly)
    assert change is None  # covered by credit: no prompt
    subscription.refresh_from_db()
    assert subscription.plan == world.yearly


def test_a_change_to_another_period_length_starts_a_new_period(world):
    today = _today(world)
    subscription = active(world.account, world.standard, start=today)
    quote = services.quote_change(subscription=subscription, plan=world.yearly)
    # Unused Standard (the whole month, changed on its first day) is taken off the year's price.
    assert quote.new_period
    assert quote.charge == D("15000") - D("1500")
    assert quote.renews_on == period_end(today, "yearly")
    settle(asked(world.account, quote.payment_request()))
    subscription.refresh_from_db()
    assert (subscription.plan, subscription.period_start) == (world.yearly, today)
    assert ledger.balance(world.account) == 0


@pytest.mark.parametrize("status", [Status.PENDING, Status.PAUSED, Status.PAST_DUE, Status.ENDED])
def test_only_an_active_plan_can_change(world, status):
    subscription = active(world.account, world.standard)
    subscription.status = status
    subscription.save()
    with pytest.raises(BillingError):
        services.quote_change(subscription=subscription, plan=world.premium)


def test_a_change_to_the_current_plan_is_refused(world):
    subscription = active(world.account, world.standard)
    with pytest.raises(BillingError, match="already on this plan"):
        services.change_plan(user=world.guardian, subscription=subscription, plan=world.standard)
    assert LedgerEntry.objects.filter(account=world.account).count() == 0


def test_another_schools_plan_is_not_found(world):
    elsewhere = Plan.objects.filter(school=world.stranger_account.school).first()
    with pytest.raises(Http404):
        offered_plan(account=world.account, plan_id=elsewhere.pk)


def test_a_payment_for_a_plan_change_that_no_longer_fits_stays_as_credit(world):
    subscription = active(world.account, world.standard, start=_today(world))
    quote = services.quote_change(subscription=subscription, plan=world.premium)
    payment = asked(world.account, quote.payment_request())
    services.change_plan(user=world.guardian, subscription=subscription, plan=world.free)  # meanwhile
    balance_before = ledger.balance(world.account)
    settle(payment)
    subscription.refresh_from_db()
    assert subscription.plan == world.free
    assert ledger.balance(world.account) == balance_before + payment.amount  # nothing lost


# --- pausing -------------------------------------------------------------------------------------


def test_pause_and_resume_move_the_renewal_date(world):
    today = _today(world)
    subscription = active(world.account, world.standard, start=today)
    end = subscription.period_end
    services.pause(user=world.guardian, subscription=subscription, until=today + timedelta(days=10))
    subscription.refresh_from_db()
    assert (subscription.status, subscription.resume_by) == (Status.PAUSED, today + timedelta(days=10))
    # Resumed the same day: no days paused.
    services.resume(user=world.guardian, subscription=subscription)
    subscription.refresh_from_db()
    assert (subscription.status, subscription.period_end) == (Status.ACTIVE, end)


def test_a_pause_that_runs_its_course_moves_the_renewal_by_its_days(world):
    today = _today(world)
    subscription = active(world.account, world.standard, start=today)
    end = subscription.period_end
    services.pause(user=world.guardian, subscription=subscription, until=today + timedelta(days=12))
    services.renewals_run(today=today + timedelta(days=12))
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    assert subscription.period_end == end + timedelta(days=12)


def test_a_pause_longer_than_the_plan_allows_is_refused(world):
    subscription = active(world.account, world.standard)
    with pytest.raises(BillingError, match="at most 30 days"):
        services.pause(user=world.guardian, subscription=subscription, until=_today(world) + timedelta(days=31))
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE


def test_a_second_pause_in_one_period_is_refused(world):
    today = _today(world)
    subscription = active(world.account, world.standard, start=today)
    services.pause(user=world.guardian, subscription=subscription, until=today + timedelta(days=2))
    services.resume(user=world.guardian, subscription=subscription)
    with pytest.raises(BillingError, match="already paused once"):
        services.pause(user=world.guardian, subscription=subscription, until=today + timedelta(days=2))


def test_no_pause_while_a_renewal_is_unpaid(world):
    subscription = active(world.account, world.standard)
    subscription.status = Status.PAST_DUE
    subscription.save()
    with pytest.raises(BillingError, match="unpaid"):
        services.pause(user=world.guardian, subscription=subscription, until=_today(world) + timedelta(days=2))


def test_a_plan_that_cannot_be_paused_says_so(world):
    world.standard.max_pause_days = 0
    world.standard.save()
    subscription = active(world.account, world.standard)
    with pytest.raises(BillingError, match="cannot be paused"):
        services.pause(user=world.guardian, subscription=subscription, until=_today(world) + timedelta(days=2))


# --- add-ons -------------------------------------------------------------------------------------


def test_an_add_on_is_paid_then_fulfilled(world):
    with transaction.atomic():
        purchase, request = services.prepare_add_on_purchase(
            user=world.guardian, account=world.account, add_on=world.tutoring, quantity=3, pupil=world.children[0]
        )
    assert purchase.status == AddOnPurchase.Status.PENDING
    assert request.amount == D("2400")
    payment = asked(world.account, request)
    settle(payment)
    settle(payment)
    purchase.refresh_from_db()
    assert purchase.status == AddOnPurchase.Status.PAID
    assert ledger.balance(world.account) == 0
    assert LedgerEntry.objects.filter(account=world.account, kind="charge").count() == 1


def test_a_failed_add_on_payment_cancels_the_purchase(world):
    with transaction.atomic():
        purchase, request = services.prepare_add_on_purchase(
            user=world.guardian, account=world.account, add_on=world.printed_report, quantity=1
        )
    fail(asked(world.account, request))
    purchase.refresh_from_db()
    assert purchase.status == AddOnPurchase.Status.CANCELLED
    assert ledger.balance(world.account) == 0


def test_more_add_ons_than_allowed_are_refused(world):
    with pytest.raises(BillingError, match="from 1 to 10"):
        services.buy_add_on(user=world.guardian, account=world.account, add_on=world.tutoring, quantity=11)
    assert not AddOnPurchase.objects.exists()


def test_an_add_on_for_a_child_not_on_the_account_is_refused(world):
    stranger = world.stranger_account.members.get().pupil
    with pytest.raises(BillingError):
        services.buy_add_on(
            user=world.guardian, account=world.account, add_on=world.tutoring, quantity=1, pupil=stranger
        )


def test_an_add_on_paid_from_credit_is_bought_at_once(world):
    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("1000"), key="test:credit")
    assert (
        services.buy_add_on(
            user=world.guardian,
            account=world.account,
            add_on=world.printed_report,
            quantity=2,
            client_key="same-form-twice",
        )
        is None
    )
    services.buy_add_on(
        user=world.guardian,
        account=world.account,
        add_on=world.printed_report,
        quantity=2,
        client_key="same-form-twice",
    )
    assert AddOnPurchase.objects.get().status == AddOnPurchase.Status.PAID
    assert ledger.balance(world.account) == D("500")


def test_subscribe_asks_m_pesa_for_the_price_less_the_credit(world):
    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("500"), key="test:credit")
    payment = services.subscribe(
        user=world.guardian, account=world.account, plan=world.standard, phone="0712345678", client_key="sub-key-123"
    )
    assert (payment.amount, payment.purpose, payment.phone) == (D("1000"), "subscribe", "+254712345678")
    again = services.subscribe(
        user=world.guardian, account=world.account, plan=world.standard, phone="0712345678", client_key="sub-key-123"
    )
    assert again.pk == payment.pk
    settle(payment)
    subscription = Subscription.objects.get(account=world.account)
    assert subscription.status == Status.ACTIVE
    assert ledger.balance(world.account) == 0


def test_a_refused_prompt_leaves_nothing_behind(world):
    with pytest.raises(BillingError):
        services.buy_add_on(
            user=world.guardian, account=world.account, add_on=world.tutoring, quantity=1, phone="not a phone"
        )
    assert not AddOnPurchase.objects.exists()
