"""Translations of messages, stored once per message and language (MessageTranslation).

A pair that no engine covers is remembered too, as a row with engine "none" and an empty body,
so the worker does not try again for every reader; `unavailable_translations_forget` clears
those rows after an operator installs a model.
"""

import logging

from django.db import IntegrityError, transaction

from messaging.models import Message, MessageTranslation

from . import translate
from .engines import TranslationError
from .languages import normalise

logger = logging.getLogger(__name__)

UNAVAILABLE = "none"


class TranslationFailed(TranslationError):
    """Engines cover the pair but all failed just now: worth retrying later."""


def is_unavailable(row: MessageTranslation | None) -> bool:
    """True for the row that says no engine could translate the message into that language."""
    return row is not None and row.engine == UNAVAILABLE


def message_translation_get_or_create(*, message: Message, language: str) -> MessageTranslation | None:
    """The stored translation of `message` into `language`, translating it on the first call.

    Returns None when there is nothing to translate (the reader's language is the one it was
    written in, the body is empty, or the message was retracted): the reader sees the original.
    Returns an `is_unavailable` row when no engine covers the pair. Raises TranslationFailed when
    the engines that cover the pair failed, so the task retries.
    """
    language = normalise(language)
    existing = MessageTranslation.objects.filter(message=message, language=language).first()
    if existing is not None:
        return existing
    if message.is_retracted or not (message.body or "").strip():
        return None
    school = message.conversation.school
    # No transaction is held while an engine works: translation can take seconds.
    result = translate(message.body, source=message.language or None, target=language, school=school)
    if result.reason in ("same_language", "empty", "unknown_source"):
        return None
    if result.reason == "engine_failed":
        raise TranslationFailed(result.notice)
    try:
        with transaction.atomic():
            return MessageTranslation.objects.create(
                message=message,
                language=language,
                body=result.text if result.translated else "",
                engine=result.engine if result.translated else UNAVAILABLE,
                source_language=result.source,
            )
    except IntegrityError:
        # Another worker stored it first; theirs is as good as ours.
        return MessageTranslation.objects.get(message=message, language=language)


def unavailable_translations_forget() -> int:
    """Forget every 'no engine covers this pair' row, so those messages are translated again."""
    deleted, _ = MessageTranslation.objects.filter(engine=UNAVAILABLE).delete()
    return deleted
