import inspect

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts import policies
from accounts.models import Membership, Role
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


# Roles, read now: the SQL is compiled once per process, the answer read at every call ----------------


def _roles_through_the_orm(*, user, school) -> set[str]:
    """What `roles_at` answered before its SQL was compiled once per process."""
    if not user.is_authenticated:
        return set()
    memberships = Membership.objects.filter(user=user, school_id=getattr(school, "pk", school), is_active=True)
    return set(memberships.values_list("role", flat=True))


def _two_factor_through_the_orm(user) -> bool:
    """What `requires_two_factor` answered before its SQL was compiled once per process."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    required = django_settings.TWO_FACTOR_REQUIRED_ROLES
    return Membership.objects.filter(user=user, is_active=True, role__in=required).exists()


@pytest.fixture
def staff_of_every_kind(teacher, parent, school, other_school):
    """Signed out, a parent, a teacher, someone who left, someone with several roles at two
    schools (one of them ended), Django admin users without a membership."""
    left = factories.MembershipFactory(school=school, role=Role.DSL, is_active=False).user
    several = factories.MembershipFactory(school=school, role=Role.TEACHER).user
    factories.MembershipFactory(user=several, school=school, role=Role.SENDCO)
    factories.MembershipFactory(user=several, school=other_school, role=Role.LEADER)
    factories.MembershipFactory(user=several, school=other_school, role=Role.DSL, is_active=False)
    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    admin_user = factories.UserFactory(is_staff=True)
    return [AnonymousUser(), parent, teacher, left, several, superuser, admin_user]


@pytest.mark.django_db
def test_roles_are_those_the_orm_reads_for_everyone_at_every_school(staff_of_every_kind, school, other_school):
    for person in staff_of_every_kind:
        for place in (school, school.pk, str(school.pk), other_school, other_school.pk, None):
            expected = _roles_through_the_orm(user=person, school=place)
            assert policies.roles_at(user=person, school=place) == expected, (person, place)
            assert policies.is_staff_at(user=person, school=place) is bool(expected), (person, place)
            for role in (Role.TEACHER, Role.SENDCO, Role.LEADER, Role.DSL):
                assert policies.has_role(role, user=person, school=place) is (role in expected), (person, place)
    several = staff_of_every_kind[4]
    assert policies.roles_at(user=several, school=school) == {Role.TEACHER, Role.SENDCO}
    assert policies.roles_at(user=several, school=other_school.pk) == {Role.LEADER}


@pytest.mark.django_db
def test_a_role_ended_between_two_questions_counts_no_more_at_the_next(
    teacher, school, other_school, django_assert_num_queries
):
    """The SQL is reused, the answer is not: one query at every call, from the rows as they are."""
    factories.MembershipFactory(user=teacher, school=school, role=Role.DSL)
    with django_assert_num_queries(1):
        assert policies.roles_at(user=teacher, school=school) == {Role.TEACHER, Role.DSL}
    teacher.memberships.filter(role=Role.DSL).update(is_active=False)
    with django_assert_num_queries(1):
        assert policies.roles_at(user=teacher, school=school.pk) == {Role.TEACHER}
    assert not policies.has_role(Role.DSL, user=teacher, school=school)
    teacher.memberships.update(is_active=False)
    assert not policies.is_staff_at(user=teacher, school=school)
    teacher.memberships.filter(role=Role.DSL).update(is_active=True)  # taken on again
    assert policies.roles_at(user=teacher, school=school) == {Role.DSL}
    assert policies.roles_at(user=teacher, school=other_school) == set()


@pytest.mark.django_db
def test_two_factor_is_required_as_the_orm_reads_it_for_everyone(staff_of_every_kind, settings):
    for required in (settings.TWO_FACTOR_REQUIRED_ROLES, [Role.TEACHER], [Role.LEADER, Role.DSL], []):
        settings.TWO_FACTOR_REQUIRED_ROLES = required
        for person in staff_of_every_kind:
            expected = _two_factor_through_the_orm(person)
            assert policies.requires_two_factor(person) is expected, (required, person)


@pytest.mark.django_db
def test_two_factor_follows_the_setting_and_the_role_at_every_call(teacher, school, settings):
    """SQL written for one list of roles never answers for another, and a role ended a moment
    ago no longer asks for a second factor."""
    settings.TWO_FACTOR_REQUIRED_ROLES = ["sendco", "dsl"]
    assert not policies.requires_two_factor(teacher)
    settings.TWO_FACTOR_REQUIRED_ROLES = ["teacher"]
    assert policies.requires_two_factor(teacher)
    settings.TWO_FACTOR_REQUIRED_ROLES = ["sendco", "dsl"]
    assert not policies.requires_two_factor(teacher)
    factories.MembershipFactory(user=teacher, school=school, role=Role.DSL)
    assert policies.requires_two_factor(teacher)
    teacher.memberships.filter(role=Role.DSL).update(is_active=False)
    assert not policies.requires_two_factor(teacher)


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
