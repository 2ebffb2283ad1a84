"""Django admin is signed into through the site's own sign-in: the same rate limits, the same
sign-in history, the same second-factor step. Its own password form is never reachable."""

import pytest
from django.urls import reverse

from accounts.models import LoginAttempt
from tests import factories
from tests.accounts.conftest import USER_AGENT
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
SITE_LOGIN = reverse("account_login")


@pytest.fixture
def operator(db):
    return factories.UserFactory(email="operator@example.org", is_staff=True, is_superuser=True)


def admin_sign_in(client, email: str, password: str):
    """What a browser does from /admin/: follow the admin's sign-in link, then post the form it shows."""
    response = client.get(f"{ADMIN_LOGIN}?next=/admin/accounts/user/")
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.startswith(SITE_LOGIN)
    return client.post(form_url, {"login": email, "password": password}, HTTP_USER_AGENT=USER_AGENT)


def test_admin_sign_in_is_the_site_sign_in_keeping_where_to_go_next(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"{SITE_LOGIN}?next=%2Fadmin%2F"


def test_admins_own_password_form_is_not_reachable(client, operator):
    response = client.post(ADMIN_LOGIN, {"username": operator.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(SITE_LOGIN)
    assert "_auth_user_id" not in client.session


def test_a_foreign_next_is_dropped(client):
    response = client.get(f"{ADMIN_LOGIN}?next=https://evil.example/")
    assert response["Location"] == f"{SITE_LOGIN}?next=%2Fadmin%2F"


def test_admin_sign_in_locks_like_the_site_sign_in(client, operator):
    for _ in range(5):
        admin_sign_in(client, operator.email, "wrong guess")
    response = admin_sign_in(client, operator.email, DEFAULT_PASSWORD)
    assert response.status_code != 302, "the right password must not get through while the account is locked"
    assert "_auth_user_id" not in client.session
    outcomes = list(LoginAttempt.objects.filter(user=operator).order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [LoginAttempt.Outcome.BAD_PASSWORD] * 5 + [LoginAttempt.Outcome.RATE_LIMITED]


def test_admin_sign_in_is_recorded_and_still_asks_for_a_second_factor(client, operator):
    response = admin_sign_in(client, operator.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    attempt = LoginAttempt.objects.get(user=operator)
    assert attempt.outcome == LoginAttempt.Outcome.SUCCESS
    assert attempt.user_agent == USER_AGENT
    # An operator without a second factor must set one up before any admin page opens.
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("twofactor:overview"))


def test_a_signed_in_person_without_admin_rights_is_refused_not_looped(client, parent):
    client.force_login(parent)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1  # /admin/ -> /admin/login/, which refuses
