"""The daily renewal run: reminded once, renewed from credit, past due then paid in the grace
period, past due then downgraded (or ended), and nothing more when it runs twice the same day.
The ledger balance is checked after each step."""

from datetime import date
from decimal import Decimal

import pytest

from finance import ledger
from finance.billing import effects
from finance.billing.services import renewals_run as _renewals_run
from finance.models import LedgerEntry, Purpose, Subscription, SubscriptionStatus
from hub.models import OutboxEntry
from messaging.models import Notification
from tests.finance.billing_support import active, asked, settle
from tests.finance.world import finance_world

D = Decimal
renewals_run = _renewals_run
Status = SubscriptionStatus
START = date(2027, 1, 1)  # a January period: it ends on 1 February


@pytest.fixture
def world(db, settings):
    settings.FINANCE_GRACE_DAYS = 7
    settings.FINANCE_REMINDER_DAYS = 5
    return finance_world()


@pytest.fixture(autouse=True)
def _outbox_runs(django_capture_on_commit_callbacks):
    """Each run's outbox entries are carried out when it commits, as they are in the demo."""
    global renewals_run

    def run(today):
        with django_capture_on_commit_callbacks(execute=True):
            return _renewals_run(today=today)

    renewals_run = run
    yield
    renewals_run = _renewals_run


def _subscription(world, plan=None):
    return active(world.account, plan or world.premium, start=START)


def _notified(world, kind):
    return list(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


def test_a_reminder_goes_once_before_the_renewal_to_everyone_who_sees_finance(world):
    subscription = _subscription(world)
    assert renewals_run(today=date(2027, 1, 26)) == {}  # six days before: not yet
    assert renewals_run(today=date(2027, 1, 27)) == {"reminded": 1}
    assert renewals_run(today=date(2027, 1, 27)) == {}
    assert renewals_run(today=date(2027, 1, 29)) == {}
    subscription.refresh_from_db()
    assert subscription.reminded_for == date(2027, 2, 1)
    assert sorted(_notified(world, effects.RENEWAL_REMINDER)) == sorted([world.guardian.pk, world.co_parent.pk])
    title = Notification.objects.filter(kind=effects.RENEWAL_REMINDER).first().title
    assert "Premium" in title
    assert "1 February" in title
    assert "KES 3,000" in title
    assert ledger.balance(world.account) == 0


def test_a_free_plan_is_not_reminded(world):
    _subscription(world, world.free)
    assert renewals_run(today=date(2027, 1, 28)) == {}


def test_a_renewal_the_credit_covers_renews_at_once(world):
    subscription = _subscription(world)
    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("3500"), key="test:credit")
    assert renewals_run(today=date(2027, 2, 1)) == {"renewed": 1}
    subscription.refresh_from_db()
    assert (subscription.status, subscription.period_start, subscription.period_end) == (
        Status.ACTIVE,
        date(2027, 2, 1),
        date(2027, 3, 1),
    )
    assert ledger.balance(world.account) == D("500")
    assert renewals_run(today=date(2027, 2, 1)) == {}  # the same day again: no second charge
    assert ledger.balance(world.account) == D("500")
    assert LedgerEntry.objects.filter(purpose=Purpose.RENEWAL).count() == 1


def test_an_unpaid_renewal_then_paid_in_the_grace_period_renews(world):
    subscription = _subscription(world)
    assert renewals_run(today=date(2027, 2, 1)) == {"past_due": 1}
    subscription.refresh_from_db()
    assert (subscription.status, subscription.grace_until) == (Status.PAST_DUE, date(2027, 2, 8))
    assert ledger.balance(world.account) == D("-3000")
    unpaid = Notification.objects.filter(kind=effects.RENEWAL_UNPAID)
    assert unpaid.count() == 2
    assert "8 February" in unpaid.first().title
    assert "KES 3,000" in unpaid.first().title
    assert renewals_run(today=date(2027, 2, 1)) == {}
    assert ledger.balance(world.account) == D("-3000")
    assert unpaid.count() == 2  # told once

    # The family pays what they owe (a balance payment, as "Pay now" makes).
    from finance.billing.services import PaymentRequest

    payment = asked(world.account, PaymentRequest(amount=D("3000"), purpose=Purpose.BALANCE, details={}))
    settle(payment)
    subscription.refresh_from_db()
    assert (subscription.status, subscription.grace_until) == (Status.ACTIVE, None)
    assert (subscription.period_start, subscription.period_end) == (date(2027, 2, 1), date(2027, 3, 1))
    assert ledger.balance(world.account) == 0
    assert renewals_run(today=date(2027, 2, 9)) == {}


