"""Which channel carries a notification, and when; and the email and text message themselves.

For each notification and each outside channel (email, SMS) the answer is one of:

- SEND: now;
- HOLD: the person is in their quiet hours; the notification's `held_until` says when they end,
  and `release_held_notifications` sends it then (unless it was read meanwhile);
- DIGEST: it waits for the daily summary email (`digest_pending`);
- SKIP: the person turned this off, or cannot be reached on this channel.

The in-app inbox row always exists; these decisions only concern the outside channels.
"""

import datetime
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from hub import sms
from hub.compiled_sql import reused_values
from messaging.models import Notification, NotificationPreference, QuietHours
from messaging.notifications import kinds

Channel = NotificationPreference.Channel
Frequency = NotificationPreference.Frequency

# Long titles are cut in texts, so most fit one or two SMS parts with the link.
SMS_TITLE_MAX = 100

# Preferences keyed by (kind, channel, pupil id or None for all children).
Preferences = dict[tuple[str, str, int | None], str]


class Decision(enum.Enum):
    SEND = "send"
    HOLD = "hold"
    DIGEST = "digest"
    SKIP = "skip"


def preferences_of(user: User) -> Preferences:
    """Everything `user` has chosen, in one query."""
    rows = NotificationPreference.objects.filter(user=user).values_list("kind", "channel", "pupil_id", "frequency")
    return {(kind, channel, pupil_id): frequency for kind, channel, pupil_id, frequency in rows}


# Up to this many people, their choices' query is compiled once per process and number (a
# message's readers); more (a digest run, an announcement) is built by the ORM.
COMPILED_PEOPLE_MAX = 16


def preferences_of_users(user_ids: Iterable[int]) -> dict[int, Preferences]:
    """Everything each of these people has chosen, in one query; no entry for someone with no choices."""
    ids = sorted(set(user_ids))

    def build(*ids: int):
        return NotificationPreference.objects.filter(user_id__in=list(ids)).values_list(
            "user_id", "kind", "channel", "pupil_id", "frequency"
        )

    if not ids:
        return {}
    if len(ids) > COMPILED_PEOPLE_MAX:
        rows = build(*ids)
    else:
        rows = reused_values(*ids, shape=("notifications.preferences_of_users", len(ids)), build=build)
    chosen: dict[int, Preferences] = defaultdict(dict)
    for user_id, kind, channel, pupil_id, frequency in rows:
        chosen[user_id][(kind, channel, pupil_id)] = frequency
    return dict(chosen)


def frequency_for(preferences: Preferences, *, kind: str, channel: str, pupil_id: int | None) -> str:
    """The most specific choice wins: this child, then all children, then the default the kind's
    app declared (messaging.notifications.kinds)."""
    if pupil_id is not None and (kind, channel, pupil_id) in preferences:
        return preferences[(kind, channel, pupil_id)]
    if (kind, channel, None) in preferences:
        return preferences[(kind, channel, None)]
    return kinds.describe(kind).default_frequency(channel)


