"""Templates speak the writer's language and know the conversation: a Spanish-speaking parent is
offered the absence template in Spanish, about their child, with a date picker."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from messaging.models import MessageTemplate, StoredTranslation
from messaging.services import templates as message_templates
from messaging.translation.cache import translation_store
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in


def url(name, *args):
    return reverse(f"messaging:{name}", args=args)


def in_spanish(text: str) -> str:
    with translation.override("es"):
        return translation.gettext(text)


@pytest.fixture
def thread(world):
    return world.guardian_thread(body="Hola, gracias por la reunión", recipients=[world.teacher])


def test_a_spanish_speaking_parent_is_offered_the_absence_template_in_spanish(client, world, thread):
    sign_in(client, world.parent)
    listed = client.get(url("thread", thread.pk)).content.decode()
    assert "Avisar de una ausencia" in listed
    assert "Reporting an absence" not in listed

    page = client.get(url("template", thread.pk, "absence")).content.decode()
    assert '<h1 class="govuk-heading-l" lang="es">Avisar de una ausencia</h1>' in page
    # The thread is about Visible: the child is filled in, never asked for, and no {placeholders}.
    assert "Visible no irá al colegio el [" in page
    assert 'name="pupil"' not in page
    assert not re.search(r"\{(pupil|date|reason|return_date)\}", page)
    # Typed fields: date pickers and a choice of reasons, labelled in the reader's language.
    assert re.search(r'<input type="date" name="date"[^>]*>', page)
    assert re.search(r'<input type="date" name="return_date"[^>]*>', page)
    assert '<select name="reason"' in page
    assert in_spanish("First day of absence") in page


def test_a_bad_date_is_refused_in_spanish_and_a_good_one_is_written_out_in_spanish(client, world, thread):
    sign_in(client, world.parent)
    refused = client.post(
        url("template", thread.pk, "absence"), {"date": "el lunes", "reason": "ill", "return_date": "2026-12-07"}
    )
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Introduzca una fecha válida." in page
    assert 'href="#id_date"' in page  # the error summary links to the field

    filled = client.post(
        url("template", thread.pk, "absence"), {"date": "2026-12-03", "reason": "ill", "return_date": "2026-12-07"}
    )
    assert filled.status_code == 200
    text = filled.content.decode()
    assert "Visible no irá al colegio el 3 de diciembre de 2026 porque " in text
    assert "Esperamos que vuelva el 7 de diciembre de 2026." in text
    assert 'name="template_key" value="absence"' in text


def test_class_and_teacher_are_filled_in_from_the_conversation(world, thread):
    context = message_templates.template_context(conversation=thread)
    assert context == {"pupil": "Visible", "class": "Own class", "teacher": str(world.teacher)}


def test_a_school_copy_of_the_built_in_templates_still_reads_in_the_parents_language(client, world, thread):
    message_templates.templates_copy_built_in(actor=None, school=world.school)
    row = MessageTemplate.objects.get(school=world.school, purpose="absence")
    assert row.title == "Reporting an absence"
    sign_in(client, world.parent)
    page = client.get(url("template", thread.pk, f"t{row.pk}")).content.decode()
    assert "Avisar de una ausencia" in page
    assert re.search(r'<input type="date" name="date"', page)


@pytest.mark.usefixtures("isolated_translation")
def test_a_schools_own_template_is_shown_machine_translated_and_its_fields_survive(
    client, world, thread, libretranslate
):
    libretranslate.DICTIONARY = {("en", "es"): {"hello": "hola", "meeting": "reunión"}}
    row = MessageTemplate.objects.create(
        school=world.school,
        purpose="meeting",
        title="meeting",
        body="hello {pupil} meeting {trip_date}",
        for_guardians=True,
        language="en",
    )
    sign_in(client, world.parent)
    # Not translated yet: shown as the school wrote it, and the translation is asked for.
    first = client.get(url("template", thread.pk, f"t{row.pk}")).content.decode()
    assert '<h1 class="govuk-heading-l" lang="en">meeting</h1>' in first

    for field in ("title", "body"):
        translation_store(label="messaging.messagetemplate", object_id=row.pk, field=field, language="es")
    assert StoredTranslation.objects.get(message_template=row, field="body").body == "hola {pupil} reunión {trip_date}"

    page = client.get(url("template", thread.pk, f"t{row.pk}")).content.decode()
    assert '<h1 class="govuk-heading-l" lang="es">reunión</h1>' in page
    assert "hola Visible reunión [Trip date]" in page
    assert re.search(r'<input type="date" name="trip_date"', page)
    filled = client.post(url("template", thread.pk, f"t{row.pk}"), {"trip_date": "2027-01-15"}).content.decode()
    assert "hola Visible reunión 15 de enero de 2027" in filled

    # The school edits its words: the old translation is stale and the original is shown again.
    row.body = "hello {pupil}"
    row.save()
    assert message_templates.templates_to_translate(school=world.school, language="es") == [
        (row.pk, "title"),
        (row.pk, "body"),
    ]
    edited = client.get(url("template", thread.pk, f"t{row.pk}")).content.decode()
    assert "hello Visible" in edited
    # Opening it asked for the new translation (the worker runs eagerly here), shown next time.
    assert message_templates.templates_to_translate(school=world.school, language="es") == []
    assert "hola Visible" in client.get(url("template", thread.pk, f"t{row.pk}")).content.decode()


def test_a_template_of_another_school_or_family_is_404(client, world, thread):
    far = world.far_thread()
    sign_in(client, world.parent)
    assert client.get(url("template", far.pk, "absence")).status_code == 404
    assert client.get(url("template", thread.pk, "t999999")).status_code == 404


def test_dates_in_english_are_written_the_english_way(client, world, thread):
    world.parent.preferred_language = "en-gb"
    world.parent.save(update_fields=["preferred_language"])
    sign_in(client, world.parent)
    filled = client.post(
        url("template", thread.pk, "absence"), {"date": "2026-12-03", "reason": "ill", "return_date": "2026-12-07"}
    ).content.decode()
    assert "Visible will not be in school on 3 Dec 2026 because they are ill." in filled


@pytest.mark.usefixtures("isolated_translation")
def test_a_template_the_school_saves_is_translated_into_the_languages_its_families_read(
    world, libretranslate, django_capture_on_commit_callbacks
):
    libretranslate.DICTIONARY = {("en", "es"): {"hello": "hola", "meeting": "reunión"}}
    with django_capture_on_commit_callbacks(execute=True):
        row = MessageTemplate.objects.create(
            school=world.school, purpose="other", title="meeting", body="hello {pupil}", language="en"
        )
    stored = dict(StoredTranslation.objects.filter(message_template=row, language="es").values_list("field", "body"))
    assert stored == {"title": "reunión", "body": "hola {pupil}"}
    # Nobody at the school reads Polish: nothing is translated into it.
    assert not StoredTranslation.objects.filter(message_template=row, language="pl").exists()
