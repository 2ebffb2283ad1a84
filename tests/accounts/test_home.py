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
    with django_assert_max_num_queries(14):
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
    with django_assert_max_num_queries(14):
        response = client.get(reverse("home"))
    assert response.status_code == 200
