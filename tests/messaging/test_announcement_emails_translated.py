"""An announcement's email (or text) reaches a family of another language with its title in that
language: it waits for the title's machine translation (at most
NOTIFICATIONS_TRANSLATION_WAIT_SECONDS), goes as soon as the translation is stored, and goes as
written if no engine covers the language or the translation never comes. Families reading the
language it was written in are emailed at once, as before. "Later" is the clock moved on, then the
outbox's sweeper (beat runs it every OUTBOX_SWEEP_SECONDS in production)."""

import pytest
from django.core import mail

from hub import sms
from messaging.announcements import effects as announcement_effects
from messaging.announcements import services as announcements
from messaging.announcements.models import Announcement
from messaging.models import StoredTranslation
from messaging.services import notify_bridge
from messaging.translation import registry
from messaging.translation.cache import UNAVAILABLE
from tests.messaging import notification_helpers
from tests.messaging import world as messaging_world
from tests.messaging.notification_helpers import (  # noqa: F401 (clean_sms_outbox: autouse)
    KENYAN_MOBILE,
    Channel,
    Frequency,
    Kind,
    clean_sms_outbox,
    prefer,
)

outside = messaging_world.outside
later = notification_helpers.later
world = messaging_world.world

# Taken when this module is imported, before `outside` puts its recorders in their place.
REAL_NOTIFY_MANY = notify_bridge.notify_many
WAIT = 30


@pytest.fixture
def families(world, outside, monkeypatch, settings):
    """Real notifications and deliveries; translations recorded, not run (each test stores them,
    as the translation worker would). Pat reads Spanish, the co-parent English; both chose an
    email straight away for school news."""
    monkeypatch.setattr(notify_bridge, "notify_many", REAL_NOTIFY_MANY)
    monkeypatch.setattr(announcement_effects, "translate", lambda pk, language: None)
    settings.NOTIFICATIONS_TRANSLATION_WAIT_SECONDS = WAIT
    settings.NOTIFICATIONS_UNREAD_WAIT_SECONDS = 0
    assert world.parent.preferred_language.startswith("es")
    assert world.co_parent.preferred_language.startswith("en")
    for person in (world.parent, world.co_parent):
        prefer(person, Kind.ANNOUNCEMENT, Channel.EMAIL, Frequency.INSTANT)
    mail.outbox.clear()
    return world


def post(world, django_capture_on_commit_callbacks, *, urgent: bool = False) -> Announcement:
    own_class = world.child.class_groups.get(name="Own class")
    with django_capture_on_commit_callbacks(execute=True):
        return announcements.announcement_post(
            # Only leaders and the office send urgent alerts.
            author=world.leader if urgent else world.teacher,
            school_id=world.school.pk,
            audience=Announcement.Audience.CLASSES,
            class_group_ids=[own_class.pk],
            title="Trip to the museum",
            body="We go on Friday.",
            urgent=urgent,
        )


def stored(django_capture_on_commit_callbacks, announcement, language: str, text: str, *, engine="test") -> None:
    """The title's translation stored and its follow-up run, as the translation worker does, and
    what that lets go after its commit."""
    with django_capture_on_commit_callbacks(execute=True):
        row = StoredTranslation.objects.create(
            content_object=announcement, field="title", language=language, body=text, engine=engine
        )
        registry.for_object(announcement, "title").on_stored(announcement, row)


def emails_to(person) -> list[str]:
    return [f"{email.subject}\n{email.body}" for email in mail.outbox if person.email in email.to]


def test_a_spanish_familys_email_waits_for_the_title_in_spanish(families, django_capture_on_commit_callbacks, later):
    trip = post(families, django_capture_on_commit_callbacks)

    # The English-speaking parent is emailed at once; Pat's email waits for the translation.
    [english] = emails_to(families.co_parent)
    assert "Trip to the museum" in english
    assert emails_to(families.parent) == []
    assert later(WAIT - 10) == 0
    assert emails_to(families.parent) == []

    stored(django_capture_on_commit_callbacks, trip, "es", "Excursión al museo")

    [spanish] = emails_to(families.parent)
    assert "Excursión al museo" in spanish
    assert "Trip to the museum" not in spanish
    # Sent once: the wait running out later sends nothing more.
    later(WAIT + 60)
    assert len(emails_to(families.parent)) == 1
    assert len(emails_to(families.co_parent)) == 1


def test_when_the_translation_never_comes_the_email_goes_as_written_after_the_wait(
    families, django_capture_on_commit_callbacks, later
):
    post(families, django_capture_on_commit_callbacks)
    assert emails_to(families.parent) == []

    later(WAIT + 1)

    [as_written] = emails_to(families.parent)
    assert "Trip to the museum" in as_written


def test_when_no_engine_covers_the_language_the_email_goes_once_that_is_known(
    families, django_capture_on_commit_callbacks
):
    trip = post(families, django_capture_on_commit_callbacks)
    assert emails_to(families.parent) == []

    stored(django_capture_on_commit_callbacks, trip, "es", "", engine=UNAVAILABLE)

    [as_written] = emails_to(families.parent)
    assert "Trip to the museum" in as_written


def test_an_urgent_alert_by_text_waits_for_the_translation_too(families, django_capture_on_commit_callbacks):
    families.parent.phone = KENYAN_MOBILE
    families.parent.save(update_fields=["phone"])
    prefer(families.parent, Kind.SCHOOL_ALERT, Channel.SMS, Frequency.INSTANT)
    alert = post(families, django_capture_on_commit_callbacks, urgent=True)
    assert [text for text in sms.outbox if text.to == KENYAN_MOBILE] == []

    stored(django_capture_on_commit_callbacks, alert, "es", "Excursión al museo")

    [text] = [text for text in sms.outbox if text.to == KENYAN_MOBILE]
    assert "Excursión al museo" in text.body
    assert "Trip to the museum" not in text.body


def test_a_reminder_written_once_the_translation_is_stored_does_not_wait(families, django_capture_on_commit_callbacks):
    trip = post(families, django_capture_on_commit_callbacks)
    stored(django_capture_on_commit_callbacks, trip, "es", "Excursión al museo")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        announcements.announcement_remind(user=families.teacher, announcement=trip)

    [reminder] = emails_to(families.parent)
    assert "Excursión al museo" in reminder
