"""Machine translation of content (messages, strategies, notices), offline, behind one call.

    result = translate(text, source="es", target="en-gb", school=school)
    result.text        # what to show; the original when nothing could translate it
    result.translated  # False → show result.notice beside the original

Engines (argos, apertium, http) are tried in the order of settings.TRANSLATION_ENGINES; the
first that covers the pair translates, with the school's glossary applied around it. The
original is never replaced: callers store translations beside it (see `cache`).
"""

import logging
import re

from django.utils.translation import gettext as _

from . import glossary
from .detection import detect_language
from .engines import TranslationError, configured_engines
from .languages import name as language_name
from .languages import normalise
from .result import TranslationResult

logger = logging.getLogger(__name__)

# A template's fields ({date}, {pupil}) are filled in after translation: an engine must keep them.
TEMPLATE_FIELD = re.compile(r"\{\w{1,40}\}")

__all__ = [
    "TranslationError",
    "TranslationResult",
    "available_pairs",
    "can_translate",
    "detect_language",
    "normalise",
    "translate",
    "unavailable_notice",
]


def unavailable_notice(source: str, target: str, reason: str = "no_engine") -> str:
    """What a reader is told beside an original that was not translated."""
    names = {"source": language_name(source), "target": language_name(target)}
    if reason == "unknown_source":
        return _("Shown as written: we could not tell which language this is in, so it was not translated.")
    if reason == "engine_failed":
        return _("Shown as written in %(source)s: translation into %(target)s is not working just now.") % names
    return _("Shown as written in %(source)s: there is no machine translation from %(source)s into %(target)s yet.") % (
        names
    )


def _engine_pairs(engine) -> set[tuple[str, str]]:
    try:
        return engine.pairs() if engine.is_available() else set()
    except Exception:
        logger.exception("Translation engine %s could not list its languages", engine.name)
        return set()


def available_pairs() -> dict[str, set[tuple[str, str]]]:
    """{engine name: its (source, target) pairs} for the configured engines."""
    return {engine.name: _engine_pairs(engine) for engine in configured_engines()}


def can_translate(source: str, target: str) -> bool:
    source, target = normalise(source), normalise(target)
    return source == target or any((source, target) in pairs for pairs in available_pairs().values())


def translate(text: str, *, source: str | None, target: str, school=None) -> TranslationResult:
    """`text` (written in `source`, detected when None or "") in `target`, with `school`'s
    glossary. Never raises for a missing pair or a failing engine: the result then carries the
    original text, translated=False and a notice."""
    source, target = normalise(source), normalise(target)
    if not target:
        raise ValueError("translate() needs a target language")

    def untranslated(reason: str, notice: str = "") -> TranslationResult:
        return TranslationResult(
            text=text, engine="", source=source, target=target, translated=False, notice=notice, reason=reason
        )

    if not text or not text.strip():
        return untranslated("empty")
    if not source:
        source = detect_language(text) or ""
        if not source:
            return untranslated("unknown_source", unavailable_notice("", target, "unknown_source"))
    if source == target:
        return untranslated("same_language")

    terms = glossary.terms_for(school, target)
    terms += [glossary.Term(term=field) for field in dict.fromkeys(TEMPLATE_FIELD.findall(text))]
    covered = False
    for engine in configured_engines():
        if (source, target) not in _engine_pairs(engine):
            continue
        covered = True
        try:
            translated = glossary.translate_with_glossary(
                text, terms, lambda piece, engine=engine: engine.translate(piece, source, target)
            )
        except TranslationError as error:
            logger.warning("Translation engine %s failed %s→%s: %s", engine.name, source, target, error)
            continue
        except Exception:
            logger.exception("Translation engine %s broke on %s→%s", engine.name, source, target)
            continue
        if not translated.strip():
            logger.warning("Translation engine %s returned nothing for %s→%s", engine.name, source, target)
            continue
        return TranslationResult(text=translated, engine=engine.name, source=source, target=target, translated=True)

    reason = "engine_failed" if covered else "no_engine"
    return untranslated(reason, unavailable_notice(source, target, reason))
