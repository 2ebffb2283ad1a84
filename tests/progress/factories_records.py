"""factory_boy factories for learning records. Each builds a valid, saved row as the services
would leave it; tests of recording itself call the services."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from progress import competencies
from progress.models import (
    ActivitySession,
    Assessment,
    Award,
    Competency,
    CompetencyJudgement,
    Observation,
    Subject,
)
from tests import factories


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = Subject

    school = factory.SubFactory(factories.SchoolFactory)
    name = factory.Sequence(lambda n: f"Subject {n}")


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    pupil = factory.SubFactory(factories.PupilFactory)
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..pupil.school"))
    title = factory.Sequence(lambda n: f"Spelling test {n}")
    assessed_on = datetime.date(2026, 10, 1)
    score = 7
    max_score = 10


class ActivitySessionFactory(DjangoModelFactory):
    class Meta:
        model = ActivitySession

    pupil = factory.SubFactory(factories.PupilFactory)
    kind = "reading"
    started_at = factory.LazyFunction(timezone.now)
    minutes = 25


class AwardFactory(DjangoModelFactory):
    class Meta:
        model = Award

    pupil = factory.SubFactory(factories.PupilFactory)
    kind = "certificate"
    title = factory.Sequence(lambda n: f"Star reader {n}")
    awarded_on = datetime.date(2026, 10, 2)


def builtin_competency(code: str) -> Competency:
    return competencies.built_in(code)  # made again if a transactional test flushed it


class CompetencyJudgementFactory(DjangoModelFactory):
    """A judgement on England's reading expectation (the default school is in England)."""

    class Meta:
        model = CompetencyJudgement

    pupil = factory.SubFactory(factories.PupilFactory)
    competency = factory.LazyFunction(lambda: builtin_competency("READ"))
    scale = "england_are"
    level = "EXS"
    judged_on = datetime.date(2026, 10, 3)


class ObservationFactory(DjangoModelFactory):
    class Meta:
        model = Observation

    pupil = factory.SubFactory(factories.PupilFactory)
    author = factory.SubFactory(factories.UserFactory)
    note = factory.Sequence(lambda n: f"Built a bridge from boxes {n}")
    status = "pending"


# A few real file headers, enough for the type sniffing (the rest is padding).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64


# --- a small world for the records tests -------------------------------------------------------


class RecordsWorld:
    """An English school with two classes (each with its teacher and one family), a SENDCO, and
    another school with its own family and teacher. Names are markers a leak would show."""

    def __init__(self):
        self.school = factories.SchoolFactory(name="Leeds Primary", curriculum="england")
        self.subject = SubjectFactory(school=self.school, name="Mathematics")

        self.child = factories.PupilFactory(school=self.school, first_name="Lucia", last_name="Ownchild", upn="A1")
        self.parent = factories.UserFactory(display_name="Pat Parent")
        factories.GuardianshipFactory(guardian=self.parent, pupil=self.child)
        self.teacher = self.staff("Tess Teacher", "teacher")
        own_class = factories.ClassGroupFactory(school=self.school, name="Owls")
        own_class.staff.add(self.teacher)
        own_class.pupils.add(self.child)

        self.other_child = factories.PupilFactory(school=self.school, first_name="Secretfamily", last_name="Kidd")
        self.other_parent = factories.UserFactory(display_name="Quinn Otherfamily")
        factories.GuardianshipFactory(guardian=self.other_parent, pupil=self.other_child)
        self.other_teacher = self.staff("Oscar Otherclass", "teacher")
        other_class = factories.ClassGroupFactory(school=self.school, name="Foxes")
        other_class.staff.add(self.other_teacher)
        other_class.pupils.add(self.other_child)

        self.sendco = self.staff("Sid Sendco", "sendco")

        self.far_school = factories.SchoolFactory(name="Nairobi Hills", curriculum="kenya_cbc", country="KE")
        self.far_child = factories.PupilFactory(school=self.far_school, first_name="Farschool", last_name="Hidden")
        self.far_parent = factories.UserFactory(display_name="Remy Farparent")
        factories.GuardianshipFactory(guardian=self.far_parent, pupil=self.far_child)
        self.far_teacher = factories.UserFactory(display_name="Vic Farteacher")
        factories.MembershipFactory(user=self.far_teacher, school=self.far_school, role="teacher")
        far_class = factories.ClassGroupFactory(school=self.far_school, name="Grade 4")
        far_class.staff.add(self.far_teacher)
        far_class.pupils.add(self.far_child)
        self.far_subject = SubjectFactory(school=self.far_school, name="Kiswahili")

    def staff(self, name, role, school=None):
        user = factories.UserFactory(display_name=name)
        factories.MembershipFactory(user=user, school=school or self.school, role=role)
        return user


def sign_in(client, user):
    """Sign in; staff whose role requires a second factor get a verified session."""
    from accounts import policies
    from tests.conftest import force_verified_login

    if policies.requires_two_factor(user):
        force_verified_login(client, user)
    else:
        client.force_login(user)
    return client
