"""Who must enrol, and that a set-up second factor is asked for before any page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from accounts import policies
from accounts.models import TOTPDevice
from accounts.twofactor import selectors, services
from accounts.twofactor.middleware import TwoFactorMiddleware
from tests import factories
from tests.accounts.conftest import current_totp_code, next_totp_code, sign_in

pytestmark = pytest.mark.django_db

HOME = reverse("home")
OVERVIEW = reverse("twofactor:overview")
VERIFY = reverse("twofactor:verify")


@pytest.fixture(params=["sendco", "dsl", "leader", "school_admin"])
def sensitive_staff(request, school):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, school=school, role=request.param)
    return user


def test_sensitive_roles_must_enrol_before_any_page(client, sensitive_staff):
    sign_in(client, sensitive_staff)
    for path in (HOME, reverse("preferences"), reverse("login_history")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == OVERVIEW
    page = client.get(OVERVIEW).content.decode()
    assert "you need to set up two-factor authentication" in page

    client.post(reverse("twofactor:totp_start"))
    device = TOTPDevice.objects.get(user=sensitive_staff)
    assert client.get(reverse("twofactor:totp")).status_code == 200
    response = client.post(reverse("twofactor:totp"), {"code": current_totp_code(device)})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("who", ["teacher", "parent"])
def test_other_people_are_not_forced(client, request, who):
    user = request.getfixturevalue(who)
    sign_in(client, user)
    assert client.get(HOME).status_code == 200


def test_inactive_sensitive_role_is_not_forced(client, school):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, school=school, role="dsl", is_active=False)
    client.force_login(user)
    assert client.get(HOME).status_code == 200


def test_a_change_of_the_required_roles_applies_from_the_next_request(client, teacher, settings):
    client.force_login(teacher)
    assert client.get(HOME).status_code == 200
    settings.TWO_FACTOR_REQUIRED_ROLES = [*settings.TWO_FACTOR_REQUIRED_ROLES, "teacher"]
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    settings.TWO_FACTOR_REQUIRED_ROLES = ["dsl"]
    assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("flags", [{"is_superuser": True, "is_staff": True}, {"is_staff": True}])
def test_admin_users_must_enrol(client, flags):
    user = factories.UserFactory(**flags)
    client.force_login(user)
    for path in (HOME, reverse("admin:index")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == OVERVIEW


def test_sign_out_and_health_stay_open(client, sensitive_staff):
    client.force_login(sensitive_staff)
    assert client.get("/healthz").status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(HOME)["Location"].startswith(reverse("account_login"))


def _enrolled(user) -> TOTPDevice:
    device = services.totp_begin(user)
    services.totp_confirm(user=user, device=device, code=current_totp_code(device))
    return device


def test_with_a_device_every_page_waits_for_the_code(client, parent):
    device = _enrolled(parent)
    sign_in(client, parent)
    for path in (HOME, reverse("preferences"), OVERVIEW, reverse("twofactor:totp"), reverse("twofactor:disable")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path
    # Adding a new device from a half-signed-in session would get round the code: refused too.
    response = client.post(reverse("twofactor:totp_start"))
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=parent).count() == 1

    response = client.get(reverse("preferences"))
    next_url = response["Location"].split("next=")[1]
    assert next_url == "%2Faccount%2Fpreferences%2F"
    response = client.post(VERIFY, {"method": "totp", "code": next_totp_code(device), "next": "/account/preferences/"})
    assert response["Location"] == "/account/preferences/"
    assert client.get(reverse("preferences")).status_code == 200


def test_verify_ignores_an_outside_next(client, parent):
    device = _enrolled(parent)
    sign_in(client, parent)
    response = client.post(VERIFY, {"method": "totp", "code": next_totp_code(device), "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_sensitive_staff_with_a_device_are_asked_for_the_code(client, sensitive_staff):
    device = _enrolled(sensitive_staff)
    sign_in(client, sensitive_staff)
    assert client.get(HOME)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"method": "totp", "code": next_totp_code(device)})
    assert client.get(HOME).status_code == 200


def test_has_confirmed_device_is_one_query(parent, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.has_confirmed_device(parent) is False
    _enrolled(parent)
    with django_assert_num_queries(1):
        assert selectors.has_confirmed_device(parent) is True


@pytest.mark.parametrize("model", selectors.DEVICE_MODELS, ids=lambda model: model.__name__)
def test_any_confirmed_device_of_any_kind_counts_and_only_its_owners(parent, model):
    """The check's SQL is compiled once and reused with each person's id: each kind of device
    counts once confirmed, for its owner only, read afresh at every call."""
    other = factories.UserFactory()
    fields = {"SMSDevice": {"phone_number": "+447700900123"}, "EmailDevice": {"email": "someone@example.org"}}
    fields = fields.get(model.__name__, {})
    device = model.objects.create(user=parent, name="Mine", confirmed=False, **fields)
    assert selectors.has_confirmed_device(parent) is False
    assert selectors.second_factor(parent).has_device is False
    device.confirmed = True
    device.save()
    assert selectors.has_confirmed_device(parent) is True
    assert selectors.second_factor(parent).has_device is True
    assert selectors.has_confirmed_device(other) is False
    assert selectors.second_factor(other).has_device is False
    model.objects.filter(pk=device.pk).delete()
    assert selectors.has_confirmed_device(parent) is False
    assert selectors.second_factor(parent).has_device is False


def test_the_middlewares_one_look_up_agrees_with_both_rules(school, settings, django_assert_num_queries):
    """`second_factor` answers "has a device" and "must enrol" in one query, as the two separate
    rules answer them, for each case, read afresh at every call (its SQL is compiled once)."""
    sendco = factories.UserFactory()
    membership = factories.MembershipFactory(user=sendco, school=school, role="sendco")
    parent, admin = factories.UserFactory(), factories.UserFactory(is_staff=True)
    for person in (sendco, parent, admin):
        with django_assert_num_queries(1):
            found = selectors.second_factor(person)
        assert (found.has_device, found.must_enrol) == (
            selectors.has_confirmed_device(person),
            policies.requires_two_factor(person),
        )
    assert selectors.second_factor(sendco) == selectors.SecondFactor(has_device=False, must_enrol=True)
    assert selectors.second_factor(parent) == selectors.SecondFactor(has_device=False, must_enrol=False)
    assert selectors.second_factor(admin).must_enrol is True
    membership.is_active = False
    membership.save()
    assert selectors.second_factor(sendco).must_enrol is False
    membership.is_active = True
    membership.save()
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    assert selectors.second_factor(sendco).must_enrol is False
    _enrolled(parent)
    assert selectors.second_factor(parent) == selectors.SecondFactor(has_device=True, must_enrol=False)


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.user.is_verified = lambda: False
    request.session = {}
    return request


@pytest.mark.parametrize("who", ["teacher", "parent"])
def test_middleware_costs_one_query(request, who, django_assert_num_queries):
    """Asked on every page of everyone whose session has not passed a second factor."""
    middleware = TwoFactorMiddleware(lambda request: "page")
    person_request = _request(request.getfixturevalue(who))
    with django_assert_num_queries(1):
        assert middleware(person_request) == "page"


def test_middleware_leaves_anonymous_visitors_alone(db):
    middleware = TwoFactorMiddleware(lambda request: "page")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert middleware(request) == "page"


def test_htmx_requests_are_told_to_load_the_whole_page(client, parent):
    _enrolled(parent)
    sign_in(client, parent)
    response = client.get(HOME, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(VERIFY)


def test_force_verified_login_helper_reaches_pages(client, sensitive_staff):
    from tests.conftest import force_verified_login

    force_verified_login(client, sensitive_staff)
    assert client.get(HOME).status_code == 200
