"""A resource in a family's language, through messaging's generic stored translations.

The title and text of a resource published to families are declared translatable (registered by
ResourcesConfig.ready()). A family whose language is not the one the resource was written in sees
the stored machine translation, labelled, with the original one tap away. The translation itself
is made by an outbox job on the "translation" queue (never in the request): the first family in a
language to open the page asks for it, and sees the original until it is stored.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

from hub import outbox
from hub.models import OutboxEntry
from messaging.models import StoredTranslation
from messaging.services.language import base, detect, language_name
from messaging.translation import registry
from messaging.translation.cache import translation_store
from resources.models import Resource, Status, sanitise

LABEL = "resources.resource"
TRANSLATE = "resources.translate"
FIELDS = ("title", "body")


def for_families(resource: Resource) -> bool:
    return resource.published_to_families and resource.status == Status.PUBLISHED and resource.deleted_at is None


def register_translated_fields() -> None:
    for field in FIELDS:
        registry.register(
            Resource,
            field,
            school=lambda resource: resource.school,
            # No language is recorded on a resource: the engine detects it from the text.
            translatable=for_families,
            select_related=("school",),
            changed_at=lambda resource: resource.updated_at,
        )


@outbox.handler(TRANSLATE, queue="translation")
def resource_translate(entry: OutboxEntry) -> None:
    # A stored, up-to-date translation is reused: running again after a failure redoes the rest.
    for field in FIELDS:
        translation_store(label=LABEL, object_id=entry.object_id, field=field, language=entry.payload["language"])


@dataclass(frozen=True)
class Translated:
    title: str
    body: SafeString
    lang: str  # the reader's language, for the lang attribute
    language: str  # its name, for "Read it in Spanish"
    translated_from: str
    source_lang: str


_LINKS = re.compile(r'\b(src|href)="[^"]*"')


def _keep_addresses(original: str, translated: str) -> str:
    """The engine translates text only, but it sees the addresses of pictures and links as text
    too: put each one back, in order, from the original."""
    addresses = iter(match.group(0) for match in _LINKS.finditer(original))
    return _LINKS.sub(lambda match: next(addresses, match.group(0)), translated)


def translated_for(*, user, resource: Resource) -> Translated | None:
    """The resource in `user`'s language when a translation is stored; None shows the original
    (not for families, same language, or not translated yet). Asks the translation job for a
    missing or stale one (a stale one is shown meanwhile)."""
    language = base(getattr(user, "preferred_language", "") or "")
    if not language or not for_families(resource):
        return None
    rows = {
        row.field: row
        for row in StoredTranslation.objects.filter(
            content_type__app_label="resources",
            content_type__model="resource",
            object_id=resource.pk,
            field__in=FIELDS,
            language=language,
        )
    }
    body = rows.get("body")
    if body is None and detect(f"{resource.title}\n{resource.plain_body}", fallback=language) == language:
        # Written in the reader's language (a guess, made in memory): nothing to ask the job for.
        return None
    fresh = body is not None and body.created_at >= resource.updated_at
    if not fresh and (body is None or body.engine != "none"):
        translation_request(resource=resource, language=language)
    if body is None or not body.body or base(body.source_language) == language:
        return None
    title = rows.get("title")
    return Translated(
        title=title.body if title is not None and title.body else resource.title,
        # Engine output is text from outside: sanitised like the author's own.
        body=mark_safe(sanitise(_keep_addresses(resource.body, body.body))),  # noqa: S308 (nh3-sanitised)
        lang=language,
        language=language_name(language),
        translated_from=language_name(body.source_language),
        source_lang=base(body.source_language),
    )


def translation_request(*, resource: Resource, language: str) -> None:
    """One job per language and per edit of the resource (the key), however many families ask."""
    with transaction.atomic():
        outbox.record(
            TRANSLATE,
            target=resource,
            key=f"{language}:{resource.updated_at.timestamp():.0f}",
            payload={"language": language},
        )
