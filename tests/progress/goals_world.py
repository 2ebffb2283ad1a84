"""A school with two classes, families and staff, a pupil with their own sign-in, and a far school:
fixtures for the goals, celebrations and portfolio tests."""

import datetime

import pytest

from tests import factories


class World:
    def __init__(self):
        self.school = factories.SchoolFactory(name="Home School")
        # Lucía is 12: old enough for her own sign-in at a school that allows it from 11.
        self.child = factories.PupilFactory(
            school=self.school, first_name="Lucía", last_name="Childname", date_of_birth=datetime.date(2014, 1, 5)
        )
        self.parent = factories.UserFactory(display_name="Pat Parent")
        factories.GuardianshipFactory(guardian=self.parent, pupil=self.child, relationship="mother")
        self.no_rights_parent = factories.UserFactory(display_name="Nell Norights")
        factories.GuardianshipFactory(guardian=self.no_rights_parent, pupil=self.child, can_view=False)

        self.classmate = factories.PupilFactory(school=self.school, first_name="Mateo", last_name="Classmate")
        self.classmate_parent = factories.UserFactory(display_name="Cam Classmateparent")
        factories.GuardianshipFactory(guardian=self.classmate_parent, pupil=self.classmate)
        # Both families chose to share their child's approved work with the class's families (opt-in).
        factories.opt_in(self.child, self.classmate, recipient="other_families", kinds=["photos"])

        self.other_child = factories.PupilFactory(school=self.school, first_name="Secretfamily", last_name="Kidd")
        self.other_parent = factories.UserFactory(display_name="Quinn Otherfamily")
        factories.GuardianshipFactory(guardian=self.other_parent, pupil=self.other_child)

        self.teacher = self.staff("Tess Teacher", "teacher")
        self.own_class = factories.ClassGroupFactory(school=self.school, name="Own class")
        self.own_class.staff.add(self.teacher)
        self.own_class.pupils.add(self.child, self.classmate)
        self.other_teacher = self.staff("Otto Otherclass", "teacher")
        self.other_class = factories.ClassGroupFactory(school=self.school, name="Secretclass")
        self.other_class.staff.add(self.other_teacher)
        self.other_class.pupils.add(self.other_child)
        self.sendco = self.staff("Sid Sendco", "sendco")

        self.far_school = factories.SchoolFactory(name="Elsewhere Academy")
        self.far_pupil = factories.PupilFactory(school=self.far_school, first_name="Farschool", last_name="Hidden")
        self.far_parent = factories.UserFactory(display_name="Remy Farparent")
        factories.GuardianshipFactory(guardian=self.far_parent, pupil=self.far_pupil)
        self.far_teacher = factories.UserFactory(display_name="Vic Farteacher")
        factories.MembershipFactory(user=self.far_teacher, school=self.far_school)
        far_class = factories.ClassGroupFactory(school=self.far_school)
        far_class.staff.add(self.far_teacher)
        far_class.pupils.add(self.far_pupil)

    def staff(self, name, role):
        user = factories.UserFactory(display_name=name)
        factories.MembershipFactory(user=user, school=self.school, role=role)
        return user

    def pupil_user(self):
        """Lucía's own sign-in (granted by her teacher)."""
        from progress.goals import services

        if self.child.user_id is None:
            services.pupil_sign_in_grant(granted_by=self.teacher, pupil=self.child, email="lucia@pupils.example")
            self.child.refresh_from_db()
        return self.child.user


@pytest.fixture
def world(db):
    return World()


def sign_in(client, user):
    """Signed in, with a confirmed second factor where their role needs one."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import TOTPDevice
    from accounts.policies import requires_two_factor

    client.force_login(user)
    if requires_two_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="phone", secret="JBSWY3DPEHPK3PXP", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
