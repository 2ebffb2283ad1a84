"""Every write about notifications: creating them, reading them, choosing how they arrive, sending.

Pushes to open pages and outside delivery run only after the transaction commits, so a rolled-back
write neither shows a badge nor sends an email.
"""

import datetime
import logging
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Pupil, User
from accounts.policies import can_view_pupil, children_of
from messaging.models import Notification, NotificationPreference, QuietHours
from messaging.notifications import delivery, policies, selectors
from messaging.realtime import push_to_users

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Channel = NotificationPreference.Channel
Frequency = NotificationPreference.Frequency

# A quiet period is shorter than a day, so anything held back is younger than this.
HOLD_LOOKBACK = datetime.timedelta(hours=24)

_TITLE_MAX = Notification._meta.get_field("title").max_length
_URL_MAX = Notification._meta.get_field("url").max_length


class DeliveryError(Exception):
    """At least one channel failed; the ones that worked are stamped and will not be sent again."""


# The badge on open pages ------------------------------------------------------------------------


def unread_badge_push(*, user_id: int) -> None:
    """Send the person's open pages their new unread count (the header badge, swapped by id)."""
    user = User.objects.filter(pk=user_id).only("id", "preferred_language").first()
    if user is None:
        return
    count = selectors.unread_count_for(user)
    with translation.override(user.preferred_language):
        html = render_to_string(
            "messaging/notifications/partials/unread_badge.html", {"unread_notifications": count, "oob": True}
        )
    push_to_users([user_id], html=html, event="notifications.unread", data={"unread": count})


def _push_badge_on_commit(user_id: int) -> None:
    transaction.on_commit(lambda: unread_badge_push(user_id=user_id), robust=True)


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
) -> Notification:
    """Put one notification in `user`'s inbox, then (after commit) update their badge and deliver it.

    `title` and `body` may be lazy translations (`gettext_lazy`, `format_lazy`): they are
    evaluated in the recipient's language. Refuses (ValueError) an unknown kind or a url that
    leaves the site, and (PermissionDenied) a pupil the recipient may not see.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    if pupil is not None and not can_view_pupil(user, pupil):
        raise PermissionDenied("The recipient may not see this pupil.")
    with translation.override(user.preferred_language):
        title_text, body_text = str(title).strip(), str(body)
    if len(title_text) > _TITLE_MAX:
        title_text = title_text[: _TITLE_MAX - 1] + "…"
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        pupil=pupil,
        title=title_text,
        body=body_text,
        url=_local_url(url),
        urgent=urgent,
    )
    _push_badge_on_commit(user.pk)
    transaction.on_commit(lambda: _enqueue_delivery(notification.pk), robust=True)
    return notification


def _enqueue_delivery(notification_id: int) -> None:
    from messaging.notifications import tasks  # tasks import this module

    tasks.deliver_notification.delay(notification_id)


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
    (ValidationError) an unknown kind, channel or frequency, and (PermissionDenied) a child the
    person is not a guardian of; nothing is saved then.
    """
    pupil_ids = {pupil_id for (_kind, _channel, pupil_id) in choices if pupil_id is not None}
    if pupil_ids:
        own = set(children_of(user).filter(pk__in=pupil_ids).values_list("pk", flat=True))
        if pupil_ids - own:
            raise PermissionDenied("Not a guardian of every child named.")
    for (kind, channel, pupil_id), frequency in choices.items():
        if kind not in Kind.values or channel not in Channel.values:
            raise ValidationError(_("Choose from the list."))
        if frequency is not None and frequency not in Frequency.values:
            raise ValidationError(_("Choose from the list."))
        if frequency is None and pupil_id is None:
            raise ValidationError(_("Choose from the list."))

    existing = delivery.preferences_of(user)
    changed = []
    for key, frequency in choices.items():
        kind, channel, pupil_id = key
        if pupil_id is None and frequency == delivery.DEFAULT_FREQUENCIES[(kind, channel)]:
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


