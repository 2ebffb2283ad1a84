"""Messaging's outbox handlers: what workers do with the entries messaging's writes record.

The entry layer, like tasks.py and consumers.py: each handler takes the claimed entry's ids and
calls a service (writes) or `messaging.live` (pushes). Imported by MessagingConfig.ready(), so
the handlers are registered wherever entries are recorded or run. The contract is in
`hub.outbox`: a handler runs in the transaction that marks its entry done, raises to be tried
again later, and may run again after it (partly) happened, so each is idempotent:

- pushes repeat harmlessly (the page swaps fragments by id and de-duplicates by message id); a
  message's push runs after its notifications commit (`outbox.AfterCommit`), retried alone;
- notifications and translation requests are rows written in the handler's transaction, and
  entries are unique per (message, reader) and (message, language);
- an email or a text is stamped only after it went (`notifications.services.notification_deliver`),
  and an email sent again carries the same Message-ID.

Queues: safeguarding alerts (and urgent notifications) on "safeguarding", pushes and in-app
notifications on "realtime", translation on "translation", email and texts on "email", so slow
email never delays an alert or a translation.
"""

from accounts.models import User
from hub import outbox
from hub.models import OutboxEntry
from messaging import live, realtime
from messaging.notifications import services as notifications
from messaging.services import delivery, safeguarding
from messaging.translation.cache import translation_store


def translate(message_id: int, language: str) -> None:
    """Store the message's translation, now, in this worker; once stored, messaging is told
    (`services.translations.message_translation_stored`: open pages refresh, the safeguarding
    scan). TranslationFailed (no engine answered) means "try again later"."""
    translation_store(label="messaging.message", object_id=message_id, field="body", language=language)


@outbox.handler(delivery.MESSAGE_SENT, queue="realtime")
def message_sent(entry: OutboxEntry) -> outbox.AfterCommit | None:
    """A message's one entry: its readers' notifications are written in the entry's transaction,
    then (after commit, so a reader who reads it at once finds them to mark read) the message is
    pushed to open pages and the new badges follow. A failed push is retried alone."""
    delivered = delivery.message_deliver(
        message_id=entry.object_id, notify=not outbox.written(entry), scan_language=safeguarding.scan_language
    )
    if delivered is None:
        return None

    def push() -> None:
        # The message (one fragment per way of seeing it) and the new badges, in one trip to Redis.
        with realtime.pushes_together():
            live.push_message(message=delivered.message, readers=delivered.readers, partial="message_appended")
            if delivered.notified:
                notifications.unread_badges_push(user_ids=delivered.notified, users=delivered.readers)

    return outbox.AfterCommit(push)


@outbox.handler(delivery.MESSAGE_PUSH, queue="realtime", max_attempts=5)
def message_push(entry: OutboxEntry) -> None:
    live.message_appended(message_id=entry.object_id)


@outbox.handler(delivery.MESSAGE_REPLACED, queue="realtime", max_attempts=5)
def message_replaced(entry: OutboxEntry) -> None:
    live.message_replaced(message_id=entry.object_id, language=entry.payload.get("language", ""))


@outbox.handler(delivery.MESSAGE_TRANSLATE, queue="translation")
def message_translate(entry: OutboxEntry) -> None:
    # A stored translation is reused as it is: running again after a failure redoes only the rest.
    wanted = set(delivery.languages_wanted(message_id=entry.object_id))
    wanted.add(safeguarding.scan_language(message_id=entry.object_id))
    for language in sorted(wanted - {""}):
        translate(entry.object_id, language)


@outbox.handler(delivery.MESSAGE_NOTIFY, queue="realtime")
def message_notify(entry: OutboxEntry) -> None:
    delivery.message_notify(message_id=entry.object_id, user_id=entry.payload["user"])


@outbox.handler(delivery.RECEIPTS_PUSH, queue="realtime", max_attempts=3)
def receipts_push(entry: OutboxEntry) -> outbox.AfterCommit | None:
    """A read's receipts: who gets which "read by" lines is read in the reading's own transaction
    (`outbox.run_here`, so it sees the receipts just written), and pushed after it commits, with
    the reader's new badge when the read marked notifications read ("badge": their id and
    language; counted after the commit). It writes nothing: run again, it reads and pushes again."""
    # The reader's own conversation when run here (`outbox.run_here` hands the handler its
    # target); loaded by a worker's retry, None if it is gone.
    receipts = live.receipts_to_push(
        conversation=entry.target, pushes=[tuple(push) for push in entry.payload["pushes"]]
    )
    badge = entry.payload.get("badge")
    if badge is None:
        return outbox.AfterCommit(receipts) if receipts is not None else None
    reader_id, language = badge

    def push() -> None:
        with realtime.pushes_together():
            if receipts is not None:
                receipts()
            # Only their id and language are needed to count and render it.
            notifications.unread_badge_push(user_id=reader_id, user=User(pk=reader_id, preferred_language=language))

    return outbox.AfterCommit(push)


@outbox.handler(delivery.CLOSED_PUSH, queue="realtime", max_attempts=5)
def closed_push(entry: OutboxEntry) -> None:
    live.closed(conversation_id=entry.object_id)


@outbox.handler(delivery.SAFEGUARDING_ALERT, queue="safeguarding")
def safeguarding_alert(entry: OutboxEntry) -> None:
    safeguarding.alert_dsls_notify(alert_id=entry.object_id)


def _notification_send(entry: OutboxEntry) -> None:
    notifications.notification_send(notification_id=entry.object_id, channel=entry.payload.get("channel", ""))


outbox.register(notifications.SEND, _notification_send, queue="email")
outbox.register(notifications.SEND_URGENT, _notification_send, queue="safeguarding")


def _notifications_send(entry: OutboxEntry) -> None:
    notifications.notifications_send(notification_ids=entry.payload["notifications"])


outbox.register(notifications.SEND_BATCH, _notifications_send, queue="email")
outbox.register(notifications.SEND_BATCH_URGENT, _notifications_send, queue="safeguarding")


@outbox.handler(notifications.BADGES, queue="realtime", max_attempts=3)
def notification_badges(entry: OutboxEntry) -> None:
    notifications.unread_badges_push(user_ids=entry.payload["users"])


@outbox.handler(notifications.BADGE, queue="realtime", max_attempts=3)
def notification_badge(entry: OutboxEntry) -> None:
    # The count as it is now: a repeat shows the same number.
    notifications.unread_badge_push(user_id=entry.payload["user"])
