"""Celery entry points for messaging: an id in, a service call, retries."""

from celery import shared_task

from messaging.translation.cache import TranslationFailed, translation_store

TRANSLATION_RETRIES = {
    "bind": True,
    # On its own queue (CELERY_TASK_ROUTES), so translation never waits behind slow email.
    "acks_late": True,
    "autoretry_for": (TranslationFailed,),
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}


@shared_task(**TRANSLATION_RETRIES)
def translate_field(self, app_label_model: str, object_id: int, field: str, language: str) -> int | None:
    """Store `field` of the object ("messaging.message", 12) translated into `language`; a stored
    translation is reused as it is, unless the school's glossary changed since. The app that
    declared the field is then told (messaging: open pages refresh, and a message's translation
    into the school's language is scanned for safeguarding phrases; both idempotent, so a job run
    twice changes nothing). Returns the StoredTranslation id, or None when the reader sees the
    original as written."""
    translation = translation_store(label=app_label_model, object_id=object_id, field=field, language=language)
    return translation.pk if translation is not None else None


@shared_task(**TRANSLATION_RETRIES)
def translate_message(self, message_id: int, language: str) -> int | None:
    """A message's body into `language` (`translate_field` for "messaging.message" "body"). Kept so
    that jobs queued under this name before an upgrade are still carried out."""
    translation = translation_store(label="messaging.message", object_id=message_id, field="body", language=language)
    return translation.pk if translation is not None else None


@shared_task(acks_late=True)
def dispatch_scheduled_messages() -> int:
    """Beat, every minute: send scheduled messages whose time has come (each claimed once)."""
    from messaging.services.messages import messages_dispatch_due

    return messages_dispatch_due()