def test_a_part_payment_in_the_grace_period_is_not_enough(world):
    from finance.billing.services import PaymentRequest

    subscription = _subscription(world)
    renewals_run(today=date(2027, 2, 1))
    settle(asked(world.account, PaymentRequest(amount=D("1000"), purpose=Purpose.BALANCE, details={})))
    subscription.refresh_from_db()
    assert subscription.status == Status.PAST_DUE
    assert ledger.balance(world.account) == D("-2000")


def test_after_the_grace_period_the_plan_falls_back_to_the_free_plan(world):
    subscription = _subscription(world)
    renewals_run(today=date(2027, 2, 1))
    assert renewals_run(today=date(2027, 2, 8)) == {}  # the last day of grace
    assert renewals_run(today=date(2027, 2, 9)) == {"downgraded": 1}
    subscription.refresh_from_db()
    assert (subscription.plan, subscription.status) == (world.free, Status.ACTIVE)
    assert (subscription.period_start, subscription.period_end) == (date(2027, 2, 9), date(2027, 3, 9))
    # The unpaid renewal is taken back: they owe nothing for a period they did not get.
    assert ledger.balance(world.account) == 0
    changed = Notification.objects.filter(kind=effects.PLAN_CHANGED)
    assert changed.count() == 2
    assert "Premium" in changed.first().title
    assert "Free" in changed.first().title
    assert renewals_run(today=date(2027, 2, 9)) == {}
    assert ledger.balance(world.account) == 0


def test_without_a_free_plan_the_subscription_ends(world):
    world.free.is_active = False
    world.free.save()
    subscription = _subscription(world)
    renewals_run(today=date(2027, 2, 1))
    assert renewals_run(today=date(2027, 2, 9)) == {"ended": 1}
    subscription.refresh_from_db()
    assert subscription.status == Status.ENDED
    assert subscription.ended_at is not None
    assert ledger.balance(world.account) == 0
    assert "has ended" in Notification.objects.filter(kind=effects.PLAN_CHANGED).first().title


def test_a_co_parent_whose_finance_scope_was_withdrawn_hears_nothing(world):
    from accounts.models import GuardianScope, Guardianship

    for link in Guardianship.objects.filter(guardian=world.co_parent):
        GuardianScope.objects.create(guardianship=link, finance=False)
    _subscription(world)
    renewals_run(today=date(2027, 1, 28))
    assert _notified(world, effects.RENEWAL_REMINDER) == [world.guardian.pk]


def test_a_run_that_missed_days_catches_up_once_per_period(world):
    subscription = _subscription(world)
    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("6000"), key="test:credit")
    renewals_run(today=date(2027, 3, 2))
    subscription.refresh_from_db()
    assert subscription.period_end == date(2027, 4, 1)
    assert ledger.balance(world.account) == 0
    renewals_run(today=date(2027, 3, 2))
    assert ledger.balance(world.account) == 0


def test_the_notifications_are_outbox_entries_keyed_by_period(world):
    _subscription(world)
    renewals_run(today=date(2027, 1, 28))
    renewals_run(today=date(2027, 1, 28))
    assert OutboxEntry.objects.filter(effect=effects.NOTIFY).count() == 1
    assert Subscription.objects.get().reminded_for == date(2027, 2, 1)


def test_the_unpaid_renewal_notification_links_to_paying(world):
    _subscription(world)
    renewals_run(today=date(2027, 2, 1))
    from django.urls import reverse

    url = Notification.objects.filter(kind=effects.RENEWAL_UNPAID).first().url
    assert url == f"{reverse('finance:pay')}?account={world.account.pk}"


def test_a_past_due_balance_settled_by_a_credit_renews_on_the_next_run(world):
    subscription = _subscription(world)
    renewals_run(today=date(2027, 2, 1))
    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("3000"), key="test:correction")
    assert renewals_run(today=date(2027, 2, 3)) == {"renewed": 1}
    subscription.refresh_from_db()
    assert (subscription.status, subscription.period_end) == (Status.ACTIVE, date(2027, 3, 1))
    assert ledger.balance(world.account) == 0
