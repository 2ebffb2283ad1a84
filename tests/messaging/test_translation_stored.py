"""Stored translations of any field of any object: message bodies and conversation subjects, the
school's glossary version, the registry apps declare their fields in, admin, and the migration
from MessageTranslation."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from hub import crypto
from messaging import selectors
from messaging.models import Conversation, GlossaryTerm, Message, StoredTranslation
from messaging.services import language
from messaging.services.language import queue_translation as real_queue_translation
from messaging.tasks import translate_field
from messaging.translation import registry
from messaging.translation.cache import is_unavailable, translation_get_or_create
from tests import factories
from tests.conftest import force_verified_login
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in

SHOW_ORIGINAL = "Translated from Spanish by machine · Show original"


def reads_english(*users):
    for user in users:
        user.preferred_language = "en-gb"
        user.save(update_fields=["preferred_language"])


def subject_translation(conversation, language, body, *, source="es"):
    return StoredTranslation.objects.create(
        content_object=conversation,
        field="subject",
        language=language,
        body=body,
        engine="test",
        source_language=source,
        school=conversation.school,
    )


# --- one service for any field ---------------------------------------------------------------


@pytest.mark.usefixtures("isolated_translation")
def test_a_family_writes_in_spanish_and_staff_read_subject_and_message_in_english(
    world, outside, libretranslate, monkeypatch, client, django_capture_on_commit_callbacks
):
    libretranslate.DICTIONARY = {("es", "en"): {"hola": "hello", "reunión": "meeting", "excursión": "trip"}}
    reads_english(world.teacher)
    # The real translation path, jobs run in-process: delivery → body → its conversation's subject.
    monkeypatch.setattr(language, "queue_translation", real_queue_translation)

    with django_capture_on_commit_callbacks(execute=True):
        conversation = world.guardian_thread(subject="excursión reunión", body="hola")

    subject = conversation.translations.get(field="subject", language="en")
    assert (subject.body, subject.source_language, subject.engine) == ("trip meeting", "es", "http")
    assert subject.school == world.school
    conversation.refresh_from_db()
    assert conversation.subject == "excursión reunión"  # the original is kept

    sign_in(client, world.teacher)
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert re.search(r'<a class="govuk-link" href="[^"]+" lang="en-gb">trip meeting</a>', inbox)
    assert SHOW_ORIGINAL in inbox
    assert re.search(r'<details[^>]*>.*lang="es">excursión reunión<', inbox, re.S)
    thread = client.get(reverse("messaging:thread", args=[conversation.pk])).content.decode()
    assert re.search(r"<h1[^>]*>trip meeting</h1>", thread)
    assert re.search(r"<title>trip meeting", thread)
    assert thread.count(SHOW_ORIGINAL) == 2  # the subject and the message
    assert "hello" in thread

    # The family reads their own words as they wrote them.
    client.logout()
    sign_in(client, world.parent)
    own = client.get(reverse("messaging:inbox")).content.decode()
    assert "excursión reunión" in own
    assert "trip meeting" not in own
    assert "<details" not in own


def test_a_subject_without_a_translation_is_shown_as_written(world, outside):
    conversation = world.guardian_thread(subject="excursión", body="hola")
    StoredTranslation.objects.create(
        content_object=conversation, field="subject", language="en", body="", engine="none", source_language="es"
    )
    reads_english(world.teacher)
    shown = selectors.thread_page(conversation=conversation, reader=world.teacher).subject
    assert (shown.shown, shown.translated_from) == ("excursión", "")
    inbox = {item.pk: selectors.subject_as_seen(item) for item in selectors.inbox_for(world.teacher)}
    assert inbox[conversation.pk].shown == "excursión"


@pytest.mark.usefixtures("isolated_translation")
def test_a_glossary_change_makes_stored_translations_stale_and_they_are_translated_again(
    libretranslate, school, teacher, send
):
    message = send(teacher, "hello meeting", "en")
    first = translation_get_or_create(obj=message, field="body", language="es")
    assert (first.body, first.glossary_version) == ("hola reunión", "")
    assert translation_get_or_create(obj=message, field="body", language="es") == first
    asked = len(libretranslate.requests)

    GlossaryTerm.objects.create(school=school, term="meeting")  # kept as written from now on
    again = translation_get_or_create(obj=message, field="body", language="es")
    assert again.pk == first.pk
    assert again.body == "hola meeting"
    assert again.glossary_version
    assert len(libretranslate.requests) == asked + 1
    assert translation_get_or_create(obj=message, field="body", language="es").body == "hola meeting"
    assert len(libretranslate.requests) == asked + 1  # fresh again: not asked twice
    # A term for another language leaves the Spanish translation as it is.
    GlossaryTerm.objects.create(school=school, term="hello", language="pl", translation="cześć")
    translation_get_or_create(obj=message, field="body", language="es")
    assert len(libretranslate.requests) == asked + 1


@pytest.mark.usefixtures("isolated_translation")
def test_the_task_takes_ids_and_stores_one_row_per_object_field_and_language(libretranslate, conversation, teacher):
    Message.objects.create(conversation=conversation, sender=teacher, body="hello", language="en")
    conversation.subject = "hello meeting"
    conversation.save(update_fields=["subject"])
    first = translate_field.delay("messaging.conversation", conversation.pk, "subject", "es").get()
    second = translate_field.delay("messaging.conversation", conversation.pk, "subject", "es").get()
    assert first == second
    row = StoredTranslation.objects.get(pk=first)
    assert (row.content_object, row.field, row.body, row.source_language) == (
        conversation,
        "subject",
        "hola reunión",
        "en",
    )
    assert translate_field.delay("messaging.conversation", 10**9, "subject", "es").get() is None
    nobody = translate_field.delay("messaging.conversation", conversation.pk, "subject", "sw").get()
    assert is_unavailable(StoredTranslation.objects.get(pk=nobody))


def test_only_declared_fields_are_translated(db):
    with pytest.raises(LookupError):
        registry.lookup("messaging.conversation", "kind")
    with pytest.raises(FieldDoesNotExist):
        registry.register(Conversation, "no_such_field", school=lambda obj: None)
    assert {(item.label, item.field) for item in registry.declared()} >= {
        ("messaging.message", "body"),
        ("messaging.conversation", "subject"),
    }


# --- pages keep their query counts -----------------------------------------------------------


def test_inbox_with_translated_subjects_costs_the_same_queries_for_3_or_30(
    client, world, django_assert_max_num_queries
):
    reads_english(world.teacher)
    sign_in(client, world.teacher)
    for number in range(3):
        subject_translation(world.guardian_thread(subject=f"Excursión {number}"), "en", f"Trip {number}")
    with django_assert_max_num_queries(25) as few:
        page = client.get(reverse("messaging:inbox")).content.decode()
    assert page.count(SHOW_ORIGINAL) == 3
    for number in range(30):
        conversation = world.guardian_thread(subject=f"Más {number}", recipients=[world.teacher, world.sendco])
        subject_translation(conversation, "en", f"More {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("messaging:inbox")).content.decode()
    assert page.count(SHOW_ORIGINAL) == 30  # the page holds 30 conversations


def test_thread_with_a_translated_subject_costs_the_same_queries_as_without(
    client, world, django_assert_num_queries, django_assert_max_num_queries
):
    reads_english(world.teacher)
    conversation = world.guardian_thread(subject="Excursión")
    sign_in(client, world.teacher)
    url = reverse("messaging:thread", args=[conversation.pk])
    client.get(url)  # the first visit marks the thread read
    with django_assert_max_num_queries(40) as plain:
        client.get(url)
    subject_translation(conversation, "en", "Trip")
    with django_assert_num_queries(len(plain.captured_queries)):
        page = client.get(url).content.decode()
    assert re.search(r"<h1[^>]*>Trip</h1>", page)


# --- admin -----------------------------------------------------------------------------------


def test_school_admin_sees_their_schools_stored_translations_and_never_their_text(client, world, outside):
    office = factories.UserFactory(is_staff=True)
    factories.MembershipFactory(user=office, school=world.school, role="school_admin")
    group = Group.objects.create(name="Translation viewers")
    group.permissions.set(Permission.objects.filter(codename="view_storedtranslation"))
    office.groups.add(group)
    own = subject_translation(world.guardian_thread(subject="Excursión"), "en", "Secret trip")
    far = subject_translation(world.far_thread(), "en", "Far away words")
    force_verified_login(client, office)

    listing = client.get("/admin/messaging/storedtranslation/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert f"/admin/messaging/storedtranslation/{own.pk}/change/" in page
    assert f"/admin/messaging/storedtranslation/{far.pk}/change/" not in page
    detail = client.get(f"/admin/messaging/storedtranslation/{own.pk}/change/")
    assert detail.status_code == 200
    assert "Secret trip" not in detail.content.decode()
    assert client.get(f"/admin/messaging/storedtranslation/{far.pk}/change/").status_code == 404
    assert client.post(f"/admin/messaging/storedtranslation/{own.pk}/delete/").status_code == 403


# --- the migration from MessageTranslation ---------------------------------------------------

BEFORE = ("messaging", "0005_attachment_random_file_names")
AFTER = ("messaging", "0006_stored_translations")


def _bodies(table: str, where: str = "") -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {connection.ops.quote_name(table)} {where}")  # noqa: S608 - test tables
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_message_translation_ciphertext_and_all_both_ways():
    school = factories.SchoolFactory()
    sender = factories.UserFactory()
    conversation = Conversation.objects.create(
        school=school, kind=Conversation.Kind.STAFF_TEAM, subject="Excursión", created_by=sender
    )
    message = Message.objects.create(conversation=conversation, sender=sender, body="Hola", language="es")
    StoredTranslation.objects.create(
        content_object=message, field="body", language="en", body="Hello", engine="apertium", source_language="es"
    )
    StoredTranslation.objects.create(content_object=message, field="body", language="sw", body="", engine="none")
    subject_translation(conversation, "en", "Trip")
    ciphertext = _bodies(StoredTranslation._meta.db_table, "WHERE field = 'body' AND language = 'en'")[0]
    assert crypto.decrypt(ciphertext) == "Hello"

    executor = MigrationExecutor(connection)
    try:
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps.get_model("messaging", "MessageTranslation")
        rows = {row.language: row for row in old.objects.all()}
        assert set(rows) == {"en", "sw"}  # the subject's translation had nowhere to go
        assert (rows["en"].message_id, rows["en"].body, rows["en"].engine) == (message.pk, "Hello", "apertium")
        assert ciphertext in _bodies(old._meta.db_table)

        executor.loader.build_graph()
        executor.migrate([AFTER])
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    rows = {row.language: row for row in StoredTranslation.objects.all()}
    assert set(rows) == {"en", "sw"}
    assert rows["en"].content_object == message
    assert (rows["en"].field, rows["en"].body, rows["en"].school, rows["en"].glossary_version) == (
        "body",
        "Hello",
        school,
        "",
    )
    assert rows["en"].content_type == ContentType.objects.get_for_model(Message)
    assert is_unavailable(rows["sw"])
    assert _bodies(StoredTranslation._meta.db_table, "WHERE language = 'en'") == [ciphertext]
