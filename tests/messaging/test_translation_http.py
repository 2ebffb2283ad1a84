"""The HTTP engine against a LibreTranslate-compatible server started by the test on 127.0.0.1."""

from unittest import mock

import pytest

from messaging.models import GlossaryTerm, StoredTranslation
from messaging.tasks import translate_field, translate_message
from messaging.translation import available_pairs, translate
from messaging.translation.cache import TranslationFailed, is_unavailable, translation_get_or_create
from messaging.translation.engines.base import TranslationError
from messaging.translation.engines.http import HttpEngine

pytestmark = [pytest.mark.usefixtures("isolated_translation"), pytest.mark.django_db]


def test_translates_through_the_server_with_the_api_key(libretranslate):
    result = translate("hello", source="en", target="es")
    assert (result.translated, result.engine, result.text) == (True, "http", "hola")
    assert libretranslate.requests == [
        {"q": "hello", "source": "en", "target": "es", "format": "text", "api_key": "secret-key"}
    ]


def test_the_servers_language_list_is_its_pairs(libretranslate):
    assert available_pairs() == {"http": {("en", "es"), ("es", "en")}}


def test_a_wrong_api_key_is_an_engine_failure_and_the_reader_gets_the_original(libretranslate, settings):
    settings.TRANSLATION_HTTP_API_KEY = "wrong"
    result = translate("hello", source="en", target="es")
    assert (result.translated, result.text, result.reason) == (False, "hello", "engine_failed")
    assert "not working" in result.notice


def test_an_overloaded_server_raises_for_the_task_to_retry(libretranslate, teacher, send):
    libretranslate.fail_with = 503
    message = send(teacher, "hello", "en")
    with pytest.raises(TranslationFailed):
        translation_get_or_create(obj=message, field="body", language="es")
    assert not StoredTranslation.objects.exists()
    with pytest.raises(TranslationError, match="503"):
        HttpEngine().translate("hello", "en", "es")


def test_an_unreachable_server_supports_nothing():
    engine = HttpEngine(url="http://127.0.0.1:9", timeout=2)
    assert engine.is_available()
    assert engine.pairs() == set()
    assert not HttpEngine(url="").is_available()


def test_glossary_placeholders_pass_through_the_server(libretranslate, school):
    GlossaryTerm.objects.create(school=school, term="EHCP")
    result = translate("hello EHCP meeting", source="en", target="es", school=school)
    assert result.text == "hola EHCP reunión"
    assert libretranslate.requests[-1]["q"] == "hello ZXQ0QXZ meeting"


def test_the_task_stores_one_translation_and_asks_the_server_once(libretranslate, teacher, parent, send):
    message = send(teacher, "hello", "en")
    first = translate_field.delay("messaging.message", message.pk, "body", "es").get()
    second = translate_message.delay(message.pk, "es").get()  # the name jobs queued before had
    assert first == second
    assert [request["q"] for request in libretranslate.requests].count("hello") == 1
    row = StoredTranslation.objects.get(pk=first)
    assert (row.body, row.engine, row.source_language, row.language) == ("hola", "http", "en", "es")


def test_a_pair_nobody_covers_is_remembered_as_unavailable(libretranslate, teacher, send):
    message = send(teacher, "hello", "en")
    row = translation_get_or_create(obj=message, field="body", language="sw")
    assert is_unavailable(row)
    assert row.body == ""
    assert libretranslate.requests == []
    assert translate_message.delay(message.pk, "sw").get() == row.pk


def test_a_retracted_message_is_not_translated(libretranslate, teacher, send):
    from django.utils import timezone

    message = send(teacher, "hello", "en")
    message.retracted_at = timezone.now()
    message.save()
    assert translate_message.delay(message.pk, "es").get() is None
    assert translate_message.delay(10**9, "es").get() is None
    assert libretranslate.requests == []


def test_a_silent_server_is_not_asked_again_for_every_message(http_server):
    url, _ = http_server
    engine = HttpEngine(url=url + "/nothing-here")
    assert engine.pairs() == set()
    with mock.patch("messaging.translation.engines.http.requests.get") as get:
        assert engine.pairs() == set()
    get.assert_not_called()
