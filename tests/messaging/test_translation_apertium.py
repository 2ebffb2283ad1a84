"""Real translation through Apertium (Debian's apertium + apertium-eng-spa): an English-speaking
teacher and a Spanish-speaking parent."""

from unittest import mock

import pytest

from messaging.models import GlossaryTerm, StoredTranslation
from messaging.tasks import translate_message
from messaging.translation import can_translate, translate
from messaging.translation.engines.apertium import ApertiumEngine

pytestmark = [pytest.mark.usefixtures("isolated_translation", "apertium"), pytest.mark.django_db]


def test_english_to_spanish():
    result = translate("Hello, see you tomorrow.", source="en-gb", target="es")
    assert result.translated is True
    assert result.engine == "apertium"
    assert result.text.startswith("Hola")
    assert "mañana" in result.text
    assert (result.source, result.target) == ("en", "es")


def test_spanish_to_english():
    result = translate("Hola, mi hijo está enfermo hoy.", source="es", target="en-gb")
    assert result.translated is True
    assert result.text.startswith("Hello")
    assert "today" in result.text


def test_the_source_language_is_detected_when_not_given():
    result = translate("Hola, mañana mi hija no puede ir al colegio.", source=None, target="en")
    assert result.translated is True
    assert result.source == "es"
    assert "tomorrow" in result.text


def test_glossary_terms_survive_while_the_rest_is_translated(school):
    GlossaryTerm.objects.create(school=school, term="EHCP")
    GlossaryTerm.objects.create(school=school, term="Year 6")
    GlossaryTerm.objects.create(school=school, term="SENCo", language="es", translation="coordinadora de NEE")
    text = "Hello, the EHCP meeting for Year 6 is tomorrow with the SENCo."

    plain = translate(text, source="en", target="es")
    assert "Año 6" in plain.text  # what Apertium does without the glossary

    result = translate(text, source="en", target="es", school=school)
    assert result.translated is True
    assert result.text.startswith("Hola")
    assert "EHCP" in result.text
    assert "Year 6" in result.text
    assert "coordinadora de NEE" in result.text
    assert "mañana" in result.text
    assert "reunión" in result.text
    assert "Año" not in result.text
    assert "ZXQ" not in result.text


def test_apertium_lists_its_modes_as_language_pairs(apertium):
    assert {("en", "es"), ("es", "en")} <= apertium.pairs()
    assert can_translate("en-gb", "es")


def test_apertium_keeps_the_texts_lines(apertium):
    assert apertium.translate("Hello\n\nThanks\n", "en", "es") == "Hola\n\nGracias\n"


def test_teacher_and_parent_read_each_other_in_their_own_language(teacher, parent, send):
    to_parent = send(teacher, "Hello, your child was very good today. Thank you!", "en")
    row_id = translate_message.delay(to_parent.pk, parent.preferred_language).get()
    row = StoredTranslation.objects.get(pk=row_id)
    assert (row.content_object, row.language, row.engine, row.source_language) == (to_parent, "es", "apertium", "en")
    assert row.body.startswith("Hola")
    assert "hoy" in row.body

    to_teacher = send(parent, "Hola, muchas gracias. Mañana no puede venir porque está enfermo.", "es")
    row_id = translate_message.delay(to_teacher.pk, teacher.preferred_language).get()
    row = StoredTranslation.objects.get(pk=row_id)
    assert row.language == "en"
    assert row.body.startswith("Hello")
    assert "tomorrow" in row.body.lower()

    # The original is untouched: the reader is always one tap from it.
    to_teacher.refresh_from_db()
    assert to_teacher.body == "Hola, muchas gracias. Mañana no puede venir porque está enfermo."


def test_the_task_translates_once_and_then_uses_the_stored_translation(teacher, parent, send):
    message = send(teacher, "Hello, the trip is on Friday.", "en")
    with mock.patch.object(ApertiumEngine, "translate", autospec=True, side_effect=ApertiumEngine.translate) as spy:
        first = translate_message.delay(message.pk, "es").get()
        second = translate_message.delay(message.pk, "es").get()
    assert first == second
    assert [call.args[1] for call in spy.call_args_list].count("Hello, the trip is on Friday.") == 1
    assert message.translations.filter(field="body").count() == 1


def test_the_writers_own_language_needs_no_translation(teacher, send):
    message = send(teacher, "Hello", "en")
    assert translate_message.delay(message.pk, "en-gb").get() is None
    assert not StoredTranslation.objects.exists()
