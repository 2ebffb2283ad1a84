"""The translate() contract, detection and the glossary, independent of any one engine."""

import importlib.util

import pytest

from messaging.models import GlossaryTerm
from messaging.translation import can_translate, detect_language, translate
from messaging.translation import glossary as glossary_module
from messaging.translation.glossary import Term, protect, restore, terms_for, translate_with_glossary
from messaging.translation.languages import normalise
from tests.conftest import require

pytestmark = pytest.mark.usefixtures("isolated_translation")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hola, mañana mi hijo no puede ir al colegio porque está enfermo.", "es"),
        ("Hello, my son cannot come to school tomorrow because he is ill.", "en"),
        ("Dzień dobry, syn jest dzisiaj chory i nie przyjdzie do szkoły.", "pl"),
        ("ok", None),
        ("12:30", None),
        ("", None),
    ],
)
def test_detect_language_names_the_language_or_admits_it_is_unsure(text, expected):
    require(importlib.util.find_spec("py3langid") is not None, "py3langid is not installed (requirements.lock)")
    assert detect_language(text) == expected


def test_language_codes_are_reduced_to_primary_subtags():
    assert normalise("en-gb") == "en"
    assert normalise("en_GB") == "en"
    assert normalise("ES") == "es"
    assert normalise(None) == ""


@pytest.mark.django_db
def test_a_pair_no_engine_covers_shows_the_original_with_a_notice():
    # Nothing on any machine here translates Swahili into Welsh.
    result = translate("Habari, mtoto wako anaendeleaje shuleni?", source="sw", target="cy")
    assert result.translated is False
    assert result.text == "Habari, mtoto wako anaendeleaje shuleni?"
    assert result.reason == "no_engine"
    assert "Swahili" in result.notice
    assert "Welsh" in result.notice
    assert not can_translate("sw", "cy")


@pytest.mark.django_db
def test_the_same_language_is_not_translated_and_needs_no_notice():
    result = translate("Hello", source="en-gb", target="en")
    assert (result.translated, result.text, result.notice, result.reason) == (False, "Hello", "", "same_language")


@pytest.mark.django_db
def test_an_undetectable_language_is_shown_as_written_with_a_notice():
    result = translate("ok 👍", source=None, target="es")
    assert result.translated is False
    assert result.text == "ok 👍"
    assert result.reason == "unknown_source"
    assert result.notice


@pytest.mark.django_db
def test_empty_text_stays_empty_without_a_notice():
    result = translate("   ", source="en", target="es")
    assert (result.translated, result.text, result.notice) == (False, "   ", "")


def test_translate_needs_a_target():
    with pytest.raises(ValueError, match="target"):
        translate("Hello", source="en", target="")


# --- Glossary ---------------------------------------------------------------------------------

TERMS = [Term("EHCP"), Term("Year 6"), Term("SENCo", "coordinador/a de NEE")]


def test_protect_swaps_whole_words_case_insensitively_and_restore_swaps_them_back():
    protected, replacements = protect("The ehcp review for year  6 is with the SENCo. EHCPs differ.", TERMS)
    assert protected == "The ZXQ0QXZ review for ZXQ1QXZ is with the ZXQ2QXZ. EHCPs differ."
    assert replacements == ["ehcp", "year  6", "coordinador/a de NEE"]
    assert restore("La revisión ZXQ0QXZ de ZXQ1QXZ es con ZXQ2QXZ.", replacements) == (
        "La revisión ehcp de year  6 es con coordinador/a de NEE."
    )


def test_restore_refuses_a_translation_that_lost_or_duplicated_a_placeholder():
    assert restore("La revisión de ZXQ1QXZ", ["EHCP", "Year 6"]) is None
    assert restore("ZXQ0QXZ ZXQ0QXZ ZXQ1QXZ", ["EHCP", "Year 6"]) is None


def test_the_longest_term_wins():
    protected, replacements = protect("Year 6 and Year 62", [Term("Year 6"), Term("Year 62")])
    assert protected == "ZXQ0QXZ and ZXQ1QXZ"
    assert replacements == ["Year 6", "Year 62"]


def test_an_engine_that_mangles_placeholders_gets_the_text_in_pieces_between_the_terms():
    seen = []

    def mangling_engine(text):
        seen.append(text)
        return text.upper().replace("ZXQ", "zx q")  # what a neural model might do to a placeholder

    result = translate_with_glossary("Your EHCP review is in Year 6, ok?", TERMS, mangling_engine)
    assert result == "YOUR EHCP REVIEW IS IN Year 6, OK?"
    assert seen == ["Your ZXQ0QXZ review is in ZXQ1QXZ, ok?", "Your", "review is in", ", ok?"]


def test_text_without_terms_goes_to_the_engine_untouched():
    assert translate_with_glossary("hello", TERMS, str.upper) == "HELLO"


@pytest.mark.django_db
def test_a_term_for_one_language_beats_the_same_term_for_all(school, other_school):
    GlossaryTerm.objects.create(school=school, term="SENCo", language="", translation="")
    GlossaryTerm.objects.create(school=school, term="senco", language="es", translation="coordinador/a de NEE")
    GlossaryTerm.objects.create(school=school, term="CBC", language="pl", translation="")
    GlossaryTerm.objects.create(school=other_school, term="EHCP", language="", translation="")
    assert terms_for(school, "es") == [Term("senco", "coordinador/a de NEE")]
    assert terms_for(school, "cy") == [Term("SENCo", "")]
    assert terms_for(None, "es") == []
    assert glossary_module.term_pattern([]) is None
