import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_parent_home_lists_their_child(client, parent):
    client.force_login(parent)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert parent.child.full_name in response.content.decode()


@pytest.mark.django_db
def test_teacher_home_lists_class_pupils(client, teacher, parent):
    client.force_login(teacher)
    response = client.get(reverse("home"))
    assert parent.child.full_name in response.content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.django_db
def test_home_page_query_count_does_not_grow_with_children(client, django_assert_max_num_queries):
    from tests import factories

    guardian = factories.UserFactory()
    school = factories.SchoolFactory()
    for _ in range(12):
        child = factories.PupilFactory(school=school)
        factories.GuardianshipFactory(guardian=guardian, pupil=child)
        group = factories.ClassGroupFactory(school=school)
        group.pupils.add(child)
        group.staff.add(factories.UserFactory())
    client.force_login(guardian)
    # A parent's home does not ask for the staff sections (14 queries before).
    with django_assert_max_num_queries(11):
        response = client.get(reverse("home"))
    assert response.content.decode().count("homeroom-card") >= 12


@pytest.mark.django_db
def test_teacher_home_query_count_is_bounded(client, django_assert_max_num_queries):
    from tests import factories

    school = factories.SchoolFactory()
    teacher = factories.MembershipFactory(school=school).user
    for _ in range(5):
        group = factories.ClassGroupFactory(school=school)
        group.staff.add(teacher)
        group.pupils.add(*[factories.PupilFactory(school=school) for _ in range(10)])
    client.force_login(teacher)
    # 13: the messaging summary asks 3 of them with nothing to show (its own test:
    # tests/messaging/test_home_summary.py, the same count for 2 or 30 conversations).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("home"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_sendco_home_shows_the_send_register_of_their_school_only(client, school, other_school):
    from tests import factories
    from tests.conftest import force_verified_login

    sendco = factories.MembershipFactory(school=school, role="sendco").user
    factories.PupilFactory(school=school, first_name="Needs", last_name="Support", send_status="ehcp")
    factories.PupilFactory(school=school, first_name="No", last_name="Needs")
    factories.PupilFactory(school=other_school, first_name="Elsewhere", last_name="Pupil", send_status="ehcp")
    force_verified_login(client, sendco)
    body = client.get(reverse("home")).content.decode()
    assert "SEND register" in body
    assert "Needs Support" in body
    assert "No Needs" not in body
    assert "Elsewhere Pupil" not in body


@pytest.mark.django_db
def test_leader_home_counts_pupils_by_year_group(client, school, django_assert_max_num_queries):
    from tests import factories
    from tests.conftest import force_verified_login

    leader = factories.MembershipFactory(school=school, role="leader").user
    for year, count in (("Year 1", 3), ("Year 2", 2)):
        for _ in range(count):
            factories.PupilFactory(school=school, year_group=year)
    force_verified_login(client, leader)
    with django_assert_max_num_queries(12):  # 3 of them the messaging summary's
        body = client.get(reverse("home")).content.decode()
    assert "Pupils by year group" in body
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in body
    assert "SEND register" not in body
