"""Stored translations: one row per object, field and language (StoredTranslation).

Any field an app declared in `messaging.translation.registry` is translated here: a message's
body, a conversation's subject, and later a strategy, an announcement or an event.

A pair that no engine covers is remembered too, as a row with engine "none" and an empty body,
so the worker does not try again for every reader; `unavailable_translations_forget` clears
those rows after an operator installs a model. A row made with another version of the school's
glossary is stale: it is still shown, and translated again on the next request.
"""

import hashlib
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language

from messaging.models import StoredTranslation

from . import glossary, registry, translate
from .engines import TranslationError
from .languages import normalise

logger = logging.getLogger(__name__)

UNAVAILABLE = "none"
_FROM_REGISTRY = object()


class TranslationFailed(TranslationError):
    """Engines cover the pair but all failed just now: worth retrying later."""


def is_unavailable(row: StoredTranslation | None) -> bool:
    """True for the row that says no engine could translate the field into that language."""
    return row is not None and row.engine == UNAVAILABLE


def glossary_version(school, language: str) -> str:
    """A short fingerprint of the glossary terms that apply when translating into `language` for
    `school`: "" when there are none, so a school that never had a glossary never sees a
    translation go stale."""
    terms = glossary.terms_for(school, language)
    if not terms:
        return ""
    lines = sorted(f"{term.term}\t{term.translation}" for term in terms)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]


def stored_translations(obj: models.Model, field: str):
    """Every stored translation of `obj`.`field` (a queryset)."""
    return StoredTranslation.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, field=field
    )


def translated_texts(obj: models.Model, field: str) -> dict[str, str]:
    """`obj`.`field`'s stored machine translations, by language ("es": the words): one query. For
    text written once for many readers (a notification's title) in each one's language."""
    return texts_and_languages_tried(obj, field)[0]


def texts_and_languages_tried(obj: models.Model, field: str) -> tuple[dict[str, str], set[str]]:
    """`translated_texts`, and every language a translation was stored in, including those no
    engine covers (nothing more is coming for those): one query."""
    texts, tried = {}, set()
    for language, engine, body in stored_translations(obj, field).values_list("language", "engine", "body"):
        tried.add(language)
        if engine != UNAVAILABLE and body:
            texts[language] = body
    return texts, tried


def _in_active_language(texts: dict[str, str], original: str) -> str:
    return texts.get(normalise(get_language()), original)


# `texts` (from `translated_texts`) in the language active when the result is turned into a
# string, else `original`: a title written once for many readers (a notification's, which
# `notify_many` evaluates in each one's language). Made lazy once: `lazy()` builds a proxy class
# at each call.
in_active_language = lazy(_in_active_language, str)


def translation_get_or_create(
    *, obj: models.Model, field: str, language: str, school=_FROM_REGISTRY
) -> StoredTranslation | None:
    """The stored translation of `obj`.`field` into `language`, translating it on the first call
    (and again when the school's glossary changed since it was stored).

    `school` (whose glossary applies) defaults to what the registry declares for the field.
    Returns None when there is nothing to translate (the reader's language is the one it was
    written in, the text is empty, or the registry says the object is not to be translated, like a
    retracted message): the reader sees the original. Returns an `is_unavailable` row when no
    engine covers the pair. Raises TranslationFailed when the engines that cover the pair failed,
    so the task retries; LookupError for a field no app declared translatable.
    """
    declared = registry.for_object(obj, field)
    language = normalise(language)
    if school is _FROM_REGISTRY:
        school = declared.school(obj)
    existing = stored_translations(obj, field).filter(language=language).first()
    if existing is not None and is_unavailable(existing):
        # A glossary change brings no engine: `unavailable_translations_forget` clears these.
        return existing
    if existing is not None and existing.checked_at is not None:
        # A person checked it: better than anything an engine would make again.
        return existing
    text = getattr(obj, field) or ""
    if not declared.translatable(obj) or not text.strip():
        return existing
    version = glossary_version(school, language)
    changed_at = declared.changed_at(obj) if declared.changed_at is not None else None
    edited_since = existing is not None and changed_at is not None and existing.created_at < changed_at
    if existing is not None and existing.glossary_version == version and not edited_since:
        return existing
    # No transaction is held while an engine works: translation can take seconds.
    result = translate(text, source=declared.source_language(obj) or None, target=language, school=school)
    if result.reason in ("same_language", "empty", "unknown_source"):
        return existing
    if result.reason == "engine_failed":
        raise TranslationFailed(result.notice)
    values = {
        "body": result.text if result.translated else "",
        "engine": result.engine if result.translated else UNAVAILABLE,
        "source_language": result.source,
        "glossary_version": version,
        "school": school if isinstance(school, models.Model) else None,
    }
    if existing is not None:
        # Stale: the school's glossary or the text changed since. The new translation replaces it.
        for name, value in values.items():
            setattr(existing, name, value)
        existing.created_at = timezone.now()
        existing.save(update_fields=[*values, "created_at"])
        return existing
    try:
        with transaction.atomic():
            return StoredTranslation.objects.create(
                content_type=ContentType.objects.get_for_model(obj),
                object_id=obj.pk,
                field=field,
                language=language,
                **values,
            )
    except IntegrityError:
        # Another worker stored it first; theirs is as good as ours.
        return stored_translations(obj, field).get(language=language)


def translation_store(*, label: str, object_id: int, field: str, language: str) -> StoredTranslation | None:
    """Load the object, store its translation (`translation_get_or_create`) and tell its app
    (`on_stored`, also when the translation was already stored: every consumer is idempotent).
    None when the object is gone or there is nothing to translate."""
    declared = registry.lookup(label, field)
    queryset = declared.model._default_manager.all()
    if declared.select_related:
        queryset = queryset.select_related(*declared.select_related)
    obj = queryset.filter(pk=object_id).first()
    if obj is None:
        return None
    translation = translation_get_or_create(obj=obj, field=field, language=language)
    if translation is not None and declared.on_stored is not None:
        declared.on_stored(obj, translation)
    return translation


def unavailable_translations_forget() -> int:
    """Forget every 'no engine covers this pair' row, so that content is translated again."""
    deleted, _ = StoredTranslation.objects.filter(engine=UNAVAILABLE).delete()
    return deleted
