"""Announcements' translated fields (messaging.translation.registry), registered by
MessagingConfig.ready(): the title, body and question, under the school's glossary."""

from messaging.announcements.models import Announcement
from messaging.services.translations import notifications_follow
from messaging.translation import registry


def register_translated_fields() -> None:
    for field in ("title", "body", "question"):
        registry.register(
            Announcement,
            field,
            school=lambda announcement: announcement.school,
            source_language=lambda announcement: announcement.language,
            translatable=lambda announcement: announcement.status != Announcement.Status.CANCELLED,
            on_stored=title_translation_stored if field == "title" else None,
            select_related=("school",),
        )


def title_translation_stored(announcement: Announcement, translation) -> None:
    """In the translation worker, once the title is stored in a language: the notifications its
    families of that language already have name it translated (and the emails and texts not yet
    sent go so)."""
    notifications_follow(translation, target=announcement, original=announcement.title)
