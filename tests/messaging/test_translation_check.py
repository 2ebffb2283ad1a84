"""Writers know their words will be machine-translated (a notice, a preview that saves nothing);
readers can ask a person the school names to check a translation, whose text then replaces the
machine's, labelled and audited."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEntry
from messaging.models import Message, MessagingSettings, Notification, StoredTranslation
from messaging.services import messages as message_services
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in

NOTICE = "Pat Parent will read this in Spanish (machine translation)."


def url(name, *args):
    return reverse(f"messaging:{name}", args=args)


@pytest.fixture
def thread(world):
    return world.guardian_thread(body="Hola, gracias por la reunión", recipients=[world.teacher])


# --- the notice and the preview ----------------------------------------------------------------


def test_the_notice_appears_only_when_a_reader_reads_another_language(client, world, thread):
    sign_in(client, world.teacher)
    page = client.get(url("thread", thread.pk)).content.decode()
    assert NOTICE in page
    assert f'formaction="{url("translation_preview", thread.pk)}"' in page

    world.parent.preferred_language = "en-gb"
    world.parent.save(update_fields=["preferred_language"])
    page = client.get(url("thread", thread.pk)).content.decode()
    assert "will read this in" not in page
    assert url("translation_preview", thread.pk) not in page


def test_the_parent_is_told_the_teacher_reads_english(client, world, thread):
    sign_in(client, world.parent)
    page = client.get(url("thread", thread.pk)).content.decode()
    # The parent's interface is Spanish: the language's name as Spanish writes it in a sentence.
    assert "Su mensaje se mostrará a Tess Teacher en inglés (traducción automática)." in page
    assert 'id="translation-notice-' in page


@pytest.mark.usefixtures("isolated_translation")
def test_the_preview_shows_the_engines_text_and_saves_nothing(client, world, thread, libretranslate):
    libretranslate.DICTIONARY = {("en", "es"): {"hello": "hola", "meeting": "reunión"}}
    sign_in(client, world.teacher)
    messages, translations = Message.objects.count(), StoredTranslation.objects.count()

    page = client.post(url("translation_preview", thread.pk), {"body": "hello meeting"})
    assert page.status_code == 200
    text = page.content.decode()
    assert '<div class="govuk-inset-text" lang="es">hola reunión</div>' in text
    assert "Pat Parent will read (Spanish):" in text
    # Without JavaScript the draft comes back in a composer to change or send.
    assert f'action="{url("send", thread.pk)}"' in text
    assert "hello meeting</textarea>" in text

    fragment = client.post(url("translation_preview", thread.pk), {"body": "hello"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert "hola" in fragment.content.decode()

    assert Message.objects.count() == messages
    assert StoredTranslation.objects.count() == translations
    assert libretranslate.requests[-1]["q"] == "hello"


def test_an_empty_draft_is_an_error_and_a_guessed_conversation_404(client, world, thread):
    far = world.far_thread()
    sign_in(client, world.teacher)
    assert client.post(url("translation_preview", thread.pk), {"body": ""}).status_code == 422
    assert client.post(url("translation_preview", far.pk), {"body": "hello"}).status_code == 404


# --- a person checks a translation ------------------------------------------------------------


@pytest.fixture
def translated(world, thread):
    """The teacher's English message, machine-translated into Spanish for the parent."""
    message = message_services.message_send(sender=world.teacher, conversation=thread, body="See you on Friday")
    message.language = "en"
    message.save(update_fields=["language"])
    StoredTranslation.objects.create(
        content_type=ContentType.objects.get_for_model(Message),
        object_id=message.pk,
        field="body",
        language="es",
        body="Verte el viernes",
        engine="http",
        source_language="en",
        school=world.school,
    )
    return message


@pytest.fixture
def checker(world):
    """The school's bilingual member of staff, named to check translations; and the far school's."""
    MessagingSettings.objects.create(school=world.school, translation_checker=world.other_teacher)
    MessagingSettings.objects.create(school=world.far_school, translation_checker=world.far_teacher)
    return world.other_teacher


def test_a_reader_asks_and_only_the_named_checker_is_told(client, world, thread, translated, checker, outside):
    sign_in(client, world.parent)
    page = client.get(url("thread", thread.pk)).content.decode()
    assert "Verte el viernes" in page
    assert url("check_translation", translated.pk) in page
    assert client.get(url("check_translation", translated.pk)).status_code == 200

    response = client.post(url("check_translation", translated.pk))
    assert response.status_code == 302
    client.post(url("check_translation", translated.pk))  # asked twice: told once
    with translation.override("en-gb"):  # the titles are lazy: read them in English here
        told = [call for call in outside.notifications if call["title"] and "check" in str(call["title"])]
    assert [call["user"] for call in told] == [checker]
    row = StoredTranslation.objects.get(object_id=translated.pk, language="es")
    assert told[0]["url"] == url("translation_check", row.pk)
    assert "See you" not in str(told[0]["body"])  # the content stays behind the check page
    assert row.check_requested_by == world.parent
    assert AuditEntry.objects.filter(action="translation.check_requested", actor_id=world.parent.pk).count() == 1


