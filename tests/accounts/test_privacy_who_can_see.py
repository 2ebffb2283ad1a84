"""'Who can see my child's data': every person with access and why, for the child's guardians only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import policies
from tests import factories
from tests.conftest import force_verified_login


def _family(school):
    child = factories.PupilFactory(school=school, first_name="Maya", last_name="García")
    mum = factories.UserFactory(display_name="Ana García")
    factories.GuardianshipFactory(guardian=mum, pupil=child, relationship="mother")
    dad = factories.UserFactory(display_name="David García")
    factories.GuardianshipFactory(guardian=dad, pupil=child, relationship="father")
    return child, mum, dad


def _staff(school, name, role="teacher", **fields):
    user = factories.UserFactory(display_name=name)
    factories.MembershipFactory(user=user, school=school, role=role, **fields)
    return user


def _page(client, user, child):
    client.force_login(user)
    return client.get(reverse("privacy:child", args=[child.pk]))


@pytest.mark.django_db
def test_a_guardian_sees_each_person_with_access_and_why(client, school):
    child, mum, _dad = _family(school)
    rosa = _staff(school, "Rosa Lee")
    oak = factories.ClassGroupFactory(school=school, name="Year 2 Oak")
    oak.staff.add(rosa)
    oak.pupils.add(child)
    _staff(school, "Sam Patel", "sendco")
    _staff(school, "Dana Safe", "dsl")
    _staff(school, "Dee Protect", "dpl")
    # Nobody below may appear: a teacher of another class, a teacher who left, another family,
    # a guardian whose viewing rights the school switched off, and another school's SENDCO.
    other_class = factories.ClassGroupFactory(school=school, name="Year 5 Ash")
    other_class.staff.add(_staff(school, "Tom Elsewhere"))
    left = _staff(school, "Lee Left", is_active=False)
    oak.staff.add(left)
    other_child = factories.PupilFactory(school=school, first_name="Secret")
    factories.GuardianshipFactory(guardian=factories.UserFactory(display_name="Quinn Otherfamily"), pupil=other_child)
    factories.GuardianshipFactory(
        guardian=factories.UserFactory(display_name="Ray Restricted"), pupil=child, can_view=False
    )
    _staff(factories.SchoolFactory(), "Far Sendco", "sendco")

    response = _page(client, mum, child)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Rosa Lee" in body
    assert "Class teacher of Year 2 Oak" in body
    assert "Sam Patel" in body
    assert "SENDCO, the special educational needs coordinator (sees every pupil" in body
    assert "Dana Safe" in body
    assert "Designated safeguarding lead" in body
    assert "Dee Protect" in body
    assert "Data protection lead (sees the data requests" in body
    assert "David García" in body
    assert "Father, has viewing rights" in body
    assert "Ana García (you)" in body
    for hidden in ("Tom Elsewhere", "Lee Left", "Quinn Otherfamily", "Secret", "Ray Restricted", "Far Sendco"):
        assert hidden not in body
    # The page is the access rule read aloud: everyone the policies let in is listed.
    for person in policies.people_who_see_pupil(child):
        assert person.display_name in body


@pytest.mark.django_db
def test_a_person_with_two_reasons_is_listed_once_with_both(client, school):
    child, mum, _dad = _family(school)
    sam = _staff(school, "Sam Patel", "sendco")
    group = factories.ClassGroupFactory(school=school, name="Nurture group")
    group.staff.add(sam)
    group.pupils.add(child)
    body = _page(client, mum, child).content.decode()
    assert body.count("Sam Patel") == 1
    assert "Class teacher of Nurture group; SENDCO" in body


@pytest.mark.django_db
def test_a_child_with_their_own_sign_in_is_listed(client, school):
    child, mum, _dad = _family(school)
    child.user = factories.UserFactory(display_name="Maya's account")
    child.save()
    body = _page(client, mum, child).content.decode()
    assert "Their own sign-in" in body


@pytest.mark.django_db
def test_another_familys_child_or_another_schools_answers_404(client, school, other_school):
    child, mum, _dad = _family(school)
    neighbour, _n_mum, _n_dad = _family(school)
    far, _f_mum, _f_dad = _family(other_school)
    client.force_login(mum)
    assert client.get(reverse("privacy:child", args=[neighbour.pk])).status_code == 404
    assert client.get(reverse("privacy:child", args=[far.pk])).status_code == 404
    assert client.get(reverse("privacy:child", args=[999999])).status_code == 404
    assert client.get(reverse("privacy:child", args=[child.pk])).status_code == 200


@pytest.mark.django_db
def test_staff_get_404_on_the_familys_page_even_for_a_pupil_they_teach(client, school):
    child, _mum, _dad = _family(school)
    teacher = _staff(school, "Rosa Lee")
    group = factories.ClassGroupFactory(school=school)
    group.staff.add(teacher)
    group.pupils.add(child)
    sendco = _staff(school, "Sam Patel", "sendco")
    client.force_login(teacher)
    assert client.get(reverse("privacy:child", args=[child.pk])).status_code == 404
    force_verified_login(client, sendco)
    assert client.get(reverse("privacy:child", args=[child.pk])).status_code == 404


@pytest.mark.django_db
def test_a_guardian_without_viewing_rights_gets_404(client, school):
    child, _mum, _dad = _family(school)
    restricted = factories.UserFactory()
    factories.GuardianshipFactory(guardian=restricted, pupil=child, can_view=False)
    client.force_login(restricted)
    assert client.get(reverse("privacy:child", args=[child.pk])).status_code == 404


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, school):
    child, _mum, _dad = _family(school)
    response = client.get(reverse("privacy:child", args=[child.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def _add_staff(school, child, count):
    for number in range(count):
        teacher = _staff(school, f"Teacher {number}")
        group = factories.ClassGroupFactory(school=school)
        group.staff.add(teacher)
        group.pupils.add(child)
        _staff(school, f"Lead {number}", ("sendco", "dsl", "leader", "school_admin", "dpl")[number % 5])


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_for_two_staff_or_twenty(client, school):
    child, mum, _dad = _family(school)
    client.force_login(mum)
    _add_staff(school, child, 1)
    client.get(reverse("privacy:child", args=[child.pk]))  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        small = client.get(reverse("privacy:child", args=[child.pk]))
    _add_staff(school, child, 10)
    with CaptureQueriesContext(connection) as many:
        large = client.get(reverse("privacy:child", args=[child.pk]))
    assert small.content.decode().count("Teacher ") < large.content.decode().count("Teacher ")
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]
    assert len(few) <= 14
