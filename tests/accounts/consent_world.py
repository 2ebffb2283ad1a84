"""A school with two classes, families and staff of each kind, for the consent tests; and a helper
that changes a cell the way a guardian does (through the service, with an IP and browser)."""

import pytest

from accounts.consent import services
from accounts.models import DataKind, SchoolConsentDefault
from tests import factories


class ConsentWorld:
    def __init__(self):
        self.school = factories.SchoolFactory(name="Consent Primary")
        self.child = factories.PupilFactory(school=self.school, first_name="Lucia", last_name="Ownchild")
        self.parent = factories.UserFactory(display_name="Pat Parent", email="pat@example.com")
        factories.GuardianshipFactory(guardian=self.parent, pupil=self.child, status="active")
        self.co_parent = factories.UserFactory(display_name="Chris Coparent")
        factories.GuardianshipFactory(guardian=self.co_parent, pupil=self.child, status="active")
        self.no_rights_parent = factories.UserFactory(display_name="Nell Norights")
        factories.GuardianshipFactory(guardian=self.no_rights_parent, pupil=self.child, can_view=False)

        self.classmate = factories.PupilFactory(school=self.school, first_name="Mateo", last_name="Classmate")
        self.classmate_parent = factories.UserFactory(display_name="Cam Classmateparent")
        factories.GuardianshipFactory(guardian=self.classmate_parent, pupil=self.classmate)

        self.other_child = factories.PupilFactory(school=self.school, first_name="Secretfamily", last_name="Kidd")
        self.other_parent = factories.UserFactory(display_name="Quinn Otherfamily")
        factories.GuardianshipFactory(guardian=self.other_parent, pupil=self.other_child)

        # This school set what is opt-in by default (AI features, other families) to "given" for
        # its families (Django admin, "School consent defaults"): the tests refuse from there.
        # test_consent_services checks the built-in defaults of a school that set none.
        for recipient in ("ai", "other_families"):
            for data_kind in DataKind.values:
                SchoolConsentDefault.objects.create(
                    school=self.school, data_kind=data_kind, recipient=recipient, given=True
                )

        self.teacher = self.staff("Tess Teacher", "teacher")
        self.own_class = factories.ClassGroupFactory(school=self.school, name="Owls")
        self.own_class.staff.add(self.teacher)
        self.own_class.pupils.add(self.child, self.classmate)
        self.other_teacher = self.staff("Otto Otherclass", "teacher")
        other_class = factories.ClassGroupFactory(school=self.school, name="Foxes")
        other_class.staff.add(self.other_teacher)
        other_class.pupils.add(self.other_child)
        self.sendco = self.staff("Sid Sendco", "sendco")
        self.leader = self.staff("Lee Leader", "leader")
        self.dsl = self.staff("Dee Safeguarding", "dsl")

        self.far_school = factories.SchoolFactory(name="Elsewhere Academy")
        self.far_pupil = factories.PupilFactory(school=self.far_school, first_name="Farschool", last_name="Hidden")
        self.far_parent = factories.UserFactory(display_name="Remy Farparent")
        factories.GuardianshipFactory(guardian=self.far_parent, pupil=self.far_pupil)

    def staff(self, name, role, school=None):
        user = factories.UserFactory(display_name=name)
        factories.MembershipFactory(user=user, school=school or self.school, role=role)
        return user

    def choose(self, data_kind, recipient, given, *, pupil=None, by=None, **extra):
        return services.consent_set(
            guardian=by or self.parent,
            pupil=pupil or self.child,
            data_kind=data_kind,
            recipient=recipient,
            given=given,
            ip_address=extra.pop("ip_address", "203.0.113.7"),
            user_agent=extra.pop("user_agent", "Mozilla/5.0 (Android 14) Chrome/131"),
            **extra,
        )


@pytest.fixture
def consent_world(db):
    return ConsentWorld()


def sign_in(client, user):
    from tests.progress.goals_world import sign_in as signed_in

    return signed_in(client, user)