def _within(start: datetime.time, end: datetime.time, moment: datetime.time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # the period crosses midnight


def is_quiet(quiet_hours: QuietHours | None, *, zone: datetime.tzinfo, now: datetime.datetime) -> bool:
    """True when `now`, on the person's own clock, falls in their quiet period."""
    if quiet_hours is None:
        return False
    return _within(quiet_hours.start, quiet_hours.end, now.astimezone(zone).time())


def quiet_period_end(
    quiet_hours: QuietHours | None, *, zone: datetime.tzinfo, now: datetime.datetime
) -> datetime.datetime | None:
    """When the quiet period `now` falls in ends, in UTC; None when `now` is not in quiet hours.

    The end is read on the person's own clock, so a period crossing midnight entered in the
    evening ends the next morning, and one entered after midnight ends the same morning.
    """
    if not is_quiet(quiet_hours, zone=zone, now=now):
        return None
    local = now.astimezone(zone)
    end_date = local.date()
    if quiet_hours.start > quiet_hours.end and local.time() >= quiet_hours.start:
        end_date += datetime.timedelta(days=1)
    return datetime.datetime.combine(end_date, quiet_hours.end, tzinfo=zone).astimezone(datetime.UTC)


def quiet_hours_of(user: User) -> QuietHours | None:
    try:
        return user.quiet_hours
    except QuietHours.DoesNotExist:
        return None


def overrides_everything(notification: Notification) -> bool:
    """Urgent notifications of a kind that breaks through (school closures, lockdowns) go at once on
    every channel, whatever was chosen."""
    return notification.urgent and kinds.describe(notification.kind).urgency == kinds.BREAKS_THROUGH


def can_text(user: User) -> bool:
    if not user.phone:
        return False
    try:
        sms.e164(user.phone)
    except sms.SMSDeliveryError:
        return False
    return True


def decide(*, notification: Notification, frequency: str, quiet: bool, reachable: bool) -> Decision:
    if not reachable:
        return Decision.SKIP
    if overrides_everything(notification):
        return Decision.SEND
    if frequency == Frequency.OFF:
        return Decision.SKIP
    if frequency == Frequency.DAILY:
        return Decision.DIGEST
    if quiet:
        return Decision.HOLD
    return Decision.SEND


def decisions_for(
    notification: Notification, *, preferences: Preferences, quiet_hours: QuietHours | None, now: datetime.datetime
) -> dict[str, Decision]:
    """The decision for each outside channel not yet used for this notification."""
    user = notification.user
    quiet = is_quiet(quiet_hours, zone=user.zone, now=now)
    reachable = {Channel.EMAIL: bool(user.email) and user.is_active, Channel.SMS: user.is_active and can_text(user)}
    done = {Channel.EMAIL: notification.emailed_at is not None, Channel.SMS: notification.texted_at is not None}
    decisions = {}
    for channel in (Channel.EMAIL, Channel.SMS):
        if done[channel]:
            continue
        frequency = frequency_for(preferences, kind=notification.kind, channel=channel, pupil_id=notification.pupil_id)
        decisions[channel] = decide(
            notification=notification,
            frequency=frequency,
            quiet=quiet,
            reachable=reachable[channel],
        )
    return decisions


def digest_time_for(quiet_hours: QuietHours | None) -> datetime.time:
    """When, on the person's own clock, their daily summary goes: the usual hour, or when quiet hours end."""
    usual = datetime.time(getattr(settings, "NOTIFICATIONS_DIGEST_HOUR", 17), 0)
    if quiet_hours is not None and _within(quiet_hours.start, quiet_hours.end, usual):
        return quiet_hours.end
    return usual


def digest_due(user: User, *, quiet_hours: QuietHours | None, now: datetime.datetime) -> bool:
    """True during the hour after the person's digest time: an hourly run hits it once a day."""
    local = now.astimezone(user.zone)
    start = datetime.datetime.combine(local.date(), digest_time_for(quiet_hours), tzinfo=local.tzinfo)
    if local < start:  # the window may have begun yesterday (a digest time late in the evening)
        start -= datetime.timedelta(days=1)
    return start <= local < start + datetime.timedelta(hours=1)


# Rendering and sending -----------------------------------------------------------------------------


def site_url(path: str = "") -> str:
    base = getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/")
    return f"{base}{path}" if path.startswith("/") else base


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _language_of(user: User) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def _context(user: User, now: datetime.datetime) -> dict:
    return {
        "recipient": user,
        "now": now,
        "site_url": site_url(),
        "inbox_url": site_url(reverse("notifications:inbox")),
        "preferences_url": site_url(reverse("notifications:preferences")),
        "language": translation.get_language(),
    }


def message_id_for(kind: str, *parts: object) -> str:
    """A Message-ID derived from what the email is (a notification, one person's digest), not
    from the moment it is sent: the same email sent again after a crash carries the same id,
    so mail servers and people can recognise the repeat."""
    domain = urlsplit(site_url()).hostname or "homeroom.invalid"
    return f"<{kind}-{'-'.join(str(part) for part in parts)}@{domain}>"


def _send_email(*, user: User, subject: str, template: str, context: dict, message_id: str) -> None:
    text = render_to_string(f"messaging/notifications/email/{template}.txt", context)
    html = render_to_string(f"messaging/notifications/email/{template}.html", context)
    email = EmailMultiAlternatives(
        subject=_one_line(subject)[:250],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated", "Message-ID": message_id},
    )
    email.attach_alternative(html, "text/html")
    email.send()


def email_send(notification: Notification, *, now: datetime.datetime) -> None:
    """Email one notification in the recipient's language and time zone. SMTP errors propagate."""
    user = notification.user
    with translation.override(_language_of(user)), timezone.override(user.zone):
        context = _context(user, now) | {
            "notification": notification,
            "link": site_url(notification.url) if notification.url else site_url(reverse("notifications:inbox")),
            "show_body": not kinds.describe(notification.kind).content_stays_in_app,
        }
        subject = _("Homeroom: %(title)s") % {"title": notification.title}
        _send_email(
            user=user,
            subject=subject,
            template="notification",
            context=context,
            message_id=message_id_for("notification", notification.pk),
        )


def sms_send(notification: Notification) -> None:
    """Text the title and a link (never the body: texts are not private). SMSDeliveryError propagates."""
    user = notification.user
    with translation.override(_language_of(user)):
        link = site_url(notification.url or reverse("notifications:inbox"))
        title = Truncator(_one_line(notification.title)).chars(SMS_TITLE_MAX)
        body = _("Homeroom: %(title)s %(link)s") % {"title": title, "link": link}
    sms.send(to=user.phone, body=body)


def digest_email_send(user: User, notifications: Sequence[Notification], *, now: datetime.datetime) -> None:
    """One email gathering `notifications`, oldest first, in the recipient's language."""
    with translation.override(_language_of(user)), timezone.override(user.zone):
        context = _context(user, now) | {
            "notifications": [
                {
                    "notification": notification,
                    "link": site_url(notification.url or reverse("notifications:inbox")),
                    "show_body": not kinds.describe(notification.kind).content_stays_in_app,
                }
                for notification in notifications
            ],
            "today": timezone.localtime(now),
        }
        subject = render_to_string("messaging/notifications/email/digest_subject.txt", context)
        _send_email(
            user=user,
            subject=subject,
            template="digest",
            context=context,
            message_id=message_id_for("digest", user.pk, *(notification.pk for notification in notifications[:1])),
        )