def test_the_checkers_text_replaces_the_machines_labelled_and_audited(client, world, thread, translated, checker):
    sign_in(client, world.parent)
    client.post(url("check_translation", translated.pk))
    row = StoredTranslation.objects.get(object_id=translated.pk, language="es")

    for stranger in (world.teacher, world.far_teacher, world.parent, world.leader):
        client.logout()
        sign_in(client, stranger)
        assert client.get(url("translation_check", row.pk)).status_code == 404
        assert client.post(url("translation_check", row.pk), {"body": "x"}).status_code == 404

    client.logout()
    sign_in(client, checker)
    page = client.get(url("translation_check", row.pk))
    assert page.status_code == 200
    assert "See you on Friday" in page.content.decode()
    assert client.post(url("translation_check", row.pk), {"body": ""}).status_code == 422
    assert client.post(url("translation_check", row.pk), {"body": "Nos vemos el viernes"}).status_code == 302

    row.refresh_from_db()
    assert (row.body, row.checked_by) == ("Nos vemos el viernes", checker)
    assert AuditEntry.objects.filter(action="translation.checked", actor_id=checker.pk).count() == 1

    client.logout()
    sign_in(client, world.parent)
    page = client.get(url("thread", thread.pk)).content.decode()
    assert "Nos vemos el viernes" in page
    assert "Verte el viernes" not in page
    assert "revisado por una persona" in page  # the parent reads Homeroom in Spanish
    assert '<div class="govuk-details__text" lang="en">See you on Friday</div>' in page  # the original, one tap away
    assert url("check_translation", translated.pk) not in page


def test_a_checked_translation_is_never_replaced_by_an_engine(world, translated, checker):
    from messaging.translation.cache import translation_get_or_create

    row = StoredTranslation.objects.get(object_id=translated.pk, language="es")
    row.body, row.checked_by = "Nos vemos el viernes", checker
    row.checked_at = row.created_at
    row.save()
    world.school.glossary_terms.create(term="Friday")  # the glossary changes: machine rows go stale
    again = translation_get_or_create(obj=translated, field="body", language="es")
    assert again.body == "Nos vemos el viernes"


def test_no_checker_named_tells_the_reader_and_notifies_nobody(client, world, thread, translated, outside):
    sign_in(client, world.parent)
    response = client.post(url("check_translation", translated.pk), follow=True)
    assert "no ha designado a nadie para revisar las traducciones" in response.content.decode()
    assert not [call for call in outside.notifications if "check" in str(call["title"])]
    assert StoredTranslation.objects.get(object_id=translated.pk).check_requested_at is None


def test_a_checker_named_by_another_school_gets_nothing(client, world, thread, translated, outside):
    # A school names someone who is not its staff (here, another school's teacher): refused.
    MessagingSettings.objects.create(school=world.school, translation_checker=world.far_teacher)
    sign_in(client, world.parent)
    client.post(url("check_translation", translated.pk))
    assert not [call for call in outside.notifications if "check" in str(call["title"])]
    assert not Notification.objects.filter(user=world.far_teacher).exists()


def test_guessed_message_and_translation_ids_are_404(client, world, thread, translated, checker):
    far = world.far_thread()
    far_message = far.messages.first()
    sign_in(client, world.parent)
    assert client.get(url("check_translation", far_message.pk)).status_code == 404
    assert client.post(url("check_translation", far_message.pk)).status_code == 404
    assert client.get(url("check_translation", 999999)).status_code == 404
    # The sender has nothing to have checked.
    client.logout()
    sign_in(client, world.teacher)
    assert client.get(url("check_translation", translated.pk)).status_code == 404


# --- subjects carry the right lang attribute ---------------------------------------------------


def test_translated_subjects_are_marked_up_in_the_readers_language_with_the_original_in_its_own(client, world, thread):
    StoredTranslation.objects.create(
        content_object=thread,
        field="subject",
        language="en",
        body="About Visible, translated",
        engine="test",
        source_language="es",
        school=world.school,
    )
    sign_in(client, world.teacher)
    inbox = client.get(url("inbox")).content.decode()
    # The card links to the thread's newest message.
    assert re.search(
        rf'href="{url("thread", thread.pk)}(#message-\d+)?" lang="en-gb">About Visible, translated</a>', inbox
    )
    assert '<div class="govuk-details__text" lang="es">About Visible</div>' in inbox
    page = client.get(url("thread", thread.pk)).content.decode()
    assert '<h1 class="govuk-heading-l homeroom-subject" lang="en-gb">About Visible, translated</h1>' in page
    assert '<div class="govuk-details__text" lang="es">About Visible</div>' in page
