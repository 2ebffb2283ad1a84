"""The plan and payment pages from the outside: who may open them, what they say, forms that
refuse and change nothing, and query counts that do not grow with the family's history."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import GuardianScope, Guardianship
from finance import ledger
from finance.billing.renewals import school_today
from finance.models import AccountMember, FamilyAccount, LedgerEntry, Payment, Plan, SubscriptionStatus
from tests.factories import GuardianshipFactory, PupilFactory, UserFactory
from tests.finance.billing_support import active, asked, settle
from tests.finance.world import finance_world, make_account

D = Decimal
Status = SubscriptionStatus
PAGES = ["finance:home", "finance:plans", "finance:pause", "finance:add_ons", "finance:history"]


@pytest.fixture
def world(db):
    world = finance_world()
    world.subscription = active(world.account, world.standard, start=school_today(world.school) - timedelta(days=3))
    return world


def _url(name, account=None, *args):
    url = reverse(name, args=args)
    return f"{url}?account={account.pk}" if account else url


def _withdraw_finance(world):
    for link in Guardianship.objects.filter(guardian=world.co_parent):
        GuardianScope.objects.create(guardianship=link, finance=False)


# --- who may open them ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_the_guardian_opens_every_page(client, world, name):
    client.force_login(world.guardian)
    assert client.get(_url(name, world.account)).status_code == 200
    assert client.get(reverse(name)).status_code == 200  # their only account, unnamed


def test_the_guardian_opens_the_change_page(client, world):
    client.force_login(world.guardian)
    assert client.get(_url("finance:change_plan", world.account, world.premium.pk)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_another_family_guessing_the_account_gets_404(client, world, name):
    client.force_login(world.other_guardian)
    assert client.get(_url(name, world.account)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_a_guardian_at_another_school_gets_404(client, world, name):
    stranger = world.stranger_account.members.get().pupil.guardianships.get().guardian
    client.force_login(stranger)
    assert client.get(_url(name, world.account)).status_code == 404


def test_another_schools_plan_id_is_404(client, world):
    client.force_login(world.guardian)
    elsewhere = Plan.objects.filter(school=world.stranger_account.school, code="premium").get()
    assert client.get(_url("finance:change_plan", world.account, elsewhere.pk)).status_code == 404
    response = client.post(_url("finance:change_plan", world.account, elsewhere.pk), {"phone": "0712345678"})
    assert response.status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, name):
    response = client.get(_url(name, world.account))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "/account/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_a_co_parent_whose_finance_scope_was_withdrawn_gets_404(client, world, name):
    client.force_login(world.co_parent)
    assert client.get(_url(name, world.account)).status_code == 200
    _withdraw_finance(world)
    assert client.get(_url(name, world.account)).status_code == 404
    assert client.get(reverse(name)).status_code == 404


def test_a_co_parent_without_finance_cannot_change_the_plan(client, world):
    _withdraw_finance(world)
    client.force_login(world.co_parent)
    response = client.post(_url("finance:change_plan", world.account, world.free.pk), {})
    assert response.status_code == 404
    world.subscription.refresh_from_db()
    assert world.subscription.plan == world.standard


# --- what they say -------------------------------------------------------------------------------


def test_home_says_the_plan_its_renewal_and_the_balance(client, world):
    ledger.post(account=world.account, kind="credit", purpose="balance", amount=D("500"), key="test:credit")
    client.force_login(world.guardian)
    body = client.get(reverse("finance:home")).content.decode()
    assert "Standard" in body
    day = world.subscription.period_end
    assert f"Active, renews on {day.day} {day:%B}" in body
    assert "You are in credit by KES 500" in body


def test_home_says_what_is_owed_and_by_when(client, world):
    world.subscription.status = Status.PAST_DUE
    world.subscription.grace_until = school_today(world.school) + timedelta(days=4)
    world.subscription.save()
    ledger.post(account=world.account, kind="charge", purpose="renewal", amount=D("1500"), key="test:renewal")
    client.force_login(world.guardian)
    body = client.get(reverse("finance:home")).content.decode()
    day = world.subscription.grace_until
    assert f"Renewal not paid: pay by {day.day} {day:%B} to keep Standard" in body
    assert "You owe KES 1,500" in body


def test_home_shows_a_pending_payment(client, world):
    asked(world.account, _request(D("1500")))
    client.force_login(world.guardian)
    body = client.get(reverse("finance:home")).content.decode()
    assert "A payment is in progress" in body
    assert "KES 1,500" in body


def _request(amount):
    from finance.billing.services import PaymentRequest

    return PaymentRequest(amount=amount, purpose="balance", details={})


def test_a_family_without_an_account_sets_one_up_by_post_never_by_get(client, db):
    world = finance_world()
    guardian = UserFactory()
    children = [PupilFactory(school=world.school, first_name=name) for name in ("Jabari", "Neema")]
    for child in children:
        GuardianshipFactory(guardian=guardian, pupil=child)
    client.force_login(guardian)
    body = client.get(reverse("finance:home")).content.decode()
    assert "Set up payments for Jabari and Neema" in body
    assert not AccountMember.objects.filter(pupil__in=children).exists()
    response = client.post(reverse("finance:home"))
    assert response.status_code == 302
    account = FamilyAccount.objects.get(members__pupil=children[0])
    assert account.members.count() == 2
    assert client.get(response["Location"]).status_code == 200


def test_the_plans_table_marks_the_current_plan_and_has_a_caption(client, world):
    client.force_login(world.guardian)
    body = client.get(_url("finance:plans", world.account)).content.decode()
    assert "<caption" in body
    assert 'scope="col"' in body
    assert 'scope="row"' in body
    assert "Your plan</strong>" in body
    assert "Weekly tutor call" in body
    assert reverse("finance:change_plan", args=[world.premium.pk]) in body
    assert reverse("finance:change_plan", args=[world.standard.pk]) not in body


def test_the_upgrade_page_shows_what_is_paid_today_and_from_when(client, world):
    client.force_login(world.guardian)
    body = client.get(_url("finance:change_plan", world.account, world.premium.pk)).content.decode()
    sub = world.subscription
    days_left = (sub.period_end - school_today(world.school)).days
    amount = (D(1500) * days_left / (sub.period_end - sub.period_start).days).quantize(D(1))
    assert f"You pay KES {amount:,} today for the {days_left} days left of this period" in body
    assert f"From {sub.period_end.day} {sub.period_end:%B}: KES 3,000, monthly" in body
    assert 'name="phone"' in body
    assert 'name="client_key"' in body


def test_a_downgrade_is_credited_at_once_and_says_so(client, world):
    client.force_login(world.guardian)
    body = client.get(_url("finance:change_plan", world.account, world.free.pk)).content.decode()
    assert "will be credited to your account" in body
    assert 'name="phone"' not in body
    response = client.post(_url("finance:change_plan", world.account, world.free.pk), {"client_key": "abcdefgh12"})
    assert response.status_code == 302
    world.subscription.refresh_from_db()
    assert world.subscription.plan == world.free
    assert ledger.balance(world.account) > 0
    page = client.get(response["Location"]).content.decode()
    assert "Your plan is now Free" in page
    # The same confirmation sent again credits nothing more.
    balance = ledger.balance(world.account)
    client.post(_url("finance:change_plan", world.account, world.free.pk), {"client_key": "abcdefgh12"})
    assert ledger.balance(world.account) == balance


def test_the_current_plan_cannot_be_chosen_again(client, world):
    client.force_login(world.guardian)
    body = client.get(_url("finance:change_plan", world.account, world.standard.pk)).content.decode()
    assert "You are already on this plan" in body
    assert not LedgerEntry.objects.exists()


def test_an_upgrade_without_a_phone_re_renders_with_an_error_and_changes_nothing(client, world):
    client.force_login(world.guardian)
    response = client.post(_url("finance:change_plan", world.account, world.premium.pk), {"phone": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Enter the M-Pesa phone number" in body
    assert not Payment.objects.exists()
    world.subscription.refresh_from_db()
    assert world.subscription.plan == world.standard


# --- pausing -------------------------------------------------------------------------------------


def test_the_pause_page_states_the_rules_and_refuses_too_long(client, world):
    client.force_login(world.guardian)
    body = client.get(_url("finance:pause", world.account)).content.decode()
    assert "up to 30 days, once in each period" in body
    too_far = school_today(world.school) + timedelta(days=45)
    response = client.post(_url("finance:pause", world.account), {"until": too_far.isoformat()})
    assert response.status_code == 422
    assert "You can pause for at most 30 days" in response.content.decode()
    world.subscription.refresh_from_db()
    assert world.subscription.status == Status.ACTIVE


def test_pause_then_resume_from_the_pages(client, world):
    client.force_login(world.guardian)
    until = school_today(world.school) + timedelta(days=7)
    response = client.post(_url("finance:pause", world.account), {"until": until.isoformat()})
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert f"Paused until {until.day} {until:%B}" in body
    assert client.get(reverse("finance:resume")).status_code == 405
    response = client.post(_url("finance:resume", world.account), {"subscription": world.subscription.pk})
    assert response.status_code == 302
    world.subscription.refresh_from_db()
    assert world.subscription.status == Status.ACTIVE


# --- add-ons -------------------------------------------------------------------------------------


def test_too_many_add_ons_re_render_with_an_error(client, world):
    client.force_login(world.guardian)
    response = client.post(
        _url("finance:add_ons", world.account),
        {"add_on": world.tutoring.pk, "quantity": 11, "pupil": "", "phone": "0712345678", "client_key": "k" * 10},
    )
    assert response.status_code == 422
    assert "Choose a quantity from 1 to 10" in response.content.decode()
    assert not world.account.add_on_purchases.exists()


def test_another_schools_add_on_cannot_be_bought(client, world):
    client.force_login(world.guardian)
    from finance.models import AddOn

    elsewhere = AddOn.objects.create(school=world.stranger_account.school, name="Far", code="far", price=D(1))
    response = client.post(
        _url("finance:add_ons", world.account), {"add_on": elsewhere.pk, "quantity": 1, "phone": "0712345678"}
    )
    assert response.status_code == 422
    assert not world.account.add_on_purchases.exists()


# --- two schools ---------------------------------------------------------------------------------


def test_a_family_with_accounts_at_two_schools_chooses_between_them(client, world):
    far_school = world.stranger_account.school
    child = PupilFactory(school=far_school, first_name="Imani")
    GuardianshipFactory(guardian=world.guardian, pupil=child)
    second = make_account(far_school, [child])
    client.force_login(world.guardian)
    body = client.get(_url("finance:home", second)).content.decode()
    assert world.school.name in body  # the switch to the other account
    assert "You have no plan yet" in body
    assert client.get(_url("finance:history", second)).status_code == 200


# --- history and query counts --------------------------------------------------------------------


def _history(world, n):
    for i in range(n):
        payment = asked(world.account, _request(D(100 + i)))
        settle(payment)


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["finance:home", "finance:history", "finance:plans", "finance:add_ons"])
def test_pages_cost_the_same_queries_for_a_short_and_a_long_history(client, world, name):
    client.force_login(world.guardian)
    client.get(_url(name, world.account))  # the first request after signing in records the device
    _history(world, 2)
    small = _queries(client, _url(name, world.account))
    _history(world, 30)
    big = _queries(client, _url(name, world.account))
    assert big == small


def test_history_lists_payments_newest_first_and_pages(client, world):
    _history(world, 25)
    client.force_login(world.guardian)
    body = client.get(_url("finance:history", world.account)).content.decode()
    assert body.index("KES 124") < body.index("KES 110")
    assert "Page 1 of 2" in body
    assert "Older" in body


# --- with finance.payments: the prompt asked for ---------------------------------------------------


def test_confirming_an_upgrade_asks_for_the_quoted_amount_and_shows_the_payment(client, world):
    client.force_login(world.guardian)
    url = _url("finance:change_plan", world.account, world.premium.pk)
    response = client.post(url, {"phone": "0712 345 678", "client_key": "upgrade-key-1"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert response["Location"] == reverse("finance:payment", args=[payment.public_id])
    assert payment.phone == "+254712345678"
    assert payment.purpose == "plan_change"
    assert payment.details["plan_id"] == world.premium.pk
    world.subscription.refresh_from_db()
    assert world.subscription.plan == world.standard  # not until paid
    # Pressed twice: one payment.
    client.post(url, {"phone": "0712 345 678", "client_key": "upgrade-key-1"})
    assert Payment.objects.count() == 1
    settle(payment)
    world.subscription.refresh_from_db()
    assert world.subscription.plan == world.premium
    assert ledger.balance(world.account) == 0


def test_a_phone_m_pesa_cannot_prompt_is_refused_on_the_form(client, world):
    client.force_login(world.guardian)
    response = client.post(_url("finance:change_plan", world.account, world.premium.pk), {"phone": "12345"})
    assert response.status_code == 422
    assert "There is a problem" in response.content.decode()
    assert not Payment.objects.exists()


def test_buying_an_add_on_asks_for_its_price(client, world):
    client.force_login(world.guardian)
    response = client.post(
        _url("finance:add_ons", world.account),
        {
            "add_on": world.tutoring.pk,
            "quantity": 2,
            "pupil": world.children[1].pk,
            "phone": "0712345678",
            "client_key": "addon-key-1",
        },
    )
    payment = Payment.objects.get()
    assert response["Location"] == reverse("finance:payment", args=[payment.public_id])
    assert payment.amount == D("1600")
    purchase = world.account.add_on_purchases.get()
    assert (purchase.status, purchase.pupil) == ("pending", world.children[1])
    settle(payment)
    purchase.refresh_from_db()
    assert purchase.status == "paid"
    assert ledger.balance(world.account) == 0
