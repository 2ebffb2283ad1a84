"""A notification names what it is about (a conversation's subject, an announcement's title) in
the reader's language: a machine translation stored after the notification was written is put
into it (and so into the email or text not yet sent), and a notification written once the
translation exists uses it, including a folded one ("2 new messages ...") and a reminder."""

import pytest
from django.utils import translation

from messaging.announcements import effects as announcement_effects
from messaging.announcements import services as announcements
from messaging.announcements.models import Announcement
from messaging.models import Notification, StoredTranslation
from messaging.services import messages as message_services
from messaging.services import notify_bridge
from messaging.translation import registry
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world

# Taken when this module is imported, before `outside` puts its recorders in their place.
REAL_NOTIFY_MANY = notify_bridge.notify_many


@pytest.fixture
def notifications_written(outside, monkeypatch):
    """Notifications written for real; translations recorded, not run (the test stores them)."""
    monkeypatch.setattr(notify_bridge, "notify_many", REAL_NOTIFY_MANY)
    monkeypatch.setattr(announcement_effects, "translate", lambda pk, language: None)


def stored(obj, field: str, language: str, text: str) -> None:
    """`text` stored as `obj`.`field`'s translation, as the translation worker stores it, and the
    field's registered follow-up run, as the worker runs it."""
    row = StoredTranslation.objects.create(
        content_object=obj, field=field, language=language, body=text, engine="test", source_language="es"
    )
    registry.for_object(obj, field).on_stored(obj, row)


def titles_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


def test_a_subject_translated_later_is_put_into_the_readers_notifications(
    world, notifications_written, django_capture_on_commit_callbacks
):
    # Pat (Spanish) writes to Tess (English); Tess's notification names the subject as written.
    with django_capture_on_commit_callbacks(execute=True):
        thread = world.guardian_thread(subject="Excursión de mañana", body="Hola, gracias por la nota")
    assert titles_of(world.teacher) == ["New message from Pat Parent: Excursión de mañana"]

    stored(thread, "subject", "en", "Tomorrow's trip")
    stored(thread, "subject", "pl", "Jutrzejsza wycieczka")  # nobody here reads Polish: nothing changes

    assert titles_of(world.teacher) == ["New message from Pat Parent: Tomorrow's trip"]
    # A message arriving now folds into it, the subject still in Tess's language.
    with django_capture_on_commit_callbacks(execute=True):
        message_services.message_send(sender=world.parent, conversation=thread, body="Hola otra vez, por favor")
    assert titles_of(world.teacher) == ["2 new messages from Pat Parent: Tomorrow's trip"]
    assert titles_of(world.parent) == []  # the writer is not notified of her own messages


def test_an_announcement_title_translated_later_reaches_its_families_of_that_language(
    world, notifications_written, django_capture_on_commit_callbacks
):
    own_class = world.child.class_groups.get(name="Own class")
    with django_capture_on_commit_callbacks(execute=True):
        trip = announcements.announcement_post(
            author=world.teacher,
            school_id=world.school.pk,
            audience=Announcement.Audience.CLASSES,
            class_group_ids=[own_class.pk],
            title="Trip to the museum",
            body="We go on Friday.",
        )
    school = world.school.name
    assert titles_of(world.parent) == [f"{school}: Trip to the museum"]  # Pat reads Spanish

    stored(trip, "title", "es", "Excursión al museo")

    assert titles_of(world.parent) == [f"{school}: Excursión al museo"]
    assert titles_of(world.co_parent) == [f"{school}: Trip to the museum"]  # reads English
    # A reminder written now is in Spanish from the start, title included.
    with django_capture_on_commit_callbacks(execute=True):
        announcements.announcement_remind(user=world.teacher, announcement=trip)
    with translation.override("es"):
        reminder = translation.gettext("Reminder: {title}").format(title="Excursión al museo")
    assert reminder != "Reminder: Excursión al museo"  # the catalogue has it in Spanish
    assert titles_of(world.parent)[-1] == reminder
    assert titles_of(world.co_parent)[-1] == "Reminder: Trip to the museum"


def test_only_the_subject_is_replaced_where_the_senders_name_holds_the_same_words(
    world, notifications_written, django_capture_on_commit_callbacks
):
    world.parent.display_name = "Excursión Parent"
    world.parent.save(update_fields=["display_name"])
    with django_capture_on_commit_callbacks(execute=True):
        thread = world.guardian_thread(subject="Excursión", body="Hola, gracias por la nota")
    assert titles_of(world.teacher) == ["New message from Excursión Parent: Excursión"]

    stored(thread, "subject", "en", "Trip")

    assert titles_of(world.teacher) == ["New message from Excursión Parent: Trip"]


def test_a_translation_stored_again_changes_the_title_once(
    world, notifications_written, django_capture_on_commit_callbacks
):
    # A job runs again (the hook is told again); a translation that keeps the written words in it
    # (a name the glossary keeps) must not be put in a second time.
    with django_capture_on_commit_callbacks(execute=True):
        thread = world.guardian_thread(subject="SENDCO", body="Hola, gracias por la nota")
    row = StoredTranslation.objects.create(
        content_object=thread,
        field="subject",
        language="en",
        body="SENDCO meeting",
        engine="test",
        source_language="es",
    )
    for _again in range(2):
        registry.for_object(thread, "subject").on_stored(thread, row)

    assert titles_of(world.teacher) == ["New message from Pat Parent: SENDCO meeting"]
