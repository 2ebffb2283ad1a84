"""Messaging's calls into the translation engine (messaging.translation, messaging.tasks).

Language codes here are primary subtags ("en", "es"): a reader whose interface is "en-gb"
reads English, and one translation per primary language is cached.
"""

from django.utils.translation import gettext as _


def base(code: str | None) -> str:
    return (code or "").split("-")[0].split("_")[0].lower()


def language_name(code: str) -> str:
    """The language's name as it reads inside a sentence of the interface language
    ("Translated from Spanish", "Traducido desde inglés")."""
    from messaging.translation.languages import language_name as name_of

    return name_of(code, in_sentence=True) or code or _("another language")


def detect(text: str, *, fallback: str) -> str:
    """The primary language `text` is written in, or `fallback` when detection is unsure."""
    from messaging.translation import detect_language

    try:
        found = detect_language(text)
    except Exception:  # noqa: BLE001 - detection is a guess; a failure must not stop a message
        found = ""
    found = getattr(found, "language", found) or ""
    return base(found) or base(fallback)


def queue_field_translation(label: str, object_id: int, field: str, language: str) -> None:
    """Ask the translation worker for `field` of the object (`label`, `object_id`) in `language`
    (idempotent on its side)."""
    from messaging.tasks import translate_field

    translate_field.delay(label, object_id, field, language)


def queue_translation(message_id: int, language: str) -> None:
    """Ask the translation worker for message `message_id`'s body in `language`."""
    queue_field_translation("messaging.message", message_id, "body", language)
