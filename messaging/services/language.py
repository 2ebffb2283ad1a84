"""Messaging's calls into the translation engine (messaging.translation, messaging.tasks).

Language codes here are primary subtags ("en", "es"): a reader whose interface is "en-gb"
reads English, and one translation per primary language is cached.
"""

from django.utils.translation import get_language_info
from django.utils.translation import gettext as _


def base(code: str | None) -> str:
    return (code or "").split("-")[0].split("_")[0].lower()


def language_name(code: str) -> str:
    """The language's name in the active interface language ("Spanish", "Sbaeneg" ...)."""
    try:
        return str(get_language_info(base(code))["name_translated"])
    except KeyError:
        return code or _("another language")


def detect(text: str, *, fallback: str) -> str:
    """The primary language `text` is written in, or `fallback` when detection is unsure."""
    from messaging.translation import detect_language

    try:
        found = detect_language(text)
    except Exception:  # noqa: BLE001 - detection is a guess; a failure must not stop a message
        found = ""
    found = getattr(found, "language", found) or ""
    return base(found) or base(fallback)


def queue_translation(message_id: int, language: str) -> None:
    """Ask the translation worker for `message_id` in `language` (idempotent on its side)."""
    from messaging.tasks import translate_message

    translate_message.delay(message_id, language)
