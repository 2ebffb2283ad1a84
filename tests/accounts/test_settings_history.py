"""Sign-in history in words a parent understands: the device ("Chrome on Android"), the time on
their own clock and in their language ("yesterday 19:04"), and where: the network the address
belongs to (there is no location database), never a raw browser string."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginAttempt
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("login_history")
NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)


def _attempt(user, *, at, user_agent=CHROME_ANDROID, ip="203.0.113.9", outcome="success"):
    attempt = LoginAttempt.objects.create(
        user=user, email_entered=user.email, outcome=outcome, ip_address=ip, user_agent=user_agent
    )
    LoginAttempt.objects.filter(pk=attempt.pk).update(created_at=at)
    return attempt


@pytest.fixture
def kenyan_parent(db):
    return factories.UserFactory(time_zone="Africa/Nairobi")


def test_a_sign_in_reads_as_device_time_and_network_on_the_persons_clock(client, kenyan_parent):
    yesterday = timezone.now().astimezone(NAIROBI) - datetime.timedelta(days=1)
    _attempt(kenyan_parent, at=yesterday.replace(hour=19, minute=4, second=0, microsecond=0))
    _attempt(
        kenyan_parent,
        at=datetime.datetime(2025, 3, 3, 10, 30, tzinfo=NAIROBI),
        user_agent=SAFARI_IPHONE,
        ip="2001:db8:1:2::5",
        outcome="bad_password",
    )
    client.force_login(kenyan_parent)
    page = client.get(URL).content.decode()
    assert "Chrome on Android" in page
    assert "yesterday 19:04" in page  # 16:04 UTC, shown on Nairobi's clock
    assert "network 203.0.113.0/24" in page
    assert "Safari on iPhone" in page
    assert "3 March 2025 10:30" in page
    assert "network 2001:db8:1::/48" in page
    assert "Wrong email or password" in page
    assert "Mozilla/5.0" not in page


def test_dates_are_in_the_persons_language(client, kenyan_parent):
    kenyan_parent.preferred_language = "es"
    kenyan_parent.save(update_fields=["preferred_language"])
    _attempt(kenyan_parent, at=datetime.datetime(2025, 3, 3, 10, 30, tzinfo=NAIROBI))
    client.force_login(kenyan_parent)
    assert "3 marzo 2025 10:30" in client.get(URL).content.decode()


def test_an_unknown_browser_says_so(client, kenyan_parent):
    _attempt(kenyan_parent, at=timezone.now(), user_agent="", ip=None)
    client.force_login(kenyan_parent)
    page = client.get(URL).content.decode()
    assert "An unknown browser" in page
    assert "unknown place" in page
    assert "today " in page


def test_a_person_sees_only_their_own_history(client, kenyan_parent):
    stranger = factories.UserFactory()
    _attempt(stranger, at=timezone.now(), ip="198.51.100.7", user_agent=SAFARI_IPHONE)
    _attempt(kenyan_parent, at=timezone.now())
    client.force_login(kenyan_parent)
    page = client.get(URL).content.decode()
    assert "Chrome on Android" in page
    assert "198.51.100" not in page
    assert "iPhone" not in page


def test_the_history_page_costs_the_same_for_3_or_60_attempts(client, django_assert_max_num_queries):
    counts = []
    for size in (3, 60):
        person = factories.UserFactory()
        for n in range(size):
            _attempt(
                person,
                at=timezone.now() - datetime.timedelta(hours=n),
                user_agent=[CHROME_ANDROID, SAFARI_IPHONE][n % 2],
            )
        client.force_login(person)
        client.get(URL)
        with django_assert_max_num_queries(10) as captured:
            response = client.get(URL)
        counts.append(len(captured))
        assert response.content.decode().count("Chrome on Android") == min(size, 50) - min(size, 50) // 2
    assert counts[0] == counts[1]


def test_near_a_town_only_when_our_own_proxy_said_so(client, parent, settings):
    from tests.accounts.conftest import sign_in

    settings.TRUSTED_PROXY_ADDRESSES = ["10.0.0.1"]
    sign_in(
        client,
        parent,
        password="wrong",
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_CLIENT_TOWN="Fakeville",  # sent by the client itself: dropped
    )
    sign_in(
        client,
        parent,
        HTTP_USER_AGENT=CHROME_ANDROID,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_X_CLIENT_TOWN="Leeds",
    )
    page = client.get(URL).content.decode()
    assert "near Leeds" in page
    assert "Fakeville" not in page
    assert "network 198.51.100.0/24" in page
