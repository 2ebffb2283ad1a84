import pytest
from django.http import Http404

from accounts import policies
from tests import factories


@pytest.mark.django_db
def test_guardian_with_viewing_rights_sees_only_their_child(parent, school):
    other_child = factories.PupilFactory(school=school)
    assert policies.is_guardian_of(parent, parent.child)
    assert not policies.is_guardian_of(parent, other_child)
    assert policies.access_pupil(user=parent, pupil_id=parent.child.pk) == parent.child
    with pytest.raises(Http404):
        policies.access_pupil(user=parent, pupil_id=other_child.pk)


@pytest.mark.django_db
def test_guardian_without_viewing_rights_sees_nothing(parent):
    parent.guardianships.update(can_view=False)
    assert not policies.is_guardian_of(parent, parent.child)
    assert list(policies.children_of(parent)) == []
    with pytest.raises(Http404):
        policies.access_pupil(user=parent, pupil_id=parent.child.pk)


@pytest.mark.django_db
def test_teacher_sees_pupils_in_their_classes_only(teacher, parent, school):
    elsewhere_in_school = factories.PupilFactory(school=school)
    assert policies.teaches_or_supports(teacher, parent.child)
    assert not policies.teaches_or_supports(teacher, elsewhere_in_school)


@pytest.mark.django_db
def test_teacher_who_leaves_loses_access_at_once(teacher, parent):
    teacher.memberships.update(is_active=False)
    assert not policies.teaches_or_supports(teacher, parent.child)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["sendco", "dsl", "leader", "school_admin"])
def test_whole_school_roles_support_every_pupil_of_their_school_only(role, school, other_school):
    member = factories.MembershipFactory(school=school, role=role).user
    here = factories.PupilFactory(school=school)
    there = factories.PupilFactory(school=other_school)
    assert policies.teaches_or_supports(member, here)
    assert not policies.teaches_or_supports(member, there)
    assert policies.has_role(member, school, role)
    assert not policies.has_role(member, other_school, role)


@pytest.mark.django_db
def test_same_school(teacher, parent, other_school):
    colleague = factories.MembershipFactory(school=teacher.memberships.get().school).user
    stranger = factories.MembershipFactory(school=other_school).user
    assert policies.same_school(teacher, colleague)
    assert policies.same_school(teacher, parent)  # staff where the parent's child learns
    assert not policies.same_school(teacher, stranger)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "required"),
    [
        ("teacher", False),
        ("facilitator", False),
        ("sendco", True),
        ("dsl", True),
        ("leader", True),
        ("school_admin", True),
    ],
)
def test_two_factor_is_required_for_sensitive_roles(role, required, school):
    member = factories.MembershipFactory(school=school, role=role).user
    assert policies.requires_two_factor(member) is required


@pytest.mark.django_db
def test_parents_do_not_need_two_factor(parent):
    assert not policies.requires_two_factor(parent)
