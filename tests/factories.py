"""factory_boy factories for the people and messaging models. Each builds a valid, saved object."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import ClassGroup, Department, Guardianship, Membership, Pupil, School, User

DEFAULT_PASSWORD = "correct horse battery staple"


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    slug = factory.Sequence(lambda n: f"school-{n}")
    country = "GB"
    curriculum = "england"
    time_zone = "Europe/London"


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = "teacher"


class PupilFactory(DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.Sequence(lambda n: f"Child{n}")
    last_name = "Example"
    date_of_birth = datetime.date(2017, 5, 1)
    year_group = "Year 3"


class GuardianshipFactory(DjangoModelFactory):
    class Meta:
        model = Guardianship

    guardian = factory.SubFactory(UserFactory)
    pupil = factory.SubFactory(PupilFactory)
    relationship = "mother"
    status = "active"


class ClassGroupFactory(DjangoModelFactory):
    class Meta:
        model = ClassGroup

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Class {n}")


# --- messaging ---------------------------------------------------------------------------------
# Rows as the services would leave them, for tests that need a conversation or a notification
# without going through a send. Tests of sending itself call the services.


class ConversationFactory(DjangoModelFactory):
    """A family ↔ staff conversation about a pupil (its school is the pupil's)."""

    class Meta:
        model = "messaging.Conversation"

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    kind = "guardian_staff"
    subject = factory.Sequence(lambda n: f"About the trip {n}")
    created_by = factory.SubFactory(UserFactory)


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = "messaging.Participant"

    conversation = factory.SubFactory(ConversationFactory)
    user = factory.SubFactory(UserFactory)


class MessageFactory(DjangoModelFactory):
    """A sent message (its body encrypted at rest like any other)."""

    class Meta:
        model = "messaging.Message"

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SelfAttribute("conversation.created_by")
    body = factory.Sequence(lambda n: f"Message number {n}")
    language = "en"
    status = "sent"
    sent_at = factory.LazyFunction(timezone.now)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = "messaging.Notification"

    user = factory.SubFactory(UserFactory)
    kind = "message"
    title = factory.Sequence(lambda n: f"Something new {n}")


class SafeguardingPhraseFactory(DjangoModelFactory):
    class Meta:
        model = "messaging.SafeguardingPhrase"

    school = factory.SubFactory(SchoolFactory)
    phrase = "scared to go home"


def opt_in(*pupils: Pupil, recipient: str, kinds=None) -> None:
    """The family chose to give `recipient` (AI features, other families...) these kinds of data
    (all, by default): those cells are opt-in (accounts.consent.policies.builtin_default)."""
    from accounts.consent.policies import is_fixed
    from accounts.models import ConsentRecord, DataKind

    for pupil in pupils:
        for kind in kinds or DataKind.values:
            if not is_fixed(data_kind=kind, recipient=recipient):
                ConsentRecord.objects.update_or_create(
                    pupil=pupil, data_kind=kind, recipient=recipient, defaults={"given": True}
                )
