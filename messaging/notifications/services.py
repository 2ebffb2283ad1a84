"""Every write about notifications: creating them, reading them, choosing how they arrive, sending.

A new notification's email, text and badge push are recorded as outbox entries in the transaction
that creates it (`hub.outbox`, handlers in messaging.effects): a rolled-back write sends nothing,
and a committed one is sent even if Redis or a worker fails meanwhile. A channel is stamped sent
only after it was sent (at least once); an email sent again after a crash carries the same
Message-ID, so the repeat is recognisable. Marking read pushes the person's own badge after
commit (their next page shows the count anyway).
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, PositiveBigIntegerField
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Pupil, User
from accounts.policies import can_view_pupil, children_of
from hub import outbox
from hub.compiled_sql import reused_graph
from hub.db import update_where, update_where_returning
from messaging.models import Notification, NotificationPreference, QuietHours
from messaging.notifications import delivery, kinds, policies, selectors, targets
from messaging.realtime import push_to_users
from messaging.translation.languages import normalise

logger = logging.getLogger(__name__)

Channel = NotificationPreference.Channel
Frequency = NotificationPreference.Frequency

# How many held notifications one release pass locks, sends and stamps at a time (in one
# transaction: small enough to finish well inside the task's time limit).
RELEASE_BATCH = 50
# A channel that fails when a hold is released is tried again this much later, for up to a day.
RELEASE_RETRY_AFTER = datetime.timedelta(minutes=10)
RELEASE_GIVE_UP_AFTER = datetime.timedelta(hours=24)

# The field stamped when a channel is used.
STAMP_FIELDS = {Channel.EMAIL: "emailed_at", Channel.SMS: "texted_at"}

_TITLE_MAX = Notification._meta.get_field("title").max_length
_URL_MAX = Notification._meta.get_field("url").max_length


class DeliveryError(Exception):
    """At least one channel failed; the ones that worked are stamped and will not be sent again."""

    def __init__(self, message: str, *, channels: list[str] | None = None):
        super().__init__(message)
        self.channels = channels or []


# The badge on open pages ------------------------------------------------------------------------


def unread_badge_push(*, user_id: int, user: User | None = None) -> None:
    """Send the person's open pages their new unread count (the header badge, swapped by id).
    `user`, when the caller has them loaded already, saves reading their language again."""
    if user is None or user.pk != user_id:
        user = User.objects.filter(pk=user_id).only("id", "preferred_language").first()
    if user is None:
        return
    count = selectors.badge_count_for(user)
    with translation.override(user.preferred_language):
        html = render_to_string(
            "messaging/notifications/partials/unread_badge.html", {"unread_notifications": count, "oob": True}
        )
    push_to_users([user_id], html=html, event="notifications.unread", data={"unread": count})


def unread_badges_push(*, user_ids: Iterable[int], users: Iterable[User] | None = None) -> None:
    """`unread_badge_push` for several people (a batch's): one count each, the badge rendered
    once per (language, count). `users` (loaded already, with their language) saves reading
    them again; only those among `user_ids` are pushed."""
    rendered: dict[tuple[str, int], str] = {}
    wanted = set(user_ids)
    if users is None:
        users = User.objects.filter(pk__in=wanted).only("id", "preferred_language").order_by("pk")
    else:
        users = sorted({user.pk: user for user in users if user.pk in wanted}.values(), key=lambda user: user.pk)
    for user in users:
        count = selectors.badge_count_for(user)
        key = (user.preferred_language, count)
        if key not in rendered:
            with translation.override(user.preferred_language):
                rendered[key] = render_to_string(
                    "messaging/notifications/partials/unread_badge.html", {"unread_notifications": count, "oob": True}
                )
        push_to_users([user.pk], html=rendered[key], event="notifications.unread", data={"unread": count})


def _push_badge_on_commit(user_id: int, user: User | None = None) -> None:
    transaction.on_commit(lambda: unread_badge_push(user_id=user_id, user=user), robust=True)


# Creating and reading ---------------------------------------------------------------------------


def _local_url(url: str) -> str:
    """A path inside the site ("/messages/3/"), so a notification can never send anyone elsewhere."""
    if url and (not url.startswith("/") or url.startswith(("//", "/\\")) or len(url) > _URL_MAX):
        raise ValueError(f"A notification's url must be a path on this site, not {url[:80]!r}.")
    return url


@transaction.atomic
def notify(
    *,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    pupil: Pupil | None = None,
    urgent: bool = False,
    target: Model | None = None,
    repeat_title: Callable[[int], str] | None = None,
) -> Notification:
    """Put one notification in `user`'s inbox, then (after commit) update their badge and deliver it.

    With `repeat_title` (and a `target`), repeats fold: while the person has an unread notification
    of this kind about this target, it is updated instead of a new one added (its `count` grows,
    its title becomes `repeat_title(count)`, evaluated in their language, and it moves to the top).
    Its email and text are not sent again: if they have not gone yet (waiting in the outbox, held
    for quiet hours or for the digest) they carry the new title; if they have, the person already
    knows there is something new there, and reading it starts afresh. Urgent ones never fold.

    `title` and `body` may be lazy translations (`gettext_lazy`, `format_lazy`): they are
    evaluated in the recipient's language. `target` is what it is about when the recipient may
    lose the right to see it (a conversation): every later delivery checks that right again
    (`targets`). Refuses (ValueError) an unknown kind, an unregistered kind of target or a url
    that leaves the site, and (PermissionDenied) a pupil or target the recipient may not see.
    A kind is known when an installed app declares it (`messaging.notifications.kinds`);
    `kinds.UnknownKind` is a ValueError.
    """
    kinds.get(kind)
    target_type = targets.label_of(target) if target is not None else ""
    if pupil is not None and not can_view_pupil(user=user, pupil=pupil):
        raise PermissionDenied("The recipient may not see this pupil.")
    if target is not None and not targets.can_see_target(user, target):
        raise PermissionDenied("The recipient may not see what this notification is about.")
    with translation.override(user.preferred_language):
        title_text, body_text = _clipped(str(title)), str(body)
    if repeat_title is not None and target is not None and not urgent:
        folded = _fold_into_unread(
            user=user, kind=kind, target_type=target_type, target_id=target.pk, repeat_title=repeat_title, body=body
        )
        if folded is not None:
            return folded
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        pupil=pupil,
        title=title_text,
        body=body_text,
        url=_local_url(url),
        urgent=urgent,
        target_type=target_type,
        target_id=target.pk if target is not None else None,
    )
    # The new count on the recipient's open pages, and the email / text, as outbox entries.
    outbox.record(BADGE, target=notification, payload={"user": user.pk})
    delivery_record(notification)
    return notification


@transaction.atomic
def notify_many(
    *,
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    pupil: Pupil | None = None,
    urgent: bool = False,
    target: Model | None = None,
    repeat_title: Callable[[int], str] | None = None,
    push_badges: bool = True,
    audience_checked: bool = False,
    awaiting_translation: Iterable[str] = (),
) -> list[Notification]:
    """`notify()` for several people at once (a fan-out batch, a message's readers), in a fixed
    number of queries: the same notification for each, in their own language, folded into their
    unread one where `notify()` folds, created together, and delivered by one outbox entry for
    their emails and texts and one for their badges (instead of two per person).

    Everything `notify()` promises holds for each person: the title and body are evaluated in
    their language, the pupil and target are checked for each (one query for everyone the
    target's audience names, see `targets.who_may_see`), and each delivery decides again (target
    and child still visible, quiet hours, digest, channel choices). Unlike `notify()`, someone who
    may not see the pupil or the target is left out (logged) rather than refused with
    PermissionDenied, so one lost right costs the others nothing. Returns the notifications
    written (created, with `count` 1, or folded), in the order of `users`. With
    `push_badges=False` the caller pushes the new counts itself (`unread_badges_push`, after
    commit) and no badge entry is recorded. With `audience_checked=True` the caller read `users`
    from the target's audience (`targets.register`, which sees the pupil too) in this same
    transaction, as the access contract lets a service trust its caller: they are not checked a
    second time (every delivery still is).

    `awaiting_translation` names the languages (primary subtags) into which what the title names
    (an announcement's title) is being translated: the emails and texts of those readers wait
    for it (at most NOTIFICATIONS_TRANSLATION_WAIT_SECONDS, an entry per language) until
    `notifications_retitle` puts it in and ends their wait; the others go as they would.
    """
    kinds.get(kind)
    target_type = targets.label_of(target) if target is not None else ""
    url = _local_url(url)
    users = list({user.pk: user for user in users}.values())
    if audience_checked and target is not None:
        allowed = {user.pk for user in users}
    else:
        allowed = targets.who_may_see(users, target=target, pupil=pupil)
    for user in users:
        if user.pk not in allowed:
            logger.info("User %s may not see what a %s notification is about; not notified.", user.pk, kind)
    users = [user for user in users if user.pk in allowed]
    if not users:
        return []
    texts: dict[str, tuple[str, str]] = {}

    def in_language_of(user: User) -> tuple[str, str]:
        language = user.preferred_language or ""
        if language not in texts:
            with translation.override(language or None):
                texts[language] = (_clipped(str(title)), str(body))
        return texts[language]

    folded: dict[int, Notification] = {}
    if repeat_title is not None and target is not None and not urgent:
        folded = _fold_many(
            users=users, kind=kind, target_type=target_type, target_id=target.pk, repeat_title=repeat_title, body=body
        )
    created = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                kind=kind,
                pupil=pupil,
                title=in_language_of(user)[0],
                body=in_language_of(user)[1],
                url=url,
                urgent=urgent,
                target_type=target_type,
                target_id=target.pk if target is not None else None,
            )
            for user in users
            if user.pk not in folded
        ]
    )
    if created:
        # One entry for everyone's badge, one for everyone's email and text.
        first = created[0]
        if push_badges:
            outbox.record(BADGES, target=first, key="batch", payload={"users": [n.user_id for n in created]})
        _deliveries_record(created, kind=kind, urgent=urgent, awaiting_translation=awaiting_translation)
    by_user = {notification.user_id: notification for notification in created} | folded
    return [by_user[user.pk] for user in users]


def _fold_many(
    *, users: list[User], kind: str, target_type: str, target_id: int, repeat_title: Callable[[int], str], body
) -> dict[int, Notification]:
    """`_fold_into_unread` for several people: each one's newest unread notification of `kind`
    about the target, locked and updated; keyed by user id (absent: nothing to fold into)."""
    newest: dict[int, Notification] = {}
    user_ids = [user.pk for user in users]

    def build(target_id: int, *user_ids: int):
        # The target's id as a bare parameter: compared as a plain value with this positive
        # integer field, the ORM would fold a stand-in (negative) id away, and wrap a real one.
        return Notification.objects.filter(
            user__in=list(user_ids),
            kind=kind,
            target_type=target_type,
            target_id=RawSQL("%s", (target_id,), output_field=PositiveBigIntegerField()),  # noqa: S611
            read_at__isnull=True,
        ).order_by("user_id", "-created_at", "-pk")

    if len(user_ids) > COMPILED_BATCH_MAX:
        unread = list(build(target_id, *user_ids).select_for_update())
    else:
        # Compiled once per process for each kind, target type and number of people (a message's
        # readers): the ORM built it anew for every message. Locked as before (one table).
        unread = reused_graph(
            Notification,
            target_id,
            *user_ids,
            shape=("notifications.fold_many", kind, target_type, len(user_ids)),
            build=build,
            lock=True,
        )
    for notification in unread:
        newest.setdefault(notification.user_id, notification)
    if not newest:
        return {}
    now = timezone.now()
    for user in users:
        notification = newest.get(user.pk)
        if notification is None:
            continue
        notification.count += 1
        with translation.override(user.preferred_language):
            notification.title = _clipped(str(repeat_title(notification.count)))
            notification.body = str(body)
        notification.created_at = now
    if len(newest) > FOLD_ONE_BY_ONE_MAX:
        Notification.objects.bulk_update(list(newest.values()), ["count", "title", "body", "created_at"])
        return newest
    # A message's readers are a parent or two and a teacher: a compiled single-row UPDATE each
    # costs less than bulk_update's one statement, which the ORM builds anew from a CASE per
    # field and row every time (2.4 ms of a message sent to a reader who has not read the last).
    for notification in newest.values():
        update_where(
            Notification,
            where={"id": notification.pk},
            values={
                "count": notification.count,
                "title": notification.title,
                "body": notification.body,
                "created_at": notification.created_at,
            },
        )
    return newest


def _clipped(title: str) -> str:
    title = title.strip()
    return title[: _TITLE_MAX - 1] + "…" if len(title) > _TITLE_MAX else title


def _fold_into_unread(
    *, user: User, kind: str, target_type: str, target_id: int, repeat_title: Callable[[int], str], body
) -> Notification | None:
    """The person's unread notification of `kind` about the target, updated to stand for one more
    event; None when there is none. Locked, so two messages arriving together count two."""
    notification = (
        Notification.objects.select_for_update()
        .filter(user=user, kind=kind, target_type=target_type, target_id=target_id, read_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if notification is None:
        return None
    notification.count += 1
    with translation.override(user.preferred_language):
        notification.title = _clipped(str(repeat_title(notification.count)))
        notification.body = str(body)
    notification.created_at = timezone.now()
    notification.save(update_fields=["count", "title", "body", "created_at"])
    return notification


def notifications_retitle(*, target: Model, language: str, original: str, translated: str) -> int:
    """Put `translated` in place of `original` (what `target` says as written: a conversation's
    subject, an announcement's title) in the titles of the notifications about `target` of
    everyone who reads `language` (a primary subtag, "es"), once its machine translation is
    stored: those notifications were written before it arrived, in the reader's language but for
    those words. An email or text not yet sent then goes with the translated title too. Returns
    how many changed (one query, and one update for them all).

    The emails and texts of those readers that wait for the translation (`awaiting_translation`
    in `notify_many`) go now, retitled or not: `translated` is "" when no engine covers the
    language, and the title then stays as written."""
    if not original:
        return 0
    about = Notification.objects.filter(
        target_type=targets.label_of(target), target_id=target.pk, title__contains=original
    ).select_related("user")
    readers_of_language = [
        notification
        for notification in about.only("id", "title", "user__preferred_language")
        if normalise(notification.user.preferred_language) == language
    ]
    changed = []
    for notification in readers_of_language if translated and translated != original else ():
        if original in translated and translated in notification.title:
            continue  # retitled already (the hook runs again when a job does): not a second time
        # The last place it appears: every title names its subject last ("New message from
        # Trip Adviser: Trip" has it twice, the sender's name first).
        before, _found, after = notification.title.rpartition(original)
        notification.title = _clipped(before + translated + after)
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["title"], batch_size=500)
    # In this transaction, after the titles: the entries that waited run once it commits.
    outbox.hasten((SEND_BATCH, SEND_BATCH_URGENT), targets=readers_of_language, key=_awaiting_key(language))
    return len(changed)


def notifications_mark_read_about(*, user: User, target: Model, push_badge: bool = True) -> int:
    """Mark read the person's unread notifications about `target` (a conversation they have just
    read), so the badge and the inbox agree with what they saw; whatever of them still waits for
    quiet hours to end or for the digest is not sent, and the email that waited to see whether
    they would read it is settled now (`_waiting_emails_settle`). Returns how many were unread:
    one UPDATE (atomic by itself: no savepoint of its own), written once per process (every read
    of a conversation with something new makes it). Their open pages get the new badge after the
    commit; without `push_badge`, the caller pushes it (a read does, with its receipts)."""
    marked = update_where_returning(
        Notification,
        where={"user_id": user.pk, "read_at": None, "target_type": targets.label_of(target), "target_id": target.pk},
        values={"read_at": timezone.now(), "held_until": None, "digest_pending": False},
        returning=("id", "kind", "urgent"),
    )
    if marked:
        _waiting_emails_settle(user, marked)
        if push_badge:
            _push_badge_on_commit(user.pk, user)
    return len(marked)


def _waiting_emails_settle(user: User, marked: list[tuple[int, str, bool]]) -> None:
    """The outbox entries of the emails and texts that waited for `user` to read the notifications
    `marked` (id, kind, urgent), done now: when their time came, `notifications_send` would find
    them read while waiting and send nothing, after waking a worker for every message someone
    read on screen. Only an entry of one notification (a message with one reader, the usual
    conversation) is settled here; a batch of several waits for its time, as before, since the
    others in it may still be unread. One UPDATE a notification (a read marks one: the unread
    about a conversation fold into one)."""
    # Conversations are what this is called about, and a message's notifications never wait for
    # a translation (`notify_many`'s awaiting_translation is for announcements): their entry is
    # the plain batch's. An entry that waits for a translation too is left to its handler.
    keys = ("batch",)
    for notification_id, kind, urgent in marked:
        try:
            waits = not urgent and kinds.get(kind).waits_unread
        except kinds.UnknownKind:  # a kind no app declares any more: leave its entry to its handler
            waits = False
        if not waits:
            continue  # sent at once, read or not: nothing waits on reading
        outbox.settle(
            SEND_BATCH,
            target=Notification(pk=notification_id),
            keys=keys,
            payload={"notifications": [notification_id]},
        )


# Outbox effects (handlers in messaging.effects). Urgent notifications (safeguarding, school
# closures) go on the safeguarding queue, which slow email never holds up.
SEND = "notifications.send"
SEND_URGENT = "notifications.send_urgent"
BADGE = "notifications.badge"
# The same for a batch written by notify_many(): one entry each for every notification in it.
SEND_BATCH = "notifications.send_batch"
SEND_BATCH_URGENT = "notifications.send_batch_urgent"
BADGES = "notifications.badges"


def _awaiting_key(language: str) -> str:
    return f"batch:awaiting:{language}"


def _deliveries_record(
    created: list[Notification], *, kind: str, urgent: bool, awaiting_translation: Iterable[str]
) -> None:
    """The outbox entry for the emails and texts of a batch of new notifications, and one more per
    language in `awaiting_translation` for the readers of that language, which waits for the
    translation too (`notify_many`)."""
    awaiting = {normalise(language) for language in awaiting_translation} - {""}
    batches: dict[str, list[Notification]] = {"": created}
    if awaiting:
        batches = {}
        for notification in created:
            language = normalise(notification.user.preferred_language)
            batches.setdefault(language if language in awaiting else "", []).append(notification)
    unread_wait = _unread_wait(kind, urgent=urgent)
    for language, batch in batches.items():
        outbox.record(
            SEND_BATCH_URGENT if urgent else SEND_BATCH,
            target=batch[0],
            key=_awaiting_key(language) if language else "batch",
            payload={"notifications": [n.pk for n in batch]},
            delay=max(unread_wait or _NO_WAIT, _translation_wait()) if language else unread_wait,
        )


_NO_WAIT = datetime.timedelta(0)


def _translation_wait() -> datetime.timedelta:
    """How long an email or text waits, at most, for the translation of what it names: when the
    translation is slow or fails, it goes as written then."""
    return datetime.timedelta(seconds=settings.NOTIFICATIONS_TRANSLATION_WAIT_SECONDS)


def delivery_record(notification: Notification, *, channel: str = "") -> None:
    """Record the outside delivery of `notification` (every channel, or only `channel`: a retry
    of the one that failed), in the current transaction. A first delivery of a kind that waits
    for reading waits (`_unread_wait`); a retry goes at once."""
    outbox.record(
        SEND_URGENT if notification.urgent else SEND,
        target=notification,
        key=f"{channel}:retry" if channel else None,
        payload={"channel": channel} if channel else {},
        delay=None if channel else _unread_wait(notification.kind, urgent=notification.urgent),
    )


def _read_while_waiting(notification: Notification) -> bool:
    """Whether `notification` is of a kind that waits for reading and was read in Homeroom
    already: its email and text have nothing left to tell."""
    return notification.read_at is not None and not notification.urgent and kinds.get(notification.kind).waits_unread


def _unread_wait(kind: str, *, urgent: bool) -> datetime.timedelta | None:
    """How long a first email or text about a new notification of `kind` waits for the person to
    read it in Homeroom first (None: it goes at once). Urgent ones never wait."""
    seconds = settings.NOTIFICATIONS_UNREAD_WAIT_SECONDS
    if urgent or seconds <= 0 or not kinds.get(kind).waits_unread:
        return None
    return datetime.timedelta(seconds=seconds)


def notification_send(*, notification_id: int, channel: str = "") -> None:
    """Deliver a notification as its outbox entry asks (the handler of SEND / SEND_URGENT).

    Every channel at first; a channel that fails is recorded as an entry of its own, retried
    with backoff, so the channel that worked is never sent again. Raises DeliveryError only when
    retrying one channel fails (the outbox tries it again later)."""
    if channel:
        notification_deliver(notification_id=notification_id, channels=[channel])
        return
    try:
        notification_deliver(notification_id=notification_id)
    except DeliveryError as error:
        notification = Notification.objects.get(pk=notification_id)
        for failed in error.channels:
            delivery_record(notification, channel=failed)


# Up to this many notifications a batch's query is compiled once per process and size (a message's
# readers); a bigger batch (an announcement to a school) is built by the ORM as before.
COMPILED_BATCH_MAX = 16
# Up to this many notifications folded at once are updated one by one (see `_fold_many`).
FOLD_ONE_BY_ONE_MAX = 4


def _batch_locked(notification_ids: list[int]) -> list[Notification]:
    """The notifications `notification_ids`, locked (FOR UPDATE OF the notifications), with their
    recipient, the recipient's quiet hours and the child, in id order: one query, its SQL compiled
    once per process for batches of a message's size (the ORM built it anew for every message's
    emails). In a transaction."""

    def build(*ids: int):
        return Notification.objects.filter(pk__in=list(ids)).order_by("pk")

    if not notification_ids:
        return []
    if len(notification_ids) > COMPILED_BATCH_MAX:
        return list(
            build(*notification_ids)
            .select_for_update(of=("self",))
            .select_related("user", "user__quiet_hours", "pupil")
        )
    return reused_graph(
        Notification,
        *notification_ids,
        shape=("notifications.batch_locked", len(notification_ids)),
        build=build,
        related=("user", "user__quiet_hours", "pupil"),
        lock=True,
    )


def notifications_send(*, notification_ids: Iterable[int], now: datetime.datetime | None = None) -> int:
    """Deliver a batch of notifications written together (the handler of SEND_BATCH): for each,
    what `notification_deliver` does (send, hold for quiet hours, queue for the digest, or
    nothing when its recipient may no longer see what it is about), with the checks, choices and
    writes of the whole batch in a fixed number of queries. A channel that fails for one
    notification is recorded as an entry of its own (retried with backoff); the others are sent
    and stamped. Returns how many notifications went out on some channel.

    Under the batch's row locks, like `notification_deliver`: a concurrent delivery of one of them
    waits, then finds it stamped. A worker killed mid-batch sends the batch again (at least once,
    each email with the same Message-ID)."""
    now = now or timezone.now()
    # No savepoint inside the outbox handler's transaction (a failure rolls it all back): nothing here is caught.
    with transaction.atomic(savepoint=False):
        # Those read while their email waited have nothing left to tell (and need no more checks).
        batch = [n for n in _batch_locked(sorted(set(notification_ids))) if not _read_while_waiting(n)]
        if not batch:
            return 0
        deliverable = targets.still_deliverable(batch)
        withdrawn = [notification.pk for notification in batch if notification.pk not in deliverable]
        if withdrawn:
            Notification.objects.filter(pk__in=withdrawn).update(held_until=None, digest_pending=False)
            logger.info("Notifications %s not sent: their recipients may no longer see what they are about.", withdrawn)
        preferences = delivery.preferences_of_users(notification.user_id for notification in batch)
        held: dict[datetime.datetime | None, list[int]] = defaultdict(list)
        to_digest: list[int] = []
        stamps: dict[str, list[int]] = defaultdict(list)
        failures: list[tuple[Notification, str]] = []
        sent = 0
        for notification in batch:
            if notification.pk not in deliverable:
                continue
            user = notification.user
            quiet_hours = delivery.quiet_hours_of(user)
            decisions = delivery.decisions_for(
                notification, preferences=preferences.get(user.pk, {}), quiet_hours=quiet_hours, now=now
            )
            held_until = None
            if delivery.Decision.HOLD in decisions.values():
                held_until = delivery.quiet_period_end(quiet_hours, zone=user.zone, now=now)
            if held_until != notification.held_until:
                held[held_until].append(notification.pk)
                notification.held_until = held_until
            went = False
            for channel, decision in decisions.items():
                if decision is delivery.Decision.DIGEST and not notification.digest_pending:
                    if notification.emailed_at is None:
                        to_digest.append(notification.pk)
                        notification.digest_pending = True
                elif decision is delivery.Decision.SEND:
                    try:
                        _sender(notification, channel, now)()
                    except Exception as error:  # the channel's own errors vary (SMTP, socket, gateway)
                        logger.warning("Notification %s not sent by %s: %s", notification.pk, channel, error)
                        failures.append((notification, channel))
                        continue
                    # Stamped in this transaction: a crash before it commits sends it again.
                    stamps[STAMP_FIELDS[channel]].append(notification.pk)
                    setattr(notification, STAMP_FIELDS[channel], now)
                    went = True
            sent += went
        for until, ids in held.items():
            Notification.objects.filter(pk__in=ids).update(held_until=until)
        if to_digest:
            Notification.objects.filter(pk__in=to_digest).update(digest_pending=True)
        for field, ids in stamps.items():
            Notification.objects.filter(pk__in=ids).update(**{field: now})
        for notification, channel in failures:
            delivery_record(notification, channel=str(channel))
    return sent


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the person's own notifications read; Http404 for anyone else's."""
    notification = policies.access_notification(user=user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _push_badge_on_commit(user.pk)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark everything in the person's inbox read; returns how many were unread."""
    count = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        _push_badge_on_commit(user.pk)
    return count


# Choosing how notifications arrive --------------------------------------------------------------

# (kind, channel, pupil id or None) -> frequency, or None for a child: "same as for all children".
Choices = Mapping[tuple[str, str, int | None], str | None]


@transaction.atomic
def preferences_update(*, user: User, choices: Choices) -> int:
    """Save the person's channel choices; returns how many changed.

    A choice for all children equal to the default, or a child's "same as all children" (None),
    removes the row, so defaults and the all-children choice keep applying. Refuses
    (ValidationError) an undeclared kind, a channel or frequency not offered, and (PermissionDenied) a child the
    person is not a guardian of; nothing is saved then.
    """
    pupil_ids = {pupil_id for (_kind, _channel, pupil_id) in choices if pupil_id is not None}
    if pupil_ids:
        own = set(children_of(user).filter(pk__in=pupil_ids).values_list("pk", flat=True))
        if pupil_ids - own:
            raise PermissionDenied("Not a guardian of every child named.")
    for (kind, channel, pupil_id), frequency in choices.items():
        if not kinds.is_registered(kind) or channel not in Channel.values:
            raise ValidationError(_("Choose from the list."))
        if frequency is not None and frequency not in Frequency.values:
            raise ValidationError(_("Choose from the list."))
        if frequency is None and pupil_id is None:
            raise ValidationError(_("Choose from the list."))

    existing = delivery.preferences_of(user)
    changed = []
    for key, frequency in choices.items():
        kind, channel, pupil_id = key
        if pupil_id is None and frequency == kinds.get(kind).default_frequency(channel):
            frequency = None
        if existing.get(key) == frequency:
            continue
        changed.append({"kind": kind, "channel": channel, "pupil": pupil_id, "frequency": frequency or "inherit"})
        rows = NotificationPreference.objects.filter(user=user, kind=kind, channel=channel, pupil_id=pupil_id)
        if frequency is None:
            rows.delete()
        elif not rows.update(frequency=frequency):
            NotificationPreference.objects.create(
                user=user, kind=kind, channel=channel, pupil_id=pupil_id, frequency=frequency
            )
    if changed:
        audit.record(actor=user, action="notification.preferences_changed", target=user, changes=changed)
    return len(changed)


@transaction.atomic
def quiet_hours_update(
    *, user: User, enabled: bool, start: datetime.time | None = None, end: datetime.time | None = None
) -> QuietHours | None:
    """Turn quiet hours off, or set them (on the person's own clock). Refuses a period of no length."""
    current = QuietHours.objects.filter(user=user).first()
    if not enabled:
        if current is not None:
            current.delete()
            audit.record(actor=user, action="notification.quiet_hours_off", target=user)
        return None
    if start is None or end is None or start == end:
        raise ValidationError(_("Quiet hours must start and end at different times."))
    if current is not None and (current.start, current.end) == (start, end):
        return current
    quiet_hours, _created = QuietHours.objects.update_or_create(user=user, defaults={"start": start, "end": end})
    audit.record(
        actor=user, action="notification.quiet_hours_set", target=user, start=start.isoformat(), end=end.isoformat()
    )
    return quiet_hours


# Delivery ---------------------------------------------------------------------------------------


def _sender(notification: Notification, channel: str, now: datetime.datetime) -> Callable[[], None]:
    if channel == Channel.EMAIL:
        return lambda: delivery.email_send(notification, now=now)
    return lambda: delivery.sms_send(notification)


def _still_deliverable(notification: Notification) -> bool:
    """The recipient is active and may still see the child and the target the notification is
    about; otherwise it is withdrawn from quiet-hours holds and the digest, and never sent."""
    user = notification.user
    if user.is_active and Notification.objects.filter(pk=notification.pk).filter(targets.still_visible(user)).exists():
        return True
    Notification.objects.filter(pk=notification.pk).update(held_until=None, digest_pending=False)
    logger.info("Notification %s not sent: its recipient may no longer see what it is about.", notification.pk)
    return False


def notification_deliver(
    *, notification_id: int, now: datetime.datetime | None = None, channels: Iterable[str] | None = None
) -> dict[str, str]:
    """Send, hold, or queue for the digest one notification on each outside channel not yet used
    (of `channels`, default all; the decisions for the others still set the hold and the digest).

    A hold sets `held_until` to the end of the person's quiet period, for
    `held_notifications_release`; a delivery outside quiet hours clears it. A channel is stamped
    (emailed_at / texted_at) only after it was sent, under the notification's row lock, so two
    deliveries never both send it and a crash before the stamp sends it again (at least once).
    Returns the decision per channel. Raises DeliveryError when a channel failed (after trying
    the others), leaving that channel unstamped so a retry sends it.
    """
    now = now or timezone.now()
    wanted = set(channels) if channels is not None else set(Channel.values)
    with transaction.atomic():
        # The lock makes a concurrent delivery of the same notification wait, then find it stamped.
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user", "user__quiet_hours")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return {}
        user = notification.user
        if _read_while_waiting(notification) or not _still_deliverable(notification):
            return {}
        quiet_hours = delivery.quiet_hours_of(user)
        decisions = delivery.decisions_for(
            notification, preferences=delivery.preferences_of(user), quiet_hours=quiet_hours, now=now
        )
        held_until = None
        if delivery.Decision.HOLD in decisions.values():
            held_until = delivery.quiet_period_end(quiet_hours, zone=user.zone, now=now)
        if held_until != notification.held_until:
            Notification.objects.filter(pk=notification.pk).update(held_until=held_until)
            notification.held_until = held_until
        failures = []
        for channel, decision in decisions.items():
            if decision is delivery.Decision.DIGEST and not notification.digest_pending:
                if notification.emailed_at is None:
                    Notification.objects.filter(pk=notification.pk).update(digest_pending=True)
                    notification.digest_pending = True
            elif decision is delivery.Decision.SEND and channel in wanted:
                field = STAMP_FIELDS[channel]
                try:
                    _sender(notification, channel, now)()
                except Exception as error:  # the channel's own errors vary (SMTP, socket, gateway)
                    logger.warning("Notification %s not sent by %s: %s", notification.pk, channel, error)
                    failures.append((channel, f"{channel}: {error}"))
                    continue
                # Stamped only now that it went: a crash before this line sends it again.
                Notification.objects.filter(pk=notification.pk).update(**{field: now})
                setattr(notification, field, now)
    if failures:
        raise DeliveryError("; ".join(text for _channel, text in failures), channels=[str(c) for c, _t in failures])
    return {channel: decision.value for channel, decision in decisions.items()}


def held_notifications_release(*, now: datetime.datetime | None = None) -> int:
    """Send, at least once, what quiet hours held back and is now due (`held_until` at or before `now`).

    Only notifications that were held are looked at, found through the `held_until` index, in
    batches of a fixed number of queries: the cost follows what is due, not how many people have
    quiet hours. A notification read meanwhile is not sent. The person's current choices apply: a
    channel turned off meanwhile stays silent, one switched to daily waits for the digest, and
    quiet hours moved later hold it again until their new end. Returns how many were released.
    """
    now = now or timezone.now()
    released = 0
    while True:
        batch_size, sent = _held_batch_release(now=now)
        released += sent
        if batch_size < RELEASE_BATCH:
            return released


@transaction.atomic
def _held_batch_release(*, now: datetime.datetime) -> tuple[int, int]:
    """Lock one batch of due holds, send them, then stamp and clear them, in one transaction.

    Stamped only after sending, and committed together: a worker killed mid-batch leaves the
    whole batch held, and the next run sends it again (at least once; a repeated email carries
    the same Message-ID). The row locks keep an overlapping run or `notification_deliver` off
    these notifications until they are stamped. Returns the batch's size and how many were sent.
    """
    due = list(
        Notification.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("user", "user__quiet_hours", "pupil")
        .filter(held_until__lte=now)
        .order_by("held_until", "pk")[:RELEASE_BATCH]
    )
    if not due:
        return 0, 0
    preferences = delivery.preferences_of_users(notification.user_id for notification in due)
    # Access is decided now: what the person may no longer see (or a deactivated account) is dropped.
    unread = [notification for notification in due if notification.read_at is None and notification.user.is_active]
    deliverable = set(
        Notification.objects.filter(pk__in=[notification.pk for notification in unread])
        .filter(targets.still_visible_to_recipients(notification.user for notification in unread))
        .values_list("pk", flat=True)
        if unread
        else []
    )
    stamps: dict[str, list[int]] = defaultdict(list)
    to_digest: list[int] = []
    held_again: dict[datetime.datetime, list[int]] = defaultdict(list)
    released = 0
    for notification in due:
        notification.held_until = None
        if notification.pk not in deliverable:
            continue
        user = notification.user
        quiet_hours = delivery.quiet_hours_of(user)
        decisions = delivery.decisions_for(
            notification, preferences=preferences.get(user.pk, {}), quiet_hours=quiet_hours, now=now
        )
        if delivery.Decision.HOLD in decisions.values():
            until = delivery.quiet_period_end(quiet_hours, zone=user.zone, now=now)
            held_again[until].append(notification.pk)
        if delivery.Decision.DIGEST in decisions.values() and not notification.digest_pending:
            if notification.emailed_at is None:
                to_digest.append(notification.pk)
        channels = [channel for channel, decision in decisions.items() if decision is delivery.Decision.SEND]
        failed = []
        for channel in channels:
            try:
                _sender(notification, channel, now)()
            except Exception as error:  # the channel's own errors vary (SMTP, socket, gateway)
                logger.warning("Held notification %s not sent by %s: %s", notification.pk, channel, error)
                failed.append(channel)
            else:
                stamps[STAMP_FIELDS[channel]].append(notification.pk)
                setattr(notification, STAMP_FIELDS[channel], now)
        if failed:
            if now - notification.created_at < RELEASE_GIVE_UP_AFTER:
                held_again[now + RELEASE_RETRY_AFTER].append(notification.pk)
            else:
                logger.error("Held notification %s given up on %s after a day", notification.pk, ", ".join(failed))
        if channels:
            released += 1

    Notification.objects.filter(pk__in=[notification.pk for notification in due]).update(held_until=None)
    for field, ids in stamps.items():
        Notification.objects.filter(pk__in=ids).update(**{field: now})
    if to_digest:
        Notification.objects.filter(pk__in=to_digest).update(digest_pending=True)
    for until, ids in held_again.items():  # one query per distinct end: only people who moved their quiet hours
        Notification.objects.filter(pk__in=ids).update(held_until=until)
    return len(due), released


def digest_send_for(*, user: User, now: datetime.datetime | None = None) -> int:
    """Email the person ONE summary of everything waiting for it and clear the waiting flags.

    Returns how many notifications the email carried (0: nothing waiting, nothing sent). What was
    already emailed on its own is left out. If the email fails, nothing is cleared.
    """
    now = now or timezone.now()
    with transaction.atomic():
        visible = Notification.objects.filter(pk=OuterRef("pk")).filter(targets.still_visible(user))
        waiting = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("pupil")
            .filter(user=user, digest_pending=True)
            .annotate(still_visible=Exists(visible))
            .order_by("created_at", "id")
        )
        if not waiting:
            return 0
        # What the person may no longer see leaves the queue unsent.
        to_send = [
            notification
            for notification in waiting
            if notification.emailed_at is None and notification.still_visible and user.is_active
        ]
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(digest_pending=False)
        if to_send:
            Notification.objects.filter(pk__in=[n.pk for n in to_send]).update(emailed_at=now)
            # Inside the transaction: if the email fails, the flags come back.
            delivery.digest_email_send(user, to_send, now=now)
    return len(to_send)


def digests_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Ids of people with something waiting whose digest time (on their own clock) is this hour."""
    now = now or timezone.now()
    people = User.objects.filter(
        is_active=True, pk__in=Notification.objects.filter(digest_pending=True).values("user_id")
    ).select_related("quiet_hours")
    return [
        person.pk
        for person in people.iterator(chunk_size=500)
        if delivery.digest_due(person, quiet_hours=delivery.quiet_hours_of(person), now=now)
    ]
