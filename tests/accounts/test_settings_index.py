"""The settings pages from the outside: every one asks for sign-in, and the index leads to each part."""

import pytest
from django.urls import reverse

from tests import factories
from tests.conftest import force_verified_login

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("settings_index"),
    reverse("preferences"),
    reverse("login_history"),
    reverse("settings_sessions"),
    reverse("notifications:preferences"),
]
POSTS = [
    reverse("settings_session_end", args=[1]),
    reverse("settings_sessions_end_others"),
    reverse("preferences"),
    reverse("notifications:preferences"),
]


def test_every_settings_page_asks_for_sign_in(client):
    for url in PAGES + POSTS:
        response = client.post(url) if url in POSTS and url not in PAGES else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_every_signed_in_person_gets_the_index_with_profile_notifications_and_security(client, parent, teacher):
    for person in (parent, teacher, factories.UserFactory()):
        client.force_login(person)
        response = client.get(reverse("settings_index"))
        assert response.status_code == 200
        page = response.content.decode()
        for heading in ("Profile", "Notifications", "Security"):
            assert f">{heading}</h2>" in page
        for url in (
            reverse("preferences"),
            reverse("account_email"),
            reverse("notifications:preferences"),
            reverse("login_history"),
            reverse("settings_sessions"),
            reverse("account_change_password"),
            reverse("twofactor:overview"),
        ):
            assert f'href="{url}"' in page, url
        assert page.count("<h1") == 1


def test_the_index_says_whether_two_factor_is_on(client, parent):
    client.force_login(parent)
    assert 'govuk-tag--grey">Off<' in client.get(reverse("settings_index")).content.decode()
    force_verified_login(client, parent)
    assert 'govuk-tag--green">On<' in client.get(reverse("settings_index")).content.decode()


def test_the_navigation_leads_to_settings(client, parent):
    client.force_login(parent)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("settings_index")}"' in page


def test_the_index_costs_the_same_for_any_family(client, django_assert_max_num_queries, school):
    small, large = factories.UserFactory(), factories.UserFactory()
    factories.GuardianshipFactory(guardian=small, pupil=factories.PupilFactory(school=school))
    for _n in range(8):
        factories.GuardianshipFactory(guardian=large, pupil=factories.PupilFactory(school=school))
    counts = []
    for person in (small, large):
        client.force_login(person)
        client.get(reverse("settings_index"))
        with django_assert_max_num_queries(12) as captured:
            assert client.get(reverse("settings_index")).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
