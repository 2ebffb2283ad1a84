"""Safeguarding phrases also match the machine translation of a message written in another
language than the school's; language names read right inside a sentence."""

import logging

import pytest
from django.urls import reverse
from django.utils import translation

from messaging.models import SafeguardingAlert, SafeguardingPhrase, StoredTranslation
from messaging.services import safeguarding
from messaging.tasks import translate_message
from messaging.translation import languages
from tests import factories
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in

# Apertium (spa-eng) turns this into "She is scared to go home."
SCARED_TO_GO_HOME_ES = "Ella está asustada de ir a casa."
FROM_SPANISH = {"phrase": "scared to go home", "in": "translation", "from": "es", "language": "Spanish"}


def _send(world, body, *, starter=None, capture):
    with capture(execute=True):
        conversation = world.guardian_thread(body=body, starter=starter)
    return conversation.messages.get()


def _urgent(outside):
    return [item for item in outside.notifications if item["kind"] == "safeguarding"]


@pytest.mark.usefixtures("isolated_translation", "apertium")
def test_a_phrase_only_the_translation_contains_alerts_the_dsl_once(
    world, outside, client, django_capture_on_commit_callbacks
):
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared to go home")
    message = _send(world, SCARED_TO_GO_HOME_ES, capture=django_capture_on_commit_callbacks)
    assert message.language == "es"
    assert message.status == "sent"
    assert not SafeguardingAlert.objects.exists()  # the original does not match...
    assert (message.pk, "en") in outside.translations  # ...so its English translation is on its way

    for _ in range(2):  # a retried or duplicated job changes nothing the second time
        with django_capture_on_commit_callbacks(execute=True):
            translate_message.delay(message.pk, "en").get()

    row = message.translations.get(field="body", language="en")
    assert (row.engine, row.body) == ("apertium", "She is scared to go home.")
    alert = SafeguardingAlert.objects.get()
    assert (alert.message, alert.matched_phrases) == (message, [FROM_SPANISH])
    urgent = _urgent(outside)
    assert [item["user"] for item in urgent] == [world.dsl]
    assert "scared to go home (in the machine translation from Spanish)" in urgent[0]["body"]

    sign_in(client, world.dsl)
    page = client.get(reverse("messaging:safeguarding_alert", args=[alert.pk])).content.decode()
    assert "scared to go home (in the machine translation from Spanish)" in page
    assert "She is scared to go home." in page
    listing = client.get(reverse("messaging:safeguarding_alerts")).content.decode()
    assert "scared to go home (in the machine translation from Spanish)" in listing


@pytest.mark.usefixtures("isolated_translation", "apertium")
def test_the_translation_extends_the_alert_the_original_raised(world, outside, django_capture_on_commit_callbacks):
    SafeguardingPhrase.objects.create(school=world.school, phrase="asustada")
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared to go home")
    message = _send(world, SCARED_TO_GO_HOME_ES, capture=django_capture_on_commit_callbacks)
    assert SafeguardingAlert.objects.get().matched_phrases == ["asustada"]

    with django_capture_on_commit_callbacks(execute=True):
        translate_message.delay(message.pk, "en").get()

    alert = SafeguardingAlert.objects.get()
    assert alert.matched_phrases == ["asustada", FROM_SPANISH]
    assert len(_urgent(outside)) == 1  # told once, when it was raised


def test_a_stored_translation_is_scanned_when_the_message_is(world, outside):
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared to go home")
    message = world.guardian_thread(body="Hola").messages.get()
    StoredTranslation.objects.create(
        content_object=message,
        field="body",
        language="en",
        body="She is scared to go home.",
        engine="apertium",
        source_language="es",
    )
    alert = safeguarding.message_scan(message=message)
    assert alert.matched_phrases == [FROM_SPANISH]
    assert safeguarding.message_scan(message=message) == alert
    assert SafeguardingAlert.objects.get() == alert


def test_a_message_in_the_schools_language_queues_no_translation_for_scanning(
    world, outside, django_capture_on_commit_callbacks
):
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared to go home")
    message = _send(
        world, "She is scared to go home", starter=world.co_parent, capture=django_capture_on_commit_callbacks
    )
    assert SafeguardingAlert.objects.get().matched_phrases == ["scared to go home"]
    assert (message.pk, "en") not in outside.translations


@pytest.mark.usefixtures("isolated_translation")
def test_no_engine_for_the_pair_raises_nothing_and_breaks_nothing(
    world, outside, settings, caplog, django_capture_on_commit_callbacks
):
    settings.TRANSLATION_ENGINES = []
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared to go home")
    world.co_parent.preferred_language = "pl"
    world.co_parent.save(update_fields=["preferred_language"])
    message = _send(
        world, "Ona boi się wracać do domu.", starter=world.co_parent, capture=django_capture_on_commit_callbacks
    )
    assert message.language == "pl"
    assert (message.pk, "en") in outside.translations

    with caplog.at_level(logging.INFO, logger="messaging.services.safeguarding"):
        row_id = translate_message.delay(message.pk, "en").get()

    assert StoredTranslation.objects.get(pk=row_id).engine == "none"
    assert not SafeguardingAlert.objects.exists()
    assert not _urgent(outside)
    assert "no machine translation from pl into en" in caplog.text


def test_nothing_is_translated_for_a_school_without_phrases(world, outside, django_capture_on_commit_callbacks):
    message = _send(world, SCARED_TO_GO_HOME_ES, capture=django_capture_on_commit_callbacks)
    assert (message.pk, "en") in outside.translations  # the teacher reads English
    world.teacher.preferred_language = "es"
    world.teacher.save(update_fields=["preferred_language"])
    second = _send(world, SCARED_TO_GO_HOME_ES, capture=django_capture_on_commit_callbacks)
    assert (second.pk, "en") not in outside.translations


@pytest.mark.parametrize(("country", "language"), [("GB", "en"), ("KE", "en"), ("gb", "en"), ("FR", "en")])
def test_the_schools_language_comes_from_its_country(db, country, language):
    assert safeguarding.school_language(factories.SchoolFactory(country=country)) == language


# --- language names inside a sentence --------------------------------------------------------------


def test_a_language_name_is_lower_case_inside_a_spanish_sentence():
    with translation.override("es"):
        assert languages.language_name("en-gb") == "Inglés"
        assert languages.language_name("en-gb", in_sentence=True) == "inglés"
        assert languages.name("pl") == "polaco"  # the unavailable-translation notice
        label = translation.gettext("Translated from %(language)s by machine · Show original") % {
            "language": languages.language_name("en", in_sentence=True)
        }
        assert label == "Traducido automáticamente desde inglés · Ver original"
        assert languages.language_name("zh-hans", in_sentence=True).islower()  # Django's name, lowered too


@pytest.mark.parametrize(("interface", "expected"), [("en-gb", "Spanish"), ("cy", "Sbaeneg"), ("de", "Spanisch")])
def test_a_language_name_keeps_its_capital_where_the_language_writes_one(interface, expected):
    with translation.override(interface):
        assert languages.language_name("es", in_sentence=True) == expected


def test_an_unknown_language_is_named_by_its_code():
    assert languages.language_name("xx") == "xx"
    assert languages.language_name("") == "an unknown language"
    assert languages.language_name("so") == "Somali"
