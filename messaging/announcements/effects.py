"""Outbox handlers for announcements (the contract is in `hub.outbox`); imported by
MessagingConfig.ready(). Each is idempotent: receipts say who already has an announcement, a
stored translation is reused, a reminded family is stamped."""

import datetime

from hub import outbox
from hub.models import OutboxEntry
from messaging.announcements import services
from messaging.translation.cache import translation_store

TRANSLATED_FIELDS = ("title", "body", "question")


def translate(announcement_id: int, language: str) -> None:
    """Store the announcement's title, body and question in `language`: once per language, however many
    families read it. TranslationFailed means "try again later"."""
    for field in TRANSLATED_FIELDS:
        translation_store(label=services.LABEL, object_id=announcement_id, field=field, language=language)


@outbox.handler(services.FANOUT, queue="realtime")
def announcement_fanout(entry: OutboxEntry) -> None:
    services.announcement_fanout(announcement_id=entry.object_id, after=int(entry.payload.get("after", 0)))


@outbox.handler(services.TRANSLATE, queue="translation")
def announcement_translate(entry: OutboxEntry) -> None:
    translate(entry.object_id, entry.payload["language"])


@outbox.handler(services.REMIND, queue="realtime")
def announcement_remind(entry: OutboxEntry) -> None:
    services.announcement_remind_deliver(
        announcement_id=entry.object_id, at=datetime.datetime.fromisoformat(entry.payload["at"])
    )
