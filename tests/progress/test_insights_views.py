"""The insight pages from the outside: reading and dismissing alerts, a pupil's insights page, and
the staff's class overview (who may open it, what it shows, what it costs)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from progress.models import InsightSeen
from tests import factories
from tests.conftest import force_verified_login
from tests.progress import insights_records as records


@pytest.fixture
def child(parent):
    return parent.child


@pytest.fixture
def insight(child):
    return records.insight(child, key="engagement_drop:2026-W48")


def read_url(insight):
    return reverse("progress:insight_read", args=[insight.pk])


def dismiss_url(insight):
    return reverse("progress:insight_dismiss", args=[insight.pk])


# --- read and dismiss ----------------------------------------------------------------------------


def test_a_parent_reads_an_alert_and_goes_back_where_they_were(client, parent, insight):
    client.force_login(parent)
    page = reverse("progress:pupil_insights", args=[insight.pupil_id])
    response = client.get(page)
    assert "34 minutes of learning in the last 7 days, against 95 a week on average" in response.content.decode()
    assert "Mark as read" in response.content.decode()
    response = client.post(read_url(insight), {"next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    assert "Mark as read" not in client.get(page).content.decode()


def test_a_next_to_another_site_is_ignored(client, parent, insight):
    client.force_login(parent)
    response = client.post(read_url(insight), {"next": "https://evil.example/phish"})
    assert response["Location"] == reverse("progress:pupil_insights", args=[insight.pupil_id])


def test_dismissing_hides_the_alert_for_this_parent_only(client, parent, child, insight):
    other_parent = factories.UserFactory()
    factories.GuardianshipFactory(guardian=other_parent, pupil=child)
    page = reverse("progress:pupil_insights", args=[child.pk])
    client.force_login(parent)
    response = client.post(dismiss_url(insight), {"next": page}, follow=True)
    body = response.content.decode()
    assert "The alert is dismissed" in body
    assert f'id="insight-{insight.pk}"' not in body
    client.force_login(other_parent)
    assert f'id="insight-{insight.pk}"' in client.get(page).content.decode()


def test_with_htmx_only_the_card_changes(client, parent, insight):
    client.force_login(parent)
    response = client.post(read_url(insight), {"next": "/"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert f'id="insight-{insight.pk}"' in body
    assert "Mark as read" not in body
    assert "<html" not in body
    response = client.post(dismiss_url(insight), headers={"HX-Request": "true"})
    assert response.content == b""
    assert InsightSeen.objects.get(user=parent).dismissed_at is not None


@pytest.mark.parametrize("url_for", [read_url, dismiss_url])
def test_another_familys_alert_answers_404(client, parent, school, url_for):
    other_child = factories.PupilFactory(school=school)
    theirs = records.insight(other_child, key="theirs")
    far_child = factories.PupilFactory(school=factories.SchoolFactory())
    far = records.insight(far_child, key="far")
    client.force_login(parent)
    for target in (theirs, far):
        assert client.post(url_for(target)).status_code == 404
    assert client.post(url_for(theirs).replace(str(theirs.pk), "999999")).status_code == 404
    assert not InsightSeen.objects.exists()


def test_read_and_dismiss_take_posts_only_and_signed_in_people_only(client, parent, insight):
    assert client.post(read_url(insight)).status_code == 302  # to sign in
    assert not InsightSeen.objects.exists()
    client.force_login(parent)
    assert client.get(read_url(insight)).status_code == 405
    assert client.get(dismiss_url(insight)).status_code == 405


def test_a_teacher_of_the_child_may_read_their_alerts_too(client, teacher, insight):
    client.force_login(teacher)
    assert client.post(read_url(insight)).status_code == 302
    assert InsightSeen.objects.filter(user=teacher).exists()


def test_another_familys_child_page_answers_404(client, parent, school):
    other_child = factories.PupilFactory(school=school)
    client.force_login(parent)
    assert client.get(reverse("progress:pupil_insights", args=[other_child.pk])).status_code == 404


def test_the_pupil_page_shows_patterns_tips_plans_and_a_labelled_summary(client, parent, child, settings):
    settings.INSIGHTS_LLM_URL = ""
    maths = records.subject(child.school)
    records.activity(child, timezone.localdate(), 40, subject_row=maths)
    records.goal(child, parent, title="Times tables to 10", owner="school", school_support="Daily practice in class")
    client.force_login(parent)
    body = client.get(reverse("progress:pupil_insights", args=[child.pk])).content.decode()
    assert "Written from your child&#x27;s records by a template" in body
    assert "Mathematics" in body
    assert "Times tables to 10" in body
    assert "Daily practice in class" in body
    assert "Chosen because your child has an active learning goal." in body


# --- the class overview --------------------------------------------------------------------------


def overview_url(group):
    return reverse("progress:class_overview", args=[group.pk])


@pytest.fixture
def own_class(teacher, child):
    return teacher.class_groups.get()


def test_a_teacher_sees_their_class_with_each_pupils_week_and_alerts(client, teacher, own_class, child):
    today = timezone.now().astimezone(child.school.zone).date()
    records.daily_activity(child, until=today - datetime.timedelta(days=7), days=28, minutes=15)
    records.activity(child, today, 34)
    maths = records.subject(child.school)
    records.assessment(child, maths, today - datetime.timedelta(days=3), 18, out_of=20)
    records.insight(child, key="a")
    client.force_login(teacher)
    response = client.get(overview_url(own_class))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.pupil.pk for row in rows] == [child.pk]
    [row] = rows
    assert (row.this_week, row.average, row.weeks, row.open_insights) == (34, 105, 4, 1)
    assert row.latest_assessment.subject.name == "Mathematics"
    body = response.content.decode()
    assert child.full_name in body
    assert "18/20" in body


def test_the_overview_is_refused_to_a_teacher_of_another_class(client, school, own_class):
    other_teacher = factories.UserFactory()
    factories.MembershipFactory(user=other_teacher, school=school, role="teacher")
    factories.ClassGroupFactory(school=school).staff.add(other_teacher)
    client.force_login(other_teacher)
    assert client.get(overview_url(own_class)).status_code == 404


def test_the_overview_is_refused_to_other_schools_and_to_parents(client, parent, own_class):
    far_school = factories.SchoolFactory()
    far_leader = factories.UserFactory()
    factories.MembershipFactory(user=far_leader, school=far_school, role="leader")
    force_verified_login(client, far_leader)
    assert client.get(overview_url(own_class)).status_code == 404
    client.force_login(parent)
    assert client.get(overview_url(own_class)).status_code == 404


def test_a_teacher_who_left_the_school_loses_the_overview(client, teacher, own_class):
    teacher.memberships.update(is_active=False)
    client.force_login(teacher)
    assert client.get(overview_url(own_class)).status_code == 404


def test_a_whole_school_role_sees_every_class_of_their_school(client, school, own_class):
    sendco = factories.UserFactory()
    factories.MembershipFactory(user=sendco, school=school, role="sendco")
    force_verified_login(client, sendco)
    assert client.get(overview_url(own_class)).status_code == 200
    listing = client.get(reverse("progress:class_list")).content.decode()
    assert own_class.name in listing


def test_staff_get_the_link_and_parents_do_not(client, teacher, parent, own_class):
    client.force_login(teacher)
    assert reverse("progress:class_list") in client.get(reverse("progress:class_list")).content.decode()
    listing = client.get(reverse("progress:class_list")).content.decode()
    assert overview_url(own_class) in listing
    client.force_login(parent)
    page = client.get(reverse("progress:class_list")).content.decode()
    assert "Class overviews</a>" not in page
    assert overview_url(own_class) not in page


def _class_of(school, teacher, size, today):
    group = factories.ClassGroupFactory(school=school)
    group.staff.add(teacher)
    maths = records.subject(school)
    for n in range(size):
        pupil = factories.PupilFactory(school=school)
        group.pupils.add(pupil)
        records.daily_activity(pupil, until=today, days=35, minutes=10 + n)
        records.assessment(pupil, maths, today - datetime.timedelta(days=n + 1), 10, out_of=20)
        records.insight(pupil, key=f"k{n}")
    return group


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_overview_costs_the_same_queries_for_3_or_15_pupils(client, school, teacher):
    today = timezone.now().astimezone(school.zone).date()
    small = _class_of(school, teacher, 3, today)
    large = _class_of(school, teacher, 15, today)
    client.force_login(teacher)
    _queries(client, overview_url(small))  # warm the session and caches
    small_count = _queries(client, overview_url(small))
    large_count = _queries(client, overview_url(large))
    assert small_count == large_count
    assert large_count <= 20


def _child_with_history(school, parent, days, today):
    pupil = factories.PupilFactory(school=school)
    factories.GuardianshipFactory(guardian=parent, pupil=pupil)
    maths, reading = records.subject(school, "Mathematics"), records.subject(school, "Reading")
    records.daily_activity(pupil, until=today, days=days, minutes=20, subject_row=maths)
    records.daily_activity(pupil, until=today, days=days // 2, minutes=10, subject_row=reading)
    for n in range(days // 10):
        records.assessment(pupil, maths, today - datetime.timedelta(days=10 * n), 50 + n % 40)
        records.goal(pupil, parent, title=f"Goal {n}", owner="school", target_date=today - datetime.timedelta(days=n))
        records.milestone(pupil, today - datetime.timedelta(days=n), key=f"m{n}")
        records.insight(pupil, key=f"i{n}")
    return pupil


def test_the_pupil_page_costs_the_same_queries_for_60_or_600_days_of_records(client, parent, school, settings):
    settings.INSIGHTS_LLM_URL = ""
    today = timezone.now().astimezone(school.zone).date()
    short = _child_with_history(school, parent, 60, today)
    long = _child_with_history(school, parent, 600, today)
    client.force_login(parent)
    page = "progress:pupil_insights"
    _queries(client, reverse(page, args=[short.pk]))  # warm the session
    short_count = _queries(client, reverse(page, args=[short.pk]))
    long_count = _queries(client, reverse(page, args=[long.pk]))
    assert short_count == long_count
    assert long_count <= 30
