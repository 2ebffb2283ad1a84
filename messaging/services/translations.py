"""What messaging machine-translates (messaging.translation.registry), and what happens when a
translation is stored: message bodies and conversation subjects, under the conversation's
school's glossary. Nothing here is imported by the other services: MessagingConfig.ready()
registers it, and the translation worker calls back into it.
"""

from django.db import transaction
from django.db.models.signals import post_save

from accounts.models import School
from messaging.models import Conversation, Message, MessageTemplate, StoredTranslation
from messaging.services import language as languages
from messaging.services import notify_bridge
from messaging.services.messages import translation_ready
from messaging.services.safeguarding import message_translation_scan
from messaging.translation import registry
from messaging.translation.cache import is_unavailable, stored_translations


def register_translated_fields() -> None:
    """Declare messaging's translated fields. Called from MessagingConfig.ready()."""
    registry.register(
        Message,
        "body",
        school=_school_of_message,
        source_language=lambda message: message.language,
        translatable=lambda message: not message.is_retracted,
        on_stored=message_translation_stored,
        select_related=("conversation__school",),
    )
    registry.register(
        Conversation,
        "subject",
        school=lambda conversation: conversation.school,
        source_language=subject_language,
        on_stored=subject_translation_stored,
        select_related=("school",),
    )
    # A school's own templates, into each writer's language (the built-in ones are in the catalogue).
    for field in ("title", "body"):
        registry.register(
            MessageTemplate,
            field,
            school=lambda template: template.school,
            source_language=lambda template: template.language,
            translatable=lambda template: template.is_active,
            select_related=("school",),
            changed_at=lambda template: template.updated_at,
        )
    post_save.connect(_template_saved, sender=MessageTemplate, dispatch_uid="messaging.translations.template_saved")


def _template_saved(sender, instance: MessageTemplate, **kwargs) -> None:
    from messaging.services.templates import template_saved

    # After the commit: the worker must find the new words, and a rolled-back edit asks for nothing.
    transaction.on_commit(lambda: template_saved(template=instance))


def _school_of_message(message: Message) -> School:
    return message.conversation.school


def subject_language(conversation: Conversation) -> str:
    """The language a subject is written in: its first message's (detected from a whole message,
    and confirmable by the writer, where a few words of a subject are too short to tell)."""
    first = conversation.messages.order_by("created_at", "pk").values_list("language", flat=True).first()
    return languages.base(first)


def subject_translation_stored(conversation: Conversation, translation: StoredTranslation) -> None:
    """In the translation worker, once a conversation's subject is stored in a language: the
    "new message" notifications its readers of that language already have name it translated."""
    notifications_follow(translation, target=conversation, original=conversation.subject)


def notifications_follow(translation: StoredTranslation, *, target, original: str) -> None:
    """Once `original` (what `target` says: a subject, an announcement's title) is stored in
    `translation`'s language, the notifications about `target` of that language's readers name it
    so (`notifications_retitle`), and their emails and texts that waited for it go. When no engine
    covers the language, the titles stay as written and the emails go all the same."""
    notify_bridge.notifications_retitle(
        target=target,
        language=translation.language,
        original=original,
        translated="" if is_unavailable(translation) else translation.body,
    )


def message_translation_stored(message: Message, translation: StoredTranslation) -> None:
    """In the translation worker, once a message's translation is stored (again when a job runs
    twice: each step is idempotent)."""
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
        languages.queue_field_translation(
            "messaging.conversation", message.conversation_id, "subject", translation.language
        )
