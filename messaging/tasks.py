"""Celery entry points for messaging: an id in, a service call, retries."""

from celery import shared_task

from messaging.models import Message
from messaging.translation.cache import TranslationFailed, is_unavailable, message_translation_get_or_create


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TranslationFailed,),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
)
def translate_message(self, message_id: int, language: str) -> int | None:
    """Store `message_id` translated into `language`; a stored translation is reused as it is.
    A translation into the school's language is scanned for safeguarding phrases (again, when the
    job runs twice: the scan is idempotent). Returns the MessageTranslation id, or None when the
    reader sees the original as written."""
    message = Message.objects.select_related("conversation__school").filter(pk=message_id).first()
    if message is None:
        return None
    translation = message_translation_get_or_create(message=message, language=language)
    if translation is None:
        return None
    if not is_unavailable(translation):
        from messaging.services.messages import translation_ready

        # Open pages swap "translating..." for the translation.
        translation_ready(message_id=message_id, language=language)
    from messaging.services.safeguarding import message_translation_scan

    message_translation_scan(translation=translation)
    return translation.pk


@shared_task(acks_late=True)
def dispatch_scheduled_messages() -> int:
    """Beat, every minute: send scheduled messages whose time has come (each claimed once)."""
    from messaging.services.messages import messages_dispatch_due

    return messages_dispatch_due()
