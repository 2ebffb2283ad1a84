"""Every sign-in attempt is kept, with time, IP, browser and outcome, and shown to its person only."""

import pytest
from django.urls import reverse

from accounts.models import LoginAttempt
from accounts.twofactor import services
from tests import factories
from tests.accounts.conftest import USER_AGENT, current_totp_code, end_throttle_pause, next_totp_code, sign_in

pytestmark = pytest.mark.django_db

VERIFY = reverse("twofactor:verify")


def _enrolled(user):
    device = services.totp_begin(user)
    return services.totp_confirm(user=user, device=device, code=current_totp_code(device))


def test_success_is_recorded_with_ip_and_browser(client, parent):
    sign_in(client, parent, REMOTE_ADDR="203.0.113.9")
    attempt = LoginAttempt.objects.get(user=parent)
    assert attempt.outcome == LoginAttempt.Outcome.SUCCESS
    assert attempt.ip_address == "203.0.113.9"
    assert attempt.user_agent == USER_AGENT
    assert attempt.created_at is not None


def test_bad_password_is_recorded(client, parent):
    response = sign_in(client, parent, password="not my password")
    assert response.status_code == 200
    attempt = LoginAttempt.objects.get()
    assert (attempt.user, attempt.outcome, attempt.email_entered) == (parent, "bad_password", parent.email)


def test_unknown_email_is_recorded_without_a_person(client):
    client.post(reverse("account_login"), {"login": "nobody@example.org", "password": "guess"})
    attempt = LoginAttempt.objects.get()
    assert attempt.user is None
    assert attempt.email_entered == "nobody@example.org"
    assert attempt.outcome == "bad_password"


def test_rate_limited_attempts_are_recorded(client, parent):
    for _attempt in range(5):
        sign_in(client, parent, password="wrong")
    response = sign_in(client, parent)  # even the right password is refused now
    assert response.status_code in (200, 429)
    outcomes = list(LoginAttempt.objects.filter(user=parent).values_list("outcome", flat=True))
    assert outcomes.count("bad_password") == 5
    assert "rate_limited" in outcomes
    assert "success" not in outcomes


def test_second_factor_outcomes_are_recorded(client, parent):
    device = _enrolled(parent)
    sign_in(client, parent)
    # The password alone is not a successful sign-in when a second factor is set.
    assert not LoginAttempt.objects.filter(user=parent).exists()

    client.post(VERIFY, {"method": "totp", "code": "999999"}, headers={"user-agent": USER_AGENT})
    end_throttle_pause(device)
    client.post(VERIFY, {"method": "totp", "code": next_totp_code(device)}, headers={"user-agent": USER_AGENT})
    outcomes = list(LoginAttempt.objects.filter(user=parent).order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["bad_second_factor", "success"]
    assert LoginAttempt.objects.filter(user=parent, user_agent=USER_AGENT).count() == 2


def test_too_many_wrong_codes_are_recorded_as_rate_limited(client, parent):
    device = _enrolled(parent)
    sign_in(client, parent)
    for _attempt in range(services.WRONG_CODE_LIMIT + 1):
        end_throttle_pause(device)
        client.post(VERIFY, {"method": "totp", "code": "999999"})
    outcomes = list(LoginAttempt.objects.filter(user=parent).values_list("outcome", flat=True))
    assert outcomes.count("bad_second_factor") == services.WRONG_CODE_LIMIT
    assert outcomes.count("rate_limited") == 1


def test_history_page_shows_only_my_attempts(client, parent):
    stranger = factories.UserFactory()
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
    chrome_android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
    sign_in(client, stranger, password="wrong", HTTP_USER_AGENT=firefox)
    sign_in(client, parent, HTTP_USER_AGENT=chrome_android)
    response = client.get(reverse("login_history"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Chrome on Android" in page  # in words, never the raw browser string
    assert "Firefox" not in page
    assert "Signed in" in page


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 60])
def test_history_page_queries_do_not_grow_with_attempts(client, count, django_assert_max_num_queries):
    user = factories.UserFactory()
    LoginAttempt.objects.bulk_create(
        LoginAttempt(user=user, email_entered=user.email, outcome="success", ip_address="127.0.0.1")
        for _ in range(count)
    )
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("login_history"))
    assert response.status_code == 200
    rows = response.content.decode().count('<tr class="govuk-table__row">') - 1  # less the header row
    assert rows == min(LoginAttempt.objects.filter(user=user).count(), 50)
