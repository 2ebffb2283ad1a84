"""Announcements' translated fields (messaging.translation.registry), registered by
MessagingConfig.ready(): the title, body and question, under the school's glossary."""

from messaging.announcements.models import Announcement
from messaging.translation import registry


def register_translated_fields() -> None:
    for field in ("title", "body", "question"):
        registry.register(
            Announcement,
            field,
            school=lambda announcement: announcement.school,
            source_language=lambda announcement: announcement.language,
            translatable=lambda announcement: announcement.status != Announcement.Status.CANCELLED,
            select_related=("school",),
        )
