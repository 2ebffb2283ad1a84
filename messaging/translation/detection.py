"""Offline language detection with py3langid, limited to the languages Homeroom offers.

Short or ambiguous texts ("ok", "12:30") return None: the writer confirms the language instead.
"""

import functools
import logging
import re

from django.conf import settings

from .languages import normalise

logger = logging.getLogger(__name__)

LETTER = re.compile(r"[^\W\d_]")


def candidate_languages() -> tuple[str, ...]:
    """settings.TRANSLATION_DETECT_LANGUAGES, or the interface languages (settings.LANGUAGES)."""
    configured = getattr(settings, "TRANSLATION_DETECT_LANGUAGES", None)
    codes = configured or [code for code, _ in settings.LANGUAGES]
    return tuple(sorted({normalise(code) for code in codes if normalise(code)}))


@functools.lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...]):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(identifier.nb_classes)
    usable = [code for code in languages if code in known]
    if len(usable) < len(languages):
        logger.warning("Language detection cannot recognise: %s", sorted(set(languages) - known))
    identifier.set_languages(usable or None)
    return identifier


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code `text` is most likely written in, or None when unsure."""
    if len(LETTER.findall(text or "")) < 3:
        return None
    try:
        identifier = _identifier(candidate_languages())
    except ImportError:
        logger.warning("py3langid is not installed: language detection is off")
        return None
    code, confidence = identifier.classify(text)
    if confidence < getattr(settings, "TRANSLATION_DETECT_MIN_CONFIDENCE", 0.6):
        return None
    return normalise(code)
