"""A school with families and staff in every role, for the messaging tests (builders and fixtures only).

Import the fixtures into a test module: `from tests.messaging.world import ...`.
"""

from dataclasses import dataclass, field

import pytest
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import TOTPDevice
from messaging.models import Conversation
from messaging.services import conversations as conversation_services
from tests import factories

URLCONF = "hub.urls"


class World:
    def __init__(self):
        self.school = factories.SchoolFactory(name="Home School")
        self.child = factories.PupilFactory(school=self.school, first_name="Visible", last_name="Childname")
        self.parent = factories.UserFactory(display_name="Pat Parent", preferred_language="es")
        factories.GuardianshipFactory(guardian=self.parent, pupil=self.child, relationship="mother")
        self.co_parent = factories.UserFactory(display_name="Cam Coparent")
        factories.GuardianshipFactory(guardian=self.co_parent, pupil=self.child, relationship="father")
        self.no_rights_parent = factories.UserFactory(display_name="Nell Norights")
        factories.GuardianshipFactory(guardian=self.no_rights_parent, pupil=self.child, can_view=False)

        self.other_child = factories.PupilFactory(school=self.school, first_name="Secretfamily", last_name="Kidd")
        self.other_parent = factories.UserFactory(display_name="Quinn Otherfamily")
        factories.GuardianshipFactory(guardian=self.other_parent, pupil=self.other_child)

        self.teacher = self.staff("Tess Teacher", "teacher")
        own_class = factories.ClassGroupFactory(school=self.school, name="Own class")
        own_class.staff.add(self.teacher)
        own_class.pupils.add(self.child)
        self.other_teacher = self.staff("Otto Otherclass", "teacher")
        other_class = factories.ClassGroupFactory(school=self.school, name="Secretclass")
        other_class.staff.add(self.other_teacher)
        other_class.pupils.add(self.other_child)
        self.sendco = self.staff("Sid Sendco", "sendco")
        self.leader = self.staff("Lee Leader", "leader")
        self.dsl = self.staff("Dee Dsl", "dsl")
        self.office = self.staff("Ola Office", "school_admin")

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

    def guardian_thread(self, *, subject="About Visible", body="Hello from home", starter=None, recipients=None):
        starter = starter or self.parent
        recipients = recipients or [self.teacher]
        return conversation_services.conversation_start(
            starter=starter,
            kind=Conversation.Kind.GUARDIAN_STAFF,
            pupil=self.child,
            subject=subject,
            body=body,
            recipient_ids=[person.pk for person in recipients],
        )

    def far_thread(self):
        return conversation_services.conversation_start(
            starter=self.far_parent,
            kind=Conversation.Kind.GUARDIAN_STAFF,
            pupil=self.far_pupil,
            subject="Farschool private",
            body="Farparent writes",
            recipient_ids=[self.far_teacher.pk],
        )

    def thread_of_every_kind(self) -> list[Conversation]:
        """One conversation of each kind whose access rule differs: guardian and staff (here and at
        the other school), staff only, the family's own, and the school office."""
        return [
            self.guardian_thread(recipients=[self.teacher, self.sendco]),
            self.far_thread(),
            conversation_services.conversation_start(
                starter=self.teacher,
                kind=Conversation.Kind.STAFF_TEAM,
                pupil=self.child,
                subject="Staff only",
                body="Between us",
                recipient_ids=[self.sendco.pk],
            ),
            conversation_services.conversation_start(
                starter=self.parent,
                kind=Conversation.Kind.FAMILY,
                pupil=self.child,
                subject="Family",
                body="Hola",
                recipient_ids=[self.co_parent.pk],
            ),
            conversation_services.conversation_start(
                starter=self.parent,
                kind=Conversation.Kind.SUPPORT,
                school=self.school,
                subject="Office",
                body="Hola",
                recipient_ids=[],
            ),
        ]


@dataclass
class Outside:
    """What messaging asked of the world outside it: notifications and translation jobs."""

    notifications: list[dict] = field(default_factory=list)
    translations: list[tuple[int, str]] = field(default_factory=list)


def _guess_language(text, *, fallback):
    from messaging.services.language import base

    spanish = {"hola", "gracias", "mañana", "reunión", "está", "hijo", "hija", "por", "favor"}
    words = {word.strip(".,!?¿¡").lower() for word in text.split()}
    return "es" if words & spanish else base(fallback) or "en"


@pytest.fixture
def outside(monkeypatch) -> Outside:
    """Replace notifications and translation with recorders (the other engines have their own tests;
    tests/messaging/test_end_to_end.py runs the real ones). What a send records still goes through
    the outbox: the recorders stand in where its handlers would notify or translate."""
    from messaging import effects
    from messaging.services import language, notify_bridge

    seen = Outside()
    monkeypatch.setattr(notify_bridge, "notify", lambda **kwargs: seen.notifications.append(kwargs))
    # A batch is recorded as one call per person, as notify() would have been called.
    monkeypatch.setattr(
        notify_bridge,
        "notify_many",
        lambda *, users, push_badges=True, audience_checked=False, **kwargs: seen.notifications.extend(
            {"user": user, **kwargs} for user in users
        ),
    )
    monkeypatch.setattr(language, "detect", _guess_language)
    monkeypatch.setattr(language, "queue_translation", lambda pk, lang: seen.translations.append((pk, lang)))
    # The translation handler asks `language.queue_translation` (the recorder, unless a test puts the
    # real one back to run the translation path in-process).
    monkeypatch.setattr(effects, "translate", lambda pk, lang: language.queue_translation(pk, lang))
    return seen


@pytest.fixture
def world(db, outside, settings) -> World:
    settings.ROOT_URLCONF = URLCONF
    return World()


def sign_in(client, user):
    """Sign in; staff whose role requires a second factor get one and a verified session."""
    from accounts import policies

    client.force_login(user)
    if policies.requires_two_factor(user):
        device = TOTPDevice.objects.create(user=user, name="phone", secret="JBSWY3DPEHPK3PXP", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
