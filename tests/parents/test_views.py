"""The dashboard from the outside: who may open it, the mood check-in, the child selector, alerts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Guardianship, Membership
from parents.models import MoodCheckIn
from parents.selectors import SESSION_KEY
from progress.models import Insight, InsightSeen
from tests import factories
from tests.parents.family import seed_family

PAGES = [
    "parents:child",
    "parents:child_activity",
    "parents:child_achievements",
    "parents:child_goals",
    "parents:child_insights",
]


def child_urls(child):
    return [reverse(name, args=[child.pk]) for name in PAGES]


def test_every_page_opens_for_the_guardian(client, family):
    client.force_login(family.guardian)
    for url in [reverse("parents:home"), reverse("parents:children"), *child_urls(family.children[0])]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert family.children[0].full_name in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, family):
    for url in [reverse("parents:home"), *child_urls(family.children[0])]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_another_familys_child_answers_404(client, family, db):
    other = seed_family(children=1, days=3, label="other", school=family.school)
    client.force_login(family.guardian)
    for url in child_urls(other.children[0]):
        response = client.get(url)
        assert response.status_code == 404, url
        assert other.children[0].first_name not in response.content.decode()


def test_a_guardian_without_viewing_rights_sees_nothing(client, family):
    Guardianship.objects.filter(guardian=family.guardian, pupil=family.children[1]).update(can_view=False)
    client.force_login(family.guardian)
    assert client.get(reverse("parents:child", args=[family.children[1].pk])).status_code == 404
    assert family.children[1].first_name not in client.get(reverse("parents:home")).content.decode()


def test_a_family_member_whose_scope_leaves_out_progress_sees_none_of_that_childs_progress(client, family):
    """A grandparent invited for messages about the younger child only: the dashboard names that
    child and says why, shows nothing of their progress, and each of their pages answers 404; the
    moment the family shares progress, it is there."""
    from accounts.models import GuardianScope

    grandparent = factories.UserFactory(display_name="Grandma Njeri")
    shared, withheld = family.children
    factories.GuardianshipFactory(guardian=grandparent, pupil=shared)
    link = factories.GuardianshipFactory(guardian=grandparent, pupil=withheld)
    GuardianScope.objects.create(guardianship=link, progress=False)
    client.force_login(grandparent)

    for url in child_urls(withheld):
        assert client.get(url).status_code == 404, url
    for url in child_urls(shared):
        assert client.get(url).status_code == 200, url
    for name in ("parents:home", "parents:children"):
        body = client.get(reverse(name)).content.decode()
        assert "has not shared these children" in body
        assert withheld.full_name in body  # named, so the missing child is explained
        assert reverse("parents:child", args=[withheld.pk]) not in body
        assert f"child-card-{withheld.pk}" not in body
        assert "50 minutes" not in body  # the withheld (younger) child's learning today
        assert shared.full_name in body
    # Nor can a check-in be about them.
    response = client.post(
        reverse("parents:mood_check_in"), {"emoji": "good", "energy": "3", "about": str(withheld.pk), "note": ""}
    )
    assert response.status_code == 422
    assert not MoodCheckIn.objects.filter(pupil=withheld).exists()

    link.scope.progress = True
    link.scope.save(update_fields=["progress"])
    assert client.get(reverse("parents:child_goals", args=[withheld.pk])).status_code == 200
    body = client.get(reverse("parents:home")).content.decode()
    assert "has not shared these children" not in body
    assert "50 minutes" in body


def test_a_family_member_with_no_childs_progress_still_opens_the_dashboard(client, family):
    from accounts.models import GuardianScope

    carer = factories.UserFactory()
    for child in family.children:
        GuardianScope.objects.create(
            guardianship=factories.GuardianshipFactory(guardian=carer, pupil=child), progress=False
        )
    client.force_login(carer)
    response = client.get(reverse("parents:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert all(child.full_name in body for child in family.children)
    assert not any(f"child-card-{child.pk}" in body for child in family.children)
    assert "Learning today" not in body


def test_staff_get_403_on_the_dashboard_and_404_on_a_child_they_teach(client, family):
    Membership.objects.create(user=family.teacher, school=family.school, role="teacher")
    group = factories.ClassGroupFactory(school=family.school)
    group.staff.add(family.teacher)
    group.pupils.add(family.children[0])
    client.force_login(family.teacher)
    assert client.get(reverse("parents:home")).status_code == 403
    assert client.get(reverse("parents:children")).status_code == 403
    for url in child_urls(family.children[0]):
        assert client.get(url).status_code == 404


def test_a_pupil_signed_in_gets_no_dashboard(client, family):
    child = family.children[0]
    child.user = factories.UserFactory()
    child.save(update_fields=["user"])
    client.force_login(child.user)
    # A pupil's own sign-in is kept to the pupil view: every other page answers 404.
    assert client.get(reverse("parents:home")).status_code in (403, 404)
    assert client.get(reverse("parents:child", args=[child.pk])).status_code == 404


def test_navigation_offers_the_dashboard_to_guardians_only(client, family, teacher):
    client.force_login(family.guardian)
    body = client.get(reverse("home")).content.decode()
    assert 'href="/parents/"' in body
    client.force_login(teacher)
    assert 'href="/parents/"' not in client.get(reverse("messaging:inbox")).content.decode()


# --- mood check-in ---------------------------------------------------------------------------------


def test_one_tap_saves_a_check_in_and_shows_it_in_the_history(client, family):
    client.force_login(family.guardian)
    response = client.post(reverse("parents:mood_check_in"), {"emoji": "good", "energy": "3", "about": "", "note": ""})
    assert response.status_code == 302
    check_in = MoodCheckIn.objects.get(guardian=family.guardian)
    assert (check_in.emoji, check_in.mood, check_in.energy, check_in.pupil) == ("good", 4, 3, None)
    assert AuditEntry.objects.filter(action="parents.mood_checked_in", actor_id=family.guardian.pk).exists()
    body = client.get(response["Location"]).content.decode()
    assert "Your recent check-ins" in body
    assert "Good (4/5)" in body
    assert "The whole family" in body


def test_a_check_in_about_one_child_with_a_note(client, family):
    client.force_login(family.guardian)
    child = family.children[1]
    client.post(
        reverse("parents:mood_check_in"),
        {"emoji": "low", "energy": "1", "about": str(child.pk), "note": "Long day of revision"},
    )
    check_in = MoodCheckIn.objects.get(guardian=family.guardian)
    assert (check_in.mood, check_in.energy, check_in.pupil, check_in.note) == (1, 1, child, "Long day of revision")


def test_a_check_in_without_a_face_or_about_another_child_is_refused_with_the_form_again(client, family, db):
    other = seed_family(children=1, days=1, label="other2", school=family.school)
    client.force_login(family.guardian)
    response = client.post(reverse("parents:mood_check_in"), {"energy": "3", "note": "kept"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose the face that matches how you feel." in body
    assert "kept</textarea>" in body
    assert "<title>Error:" in body
    response = client.post(
        reverse("parents:mood_check_in"), {"emoji": "good", "energy": "3", "about": str(other.children[0].pk)}
    )
    assert response.status_code == 422
    response = client.post(reverse("parents:mood_check_in"), {"emoji": "good", "energy": "9"})
    assert response.status_code == 422
    assert not MoodCheckIn.objects.exists()


# --- the child selector ------------------------------------------------------------------------------


def test_the_chosen_child_is_remembered_across_pages(client, family):
    client.force_login(family.guardian)
    first, second = family.children
    response = client.post(
        reverse("parents:child_select"), {"child": str(second.pk), "tab": "activity", "next": "/parents/"}
    )
    assert response["Location"] == reverse("parents:child_activity", args=[second.pk])
    assert client.session[SESSION_KEY] == second.pk
    body = client.get(reverse("parents:home")).content.decode()
    # The selector shows them chosen, their card comes first, the check-in is about them.
    assert f'<option value="{second.pk}" selected>' in body
    assert body.index(f'id="child-card-{second.pk}"') < body.index(f'id="child-card-{first.pk}"')
    # Opening the other child's page chooses them.
    client.get(reverse("parents:child_goals", args=[first.pk]))
    assert client.session[SESSION_KEY] == first.pk


def test_the_selector_goes_back_to_the_page_it_was_on_and_refuses_another_familys_child(client, family, db):
    other = seed_family(children=1, days=1, label="other3", school=family.school)
    client.force_login(family.guardian)
    response = client.post(reverse("parents:child_select"), {"child": str(family.children[1].pk), "next": "/parents/"})
    assert response["Location"] == "/parents/"
    response = client.post(reverse("parents:child_select"), {"child": str(other.children[0].pk), "next": "/parents/"})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == family.children[1].pk
    response = client.post(
        reverse("parents:child_select"), {"child": str(family.children[0].pk), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("parents:child", args=[family.children[0].pk])


# --- what the pages show ---------------------------------------------------------------------------


def test_the_home_card_shows_today_streak_achievement_alerts_and_unread(client, family):
    client.force_login(family.guardian)
    body = client.get(reverse("parents:home")).content.decode()
    # seed_family: two sessions a day of 20 (+5 per younger child) minutes.
    assert "40 minutes" in body
    assert "50 minutes" in body
    assert "1 alert" in body
    assert "1 unread" in body
    assert "Reading badge 0" in body
    assert "is due on" in body  # the goal due in three days
    assert "has been learning less than usual" in body


def test_the_learning_journey_shows_the_radar_with_level_codes(client, family):
    client.force_login(family.guardian)
    body = client.get(reverse("parents:child", args=[family.children[0].pk])).content.decode()
    assert "<svg" in body
    assert "Core competencies: latest level in each" in body
    assert "Communication and collaboration" in body
    assert "Exceeding Expectation" in body or "Meeting Expectation" in body


def test_the_activity_tab_shows_the_timeline_and_streak(client, family):
    client.force_login(family.guardian)
    body = client.get(reverse("parents:child_activity", args=[family.children[0].pk])).content.decode()
    assert "Minutes of learning per day, last 28 days" in body
    assert "days in a row" in body
    assert body.count("homeroom-streak__day--active") >= 10


def test_reading_and_dismissing_an_alert(client, family):
    child = family.children[0]
    insight = Insight.objects.get(pupil=child)
    client.force_login(family.guardian)
    url = reverse("parents:child_insights", args=[child.pk])
    body = client.get(url).content.decode()
    assert f'id="insight-{insight.pk}"' in body
    assert "34 minutes" in body  # the numbers behind the alert
    response = client.post(reverse("progress:insight_read", args=[insight.pk]), {"next": url})
    assert response["Location"] == url
    response = client.post(reverse("progress:insight_dismiss", args=[insight.pk]), {"next": url})
    assert response["Location"] == url
    assert InsightSeen.objects.get(insight=insight, user=family.guardian).dismissed_at is not None
    body = client.get(url).content.decode()
    assert f'id="insight-{insight.pk}"' not in body
    assert "No open alerts" in body
    home = client.get(reverse("parents:home")).content.decode()
    assert f"{child.known_as} has been learning less than usual" not in home


def test_the_urgent_banner_leaves_out_goals_due_later(client, family):
    from progress.models import Goal

    Goal.objects.update(target_date=timezone.localdate() + datetime.timedelta(days=30))
    client.force_login(family.guardian)
    assert "is due on" not in client.get(reverse("parents:home")).content.decode()


@pytest.mark.parametrize("days", ["7", "14"])
def test_the_family_summary_covers_7_or_14_days(client, family, days):
    client.force_login(family.guardian)
    body = client.get(reverse("parents:home"), {"days": days}).content.decode()
    assert f"Family learning minutes per day, last {days} days" in body


def test_the_menus_one_question_tells_guardians_from_staff(family, teacher, django_assert_num_queries):
    from accounts import policies as people

    Guardianship.objects.filter(guardian=family.guardian, pupil=family.children[1]).update(can_view=False)
    with django_assert_num_queries(1):
        assert people.navigation_is_guardian(family.guardian)
        assert people.navigation_roles(family.guardian) == frozenset()
    Guardianship.objects.filter(guardian=family.guardian).update(can_view=False)
    family.guardian._navigation_facts = None  # a new request
    assert not people.navigation_is_guardian(family.guardian)
    # A teacher who is also a parent gets both.
    factories.GuardianshipFactory(guardian=teacher, pupil=family.children[0])
    assert people.navigation_is_guardian(teacher)
    assert {role for _school, role in people.navigation_roles(teacher)} == {"teacher"}
