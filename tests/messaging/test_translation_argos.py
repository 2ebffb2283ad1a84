"""The Argos path with real (tiny) CTranslate2 + SentencePiece packages built by the tests:
install from a file and from a package index, list, translate, pivot through English, glossary.

The packages' Transformers are hand-set word-for-word dictionaries (tests/messaging/argos_models.py),
so their output is predictable: en→es turns "hello" into "hola", en→pl into "cześć"."""

import io
import json
import zipfile
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from messaging.models import GlossaryTerm, StoredTranslation
from messaging.tasks import translate_message
from messaging.translation import available_pairs, translate
from messaging.translation.cache import UNAVAILABLE
from messaging.translation.engines.argos import ArgosEngine, PunctuationSentencizer
from messaging.translation.packages import PackageError, install_from_file, installed_packages

pytestmark = [pytest.mark.usefixtures("isolated_translation"), pytest.mark.django_db]


def install(*paths):
    out = io.StringIO()
    args = []
    for path in paths:
        args += ["--file", str(path)]
    call_command("install_translation_models", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def argos_only(settings):
    settings.TRANSLATION_ENGINES = ["argos"]


def test_install_from_files_then_list(argosmodels, argos_dir):
    output = install(argosmodels[("en", "es")], argosmodels[("en", "pl")])
    assert "Installed en→es" in output
    assert "Installed en→pl" in output
    assert [package.pair for package in installed_packages(argos_dir)] == [("en", "es"), ("en", "pl")]

    out = io.StringIO()
    call_command("install_translation_models", "--list", stdout=out)
    listing = out.getvalue()
    assert f"Argos models in {argos_dir}" in listing
    assert "en→es  1.0  translate-en_es" in listing
    assert "argos: en→es, en→pl" in listing


def test_translates_through_the_installed_model(argosmodels, argos_only):
    install(argosmodels[("en", "es")])
    result = translate("hello, thanks for the meeting.", source="en-gb", target="es")
    assert (result.translated, result.engine) == (True, "argos")
    assert result.text == "hola, gracias for the reunión."


def test_keeps_paragraphs_and_splits_sentences(argosmodels, argos_only):
    install(argosmodels[("en", "es")])
    result = translate("hello. thanks!\n\nmeeting?", source="en", target="es")
    assert result.text == "hola. gracias!\n\nreunión?"
    assert PunctuationSentencizer().split_sentences("One. Two! Three") == ["One.", "Two!", "Three"]


def test_pivots_through_english_when_no_direct_package(argosmodels, argos_only, argos_dir):
    install(argosmodels[("es", "en")], argosmodels[("en", "pl")])
    engine = ArgosEngine()
    assert engine.pairs() == {("es", "en"), ("en", "pl"), ("es", "pl")}
    assert [package.pair for package in engine.route("es", "pl")] == [("es", "en"), ("en", "pl")]
    result = translate("hola, gracias", source="es", target="pl")
    assert (result.translated, result.engine, result.text) == (True, "argos", "cześć, dziękuję")
    assert not engine.route("pl", "es")


def test_glossary_placeholders_survive_the_model_and_the_pivot(argosmodels, argos_only, school):
    install(argosmodels[("es", "en")], argosmodels[("en", "pl")])
    GlossaryTerm.objects.create(school=school, term="EHCP")
    GlossaryTerm.objects.create(school=school, term="Year 6", language="pl", translation="Klasa 6")
    with mock.patch.object(ArgosEngine, "translate", autospec=True, side_effect=ArgosEngine.translate) as spy:
        result = translate("hola, EHCP reunión Year 6", source="es", target="pl", school=school)
    assert result.text == "cześć, EHCP spotkanie Klasa 6"
    # One call with the placeholders in: the model kept them, no piecewise fallback was needed.
    assert [call.args[1] for call in spy.call_args_list] == ["hola, ZXQ0QXZ reunión ZXQ1QXZ"]


def test_a_message_is_cached_after_one_argos_translation(argosmodels, argos_only, teacher, send):
    install(argosmodels[("en", "es")])
    message = send(teacher, "hello, thanks", "en")
    with mock.patch.object(ArgosEngine, "translate", autospec=True, side_effect=ArgosEngine.translate) as spy:
        first = translate_message.delay(message.pk, "es").get()
        second = translate_message.delay(message.pk, "es").get()
    assert first == second
    assert [call.args[1] for call in spy.call_args_list].count("hello, thanks") == 1
    assert StoredTranslation.objects.get(pk=first).body == "hola, gracias"


def test_installing_a_model_forgets_messages_that_had_no_translation(argosmodels, argos_only, teacher, send):
    message = send(teacher, "hello", "en")
    row_id = translate_message.delay(message.pk, "pl").get()
    assert StoredTranslation.objects.get(pk=row_id).engine == UNAVAILABLE

    output = install(argosmodels[("en", "pl")])
    # The message and its conversation's subject: neither had a translation into Polish.
    assert "2 text(s) without a translation will be translated again" in output
    row_id = translate_message.delay(message.pk, "pl").get()
    assert StoredTranslation.objects.get(pk=row_id).body == "cześć"


def test_reinstalling_a_pair_replaces_the_old_package(argosmodels, argos_dir):
    install(argosmodels[("en", "es")])
    (argos_dir / "translate-en_es").rename(argos_dir / "translate-en_es-0_9")
    install(argosmodels[("en", "es")])
    assert [package.path.name for package in installed_packages(argos_dir)] == ["translate-en_es"]


def test_install_from_a_package_index(argosmodels, argos_only, argos_dir, http_server):
    url, server = http_server
    index = [
        {"type": "translate", "from_code": "en", "to_code": "es", "package_version": "1.0", "links": ["es.argosmodel"]},
        {"from_code": "en", "to_code": "pl", "package_version": "0.9", "links": [f"{url}/missing.argosmodel"]},
        {
            "from_code": "en",
            "to_code": "pl",
            "package_version": "1.1",
            "links": [f"{url}/missing.argosmodel", f"{url}/models/translate-en_pl.argosmodel"],
        },
    ]
    server.files["/index/index.json"] = (json.dumps(index).encode(), "application/json")
    server.files["/models/translate-en_pl.argosmodel"] = (argosmodels[("en", "pl")].read_bytes(), "application/zip")

    out = io.StringIO()
    call_command("install_translation_models", "--index-url", f"{url}/index/", "--from", "en", "--to", "pl", stdout=out)
    assert "Installed en→pl" in out.getvalue()
    assert [package.pair for package in installed_packages(argos_dir)] == [("en", "pl")]
    assert translate("hello", source="en", target="pl").text == "cześć"

    with pytest.raises(CommandError, match="no en→cy package"):
        call_command(
            "install_translation_models", "--index-url", f"{url}/index/index.json", "--from", "en", "--to", "cy"
        )
    with pytest.raises(CommandError, match="every download failed"):
        call_command("install_translation_models", "--index-url", f"{url}/index/", "--from", "en", "--to", "es")
    with pytest.raises(CommandError, match="package index"):
        call_command("install_translation_models", "--index-url", f"{url}/nowhere/", "--from", "en", "--to", "es")


def _zip(tmp_path, files: dict[str, str]):
    path = tmp_path / "bad.argosmodel"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def test_unsafe_or_incomplete_packages_are_refused(tmp_path, argos_dir):
    not_a_zip = tmp_path / "notes.argosmodel"
    not_a_zip.write_text("hello")
    with pytest.raises(CommandError, match="not an .argosmodel"):
        install(not_a_zip)
    metadata = json.dumps({"from_code": "en", "to_code": "es"})
    complete = {"p/model/model.bin": "x", "p/sentencepiece.model": "x"}
    with pytest.raises(PackageError, match="unsafe path"):
        install_from_file(_zip(tmp_path, {"p/metadata.json": metadata, "../evil": "x", **complete}), argos_dir)
    with pytest.raises(PackageError, match="no metadata.json"):
        install_from_file(_zip(tmp_path, complete), argos_dir)
    with pytest.raises(PackageError, match="exactly one folder"):
        install_from_file(_zip(tmp_path, {"p/metadata.json": metadata, "q/x": "x", **complete}), argos_dir)
    with pytest.raises(PackageError, match="from_code"):
        install_from_file(_zip(tmp_path, {"p/metadata.json": "{}", **complete}), argos_dir)
    assert installed_packages(argos_dir) == []


def test_without_argostranslate_the_engine_is_unavailable(argosmodels, argos_only):
    install(argosmodels[("en", "es")])
    with mock.patch("messaging.translation.engines.argos.argos_installed", return_value=False):
        assert available_pairs() == {"argos": set()}
        result = translate("hello", source="en", target="es")
    assert (result.translated, result.text, result.reason) == (False, "hello", "no_engine")
