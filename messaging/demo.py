"""Demo content for messaging, called by `manage.py seed_demo` (see MessagingConfig.seed_demo).

Idempotent: settings, glossary, phrases and templates are upserted; the demo conversation is
created once (matched by subject) and never duplicated.
"""

import datetime

from django.db import transaction

from accounts.models import ClassGroup, Pupil, School, User
from messaging.announcements.models import Announcement
from messaging.announcements.services import announcement_post
from messaging.models import Conversation, GlossaryTerm, MessagingSettings, SafeguardingPhrase
from messaging.services.conversations import conversation_start
from messaging.services.messages import message_send
from messaging.services.templates import templates_copy_built_in

GLOSSARY = {
    "riverside-primary": ["SENCo", "SENDCO", "EHCP", "Year 6", "Year 2", "Reception", "Ofsted"],
    "urban-home-school": ["CBC", "ECD", "KNEC", "M-Pesa"],
}

SAFEGUARDING_PHRASES = [
    "scared to go home",
    "hurts me",
    "hit me",
    "not safe at home",
    "self-harm",
    "kill myself",
    "touched me",
]

# María starts the conversation, so its subject is hers, in Spanish: Grace reads it translated.
DEMO_SUBJECT = "La lectura de Lucía en casa"
# What the subject was before (in English, though María wrote it): a demo seeded then is not
# given a second conversation.
EARLIER_DEMO_SUBJECTS = ("Lucía's reading at home",)
DEMO_ANNOUNCEMENT = "Year 2 trip to the Natural History Museum"

# Who checks a machine translation when a reader asks (MessagingSettings.translation_checker): at
# Riverside the office, which also books the interpreters for parents' evenings.
TRANSLATION_CHECKERS = {"riverside-primary": "office@riverside.example"}


@transaction.atomic
def seed(stdout=None) -> None:
    for school in School.objects.filter(slug__in=GLOSSARY):
        checker_email = TRANSLATION_CHECKERS.get(school.slug)
        checker = User.objects.filter(email=checker_email).first() if checker_email else None
        MessagingSettings.objects.update_or_create(
            school=school,
            defaults={
                "contact_days": "0,1,2,3,4",
                "contact_start": datetime.time(8, 0),
                "contact_end": datetime.time(17, 0) if school.country == "GB" else datetime.time(18, 0),
                "translation_checker": checker,
            },
        )
        for term in GLOSSARY[school.slug]:
            GlossaryTerm.objects.get_or_create(school=school, term=term, language="")
        for phrase in SAFEGUARDING_PHRASES:
            SafeguardingPhrase.objects.get_or_create(school=school, phrase=phrase)
        templates_copy_built_in(actor=None, school=school)
    _demo_conversation()
    _demo_announcement()


def _demo_conversation() -> None:
    """María García (Spanish) and Grace Kim (Year 2) talking about Lucía, each in her own language."""
    maria = User.objects.filter(email="maria.garcia@riverside.example").first()
    teacher = User.objects.filter(email="year2@riverside.example").first()
    lucia = Pupil.objects.filter(first_name="Lucía", last_name="García", school__slug="riverside-primary").first()
    seeded = Conversation.objects.filter(subject__in=(DEMO_SUBJECT, *EARLIER_DEMO_SUBJECTS))
    if not (maria and teacher and lucia) or seeded.exists():
        return
    conversation = conversation_start(
        starter=maria,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        subject=DEMO_SUBJECT,
        body="Hola, Lucía está leyendo mucho en casa. ¿Qué libros nos recomienda para este trimestre?",
        recipient_ids=[teacher.pk],
        pupil=lucia,
    )
    message_send(
        sender=teacher,
        conversation=conversation,
        body="Thank you for telling me. Lucía loves stories about animals; I will send two books home on Friday.",
    )


def _demo_announcement() -> None:
    """Grace Kim asks her class's families for permission for a trip: María reads it in Spanish
    and answers; Grace sees who has not answered yet and can remind them."""
    teacher = User.objects.filter(email="year2@riverside.example").first()
    group = ClassGroup.objects.filter(school__slug="riverside-primary", name="Year 2 Kingfishers").first()
    if not (teacher and group) or Announcement.objects.filter(title=DEMO_ANNOUNCEMENT).exists():
        return
    announcement_post(
        author=teacher,
        school_id=group.school_id,
        audience=Announcement.Audience.CLASSES,
        class_group_ids=[group.pk],
        title=DEMO_ANNOUNCEMENT,
        body=(
            "On Thursday 12 March Year 2 visit the Natural History Museum to see the dinosaurs. "
            "We leave school at 9:00 and are back by 15:15. Please send a packed lunch and a coat."
        ),
        response=Announcement.Response.YES_NO,
        question="May your child come on the trip?",
    )