def _claim(notification: Notification, field: str, now: datetime.datetime) -> bool:
    """Stamp the channel as used unless someone else already did: only one worker sends."""
    claimed = Notification.objects.filter(pk=notification.pk, **{f"{field}__isnull": True}).update(**{field: now})
    return claimed == 1


def _release_claim(notification: Notification, field: str, now: datetime.datetime) -> None:
    Notification.objects.filter(pk=notification.pk, **{field: now}).update(**{field: None})


def notification_deliver(*, notification_id: int, now: datetime.datetime | None = None) -> dict[str, str]:
    """Send, hold, or queue for the digest one notification on each outside channel not yet used.

    Idempotent: a channel already stamped (emailed_at / texted_at) is never used again. Returns
    the decision per channel. Raises DeliveryError when a channel failed (after trying the others),
    leaving that channel unstamped so a retry sends it.
    """
    now = now or timezone.now()
    notification = Notification.objects.select_related("user", "user__quiet_hours").filter(pk=notification_id).first()
    if notification is None:
        return {}
    user = notification.user
    decisions = delivery.decisions_for(
        notification,
        preferences=delivery.preferences_of(user),
        quiet_hours=delivery.quiet_hours_of(user),
        now=now,
    )
    senders = {
        Channel.EMAIL: ("emailed_at", lambda: delivery.email_send(notification, now=now)),
        Channel.SMS: ("texted_at", lambda: delivery.sms_send(notification)),
    }
    failures = []
    for channel, decision in decisions.items():
        if decision is delivery.Decision.DIGEST and not notification.digest_pending:
            if notification.emailed_at is None:
                Notification.objects.filter(pk=notification.pk).update(digest_pending=True)
                notification.digest_pending = True
        elif decision is delivery.Decision.SEND:
            field, send = senders[channel]
            if not _claim(notification, field, now):
                continue
            try:
                send()
            except Exception as error:  # the channel's own errors vary (SMTP, socket, gateway)
                _release_claim(notification, field, now)
                logger.warning("Notification %s not sent by %s: %s", notification.pk, channel, error)
                failures.append(f"{channel}: {error}")
            else:
                setattr(notification, field, now)
    if failures:
        raise DeliveryError("; ".join(failures))
    return {channel: decision.value for channel, decision in decisions.items()}


def held_notifications_release(*, now: datetime.datetime | None = None) -> int:
    """Deliver what quiet hours held back, for everyone whose quiet period has ended.

    Looks at unread notifications of the last day, of people with quiet hours, not yet sent on
    some channel; `notification_deliver` decides again, so those still in quiet hours wait, and
    what is off or daily stays so. Returns how many were looked at.
    """
    now = now or timezone.now()
    candidates = (
        Notification.objects.filter(
            user__quiet_hours__isnull=False,
            created_at__gte=now - HOLD_LOOKBACK,
            created_at__lte=now,
            read_at__isnull=True,
        )
        .filter(Q(emailed_at__isnull=True) | Q(texted_at__isnull=True))
        .order_by("created_at")
        .values_list("pk", "user_id", "user__time_zone", "user__quiet_hours__start", "user__quiet_hours__end")
    )
    looked_at = 0
    for notification_id, _user_id, time_zone, start, end in candidates.iterator(chunk_size=500):
        zone = delivery.user_zone(User(time_zone=time_zone))
        if delivery.is_quiet(QuietHours(start=start, end=end), zone=zone, now=now):
            continue
        looked_at += 1
        try:
            notification_deliver(notification_id=notification_id, now=now)
        except DeliveryError:
            logger.exception("Held notification %s could not be released", notification_id)
    return looked_at


def digest_send_for(*, user: User, now: datetime.datetime | None = None) -> int:
    """Email the person ONE summary of everything waiting for it and clear the waiting flags.

    Returns how many notifications the email carried (0: nothing waiting, nothing sent). What was
    already emailed on its own is left out. If the email fails, nothing is cleared.
    """
    now = now or timezone.now()
    with transaction.atomic():
        waiting = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("pupil")
            .filter(user=user, digest_pending=True)
            .order_by("created_at", "id")
        )
        if not waiting:
            return 0
        to_send = [notification for notification in waiting if notification.emailed_at is None]
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
