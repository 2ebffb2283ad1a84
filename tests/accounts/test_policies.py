import inspect

import pytest
from django.http import Http404

from accounts import policies
from accounts.models import Role
from messaging import policies as messaging_policies
from messaging.notifications import policies as notification_policies
from tests import factories


@pytest.mark.django_db
def test_guardian_with_viewing_rights_sees_only_their_child(parent, school):
    other_child = factories.PupilFactory(school=school)
    assert policies.is_guardian_of(user=parent, pupil=parent.child)
    assert not policies.is_guardian_of(user=parent, pupil=other_child)
    assert policies.access_pupil(user=parent, pupil_id=parent.child.pk) == parent.child
    with pytest.raises(Http404):
        policies.access_pupil(user=parent, pupil_id=other_child.pk)


@pytest.mark.django_db
def test_guardian_without_viewing_rights_sees_nothing(parent):
    parent.guardianships.update(can_view=False)
    assert not policies.is_guardian_of(user=parent, pupil=parent.child)
    assert list(policies.children_of(parent)) == []
    with pytest.raises(Http404):
        policies.access_pupil(user=parent, pupil_id=parent.child.pk)


@pytest.mark.django_db
def test_teacher_sees_pupils_in_their_classes_only(teacher, parent, school):
    elsewhere_in_school = factories.PupilFactory(school=school)
    assert policies.teaches_or_supports(user=teacher, pupil=parent.child)
    assert not policies.teaches_or_supports(user=teacher, pupil=elsewhere_in_school)


@pytest.mark.django_db
def test_teacher_who_leaves_loses_access_at_once(teacher, parent):
    teacher.memberships.update(is_active=False)
    assert not policies.teaches_or_supports(user=teacher, pupil=parent.child)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["sendco", "dsl", "leader", "school_admin"])
def test_whole_school_roles_support_every_pupil_of_their_school_only(role, school, other_school):
    member = factories.MembershipFactory(school=school, role=role).user
    here = factories.PupilFactory(school=school)
    there = factories.PupilFactory(school=other_school)
    assert policies.teaches_or_supports(user=member, pupil=here)
    assert not policies.teaches_or_supports(user=member, pupil=there)
    assert policies.has_role(role, user=member, school=school)
    assert not policies.has_role(role, user=member, school=other_school)


@pytest.mark.django_db
def test_same_school(teacher, parent, other_school):
    colleague = factories.MembershipFactory(school=teacher.memberships.get().school).user
    stranger = factories.MembershipFactory(school=other_school).user
    assert policies.same_school(user=teacher, other=colleague)
    assert policies.same_school(user=teacher, other=parent)  # staff where the parent's child learns
    assert not policies.same_school(user=teacher, other=stranger)


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


# People, read the other way: who a message, an alert or a choice of recipients reaches --------------


@pytest.mark.django_db
def test_staff_who_teach_or_support_a_pupil_are_exactly_those_teaches_or_supports_names(teacher, parent, school):
    """The list a starter picks recipients from agrees with the yes/no question, person by person."""
    child = parent.child
    sendco = factories.MembershipFactory(school=school, role=Role.SENDCO).user
    other_teacher = factories.MembershipFactory(school=school, role=Role.TEACHER).user  # not in the child's class
    left = factories.MembershipFactory(school=school, role=Role.LEADER, is_active=False).user
    elsewhere = factories.MembershipFactory(role=Role.DSL).user

    found = set(policies.staff_who_teach_or_support(pupil=child))

    assert found == {teacher, sendco}
    for person in (teacher, sendco, other_teacher, left, elsewhere, parent):
        assert (person in found) == policies.teaches_or_supports(user=person, pupil=child)


@pytest.mark.django_db
def test_people_who_see_a_pupil_are_exactly_those_who_may_view_them(teacher, parent, school, other_school):
    """Who a pupil's conversation may reach agrees with what each person may open, person by person."""
    child = parent.child
    guardian_without_rights = factories.GuardianshipFactory(pupil=child, can_view=False).guardian
    sendco = factories.MembershipFactory(school=school, role=Role.SENDCO).user
    other_teacher = factories.MembershipFactory(school=school, role=Role.TEACHER).user
    left = factories.MembershipFactory(school=school, role=Role.LEADER, is_active=False).user
    elsewhere = factories.MembershipFactory(school=other_school, role=Role.DSL).user

    found = set(policies.people_who_see_pupil(child))

    assert found == {parent, teacher, sendco}
    assert set(policies.people_who_see_pupil(child.pk)) == found
    for person in (parent, teacher, sendco, guardian_without_rights, other_teacher, left, elsewhere):
        assert (person in found) == policies.can_view_pupil(user=person, pupil=child)


@pytest.mark.django_db
def test_staff_who_teach_or_support_by_role_narrows_the_whole_school_roles(teacher, parent, school):
    sendco = factories.MembershipFactory(school=school, role=Role.SENDCO).user
    factories.MembershipFactory(school=school, role=Role.SCHOOL_ADMIN)

    contacts = policies.staff_who_teach_or_support(pupil=parent.child, roles={Role.SENDCO})

    assert set(contacts) == {teacher, sendco}  # the class teacher always; of the rest, only SENDCOs


@pytest.mark.django_db
def test_guardians_with_viewing_rights_leave_out_links_without_them_and_closed_accounts(parent):
    child = parent.child
    without_rights = factories.GuardianshipFactory(pupil=child, can_view=False).guardian
    closed = factories.GuardianshipFactory(pupil=child).guardian
    closed.is_active = False
    closed.save()

    assert list(policies.guardians_with_viewing_rights(child)) == [parent]
    assert without_rights not in policies.guardians_with_viewing_rights(child.pk)


@pytest.mark.django_db
def test_role_holders_and_dsls_are_of_one_school_and_active_now(school, other_school):
    dsl = factories.MembershipFactory(school=school, role=Role.DSL).user
    factories.MembershipFactory(school=school, role=Role.DSL, is_active=False)
    factories.MembershipFactory(school=other_school, role=Role.DSL)
    office = factories.MembershipFactory(school=school, role=Role.SCHOOL_ADMIN).user

    assert list(policies.dsls_at(school)) == [dsl]
    assert list(policies.dsls_at(school.pk)) == [dsl]
    assert set(policies.role_holders(Role.DSL, Role.SCHOOL_ADMIN, school=school)) == {dsl, office}
    assert not policies.role_holders(school=school).exists()


# Signatures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [policies, messaging_policies, notification_policies], ids=lambda m: m.__name__)
def test_every_policy_taking_more_than_one_argument_takes_them_by_keyword(module):
    """So a call reads `is_guardian_of(user=..., pupil=...)` and two arguments can never be swapped.
    A `*roles` list stays positional (`has_role(Role.DSL, user=..., school=...)`)."""
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ != module.__name__:
            continue
        parameters = [p for p in inspect.signature(function).parameters.values() if p.kind != p.VAR_POSITIONAL]
        if len(parameters) > 1:
            positional = [p.name for p in parameters if p.kind != p.KEYWORD_ONLY]
            assert positional == [], f"{module.__name__}.{name} takes {positional} by position"
