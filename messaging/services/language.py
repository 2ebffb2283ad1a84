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


# --- what messaging translates (messaging.translation.registry) ------------------------------


def register_translated_fields() -> None:
    """Declare messaging's translated fields: message bodies and conversation subjects, both
    under the conversation's school's glossary. Called from MessagingConfig.ready()."""
    from messaging.models import Conversation, Message
    from messaging.translation import registry

    registry.register(
        Message,
        "body",
        school=lambda message: message.conversation.school,
        source_language=lambda message: message.language,
        translatable=lambda message: not message.is_retracted,
        on_stored=_message_translation_stored,
        select_related=("conversation__school",),
    )
    registry.register(
        Conversation,
        "subject",
        school=lambda conversation: conversation.school,
        source_language=subject_language,
        select_related=("school",),
    )


def subject_language(conversation) -> str:
    """The language a subject is written in: its first message's (detected from a whole message,
    and confirmable by the writer, where a few words of a subject are too short to tell)."""
    first = conversation.messages.order_by("created_at", "pk").values_list("language", flat=True).first()
    return base(first)


def _message_translation_stored(message, translation) -> None:
    """In the translation worker, once a message's translation is stored."""
    from messaging.services.messages import translation_ready
    from messaging.services.safeguarding import message_translation_scan
    from messaging.translation.cache import is_unavailable, stored_translations

    if not is_unavailable(translation):
        # Open pages swap "translating..." for the translation.
        translation_ready(message_id=message.pk, language=translation.language)
    message_translation_scan(message=message, translation=translation)
    # The conversation's subject follows its messages into each reader's language: queued with the
    # first message's translations when a conversation starts, and for anyone who joins later.
    subject_is_current = (
        stored_translations(message.conversation, "subject")
        .filter(language=translation.language, glossary_version=translation.glossary_version)
        .exists()
    )
    if not subject_is_current and translation.language != subject_language(message.conversation):
        queue_field_translation("messaging.conversation", message.conversation_id, "subject", translation.language)
