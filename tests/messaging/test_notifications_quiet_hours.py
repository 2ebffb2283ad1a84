"""Quiet hours: email and texts held until the person's quiet period ends, then released once.

A hold is explicit: delivery sets `held_until` (UTC) and the release task looks only at holds that
are due. "Now" is passed into the services, so nothing here depends on the clock.
"""

import datetime

import pytest
from django.core import mail

from hub import sms
from messaging.models import Notification, QuietHours
from messaging.notifications import delivery, services
from tests import factories
from tests.messaging.notification_helpers import (
    KENYAN_MOBILE,
    MONDAY_NIGHT,
    MONDAY_NOON,
    TUESDAY_MORNING,
    UTC,
    Channel,
    Frequency,
    Kind,
    clean_sms_outbox,  # noqa: F401 (autouse fixture: empty SMS outbox per test)
    notify_at,
    prefer,
)

pytestmark = pytest.mark.django_db

TUESDAY_SEVEN = datetime.datetime(2026, 1, 6, 7, 0, tzinfo=UTC)
NINE_TO_SEVEN = {"start": datetime.time(21, 0), "end": datetime.time(7, 0)}


def _notify(django_capture_on_commit_callbacks, *, at=MONDAY_NIGHT, **fields) -> Notification:
    return notify_at(django_capture_on_commit_callbacks, at=at, **fields)


def _held_until(notification) -> datetime.datetime | None:
    notification.refresh_from_db()
    return notification.held_until


# When a quiet period is, and when it ends ---------------------------------------------------------


def test_quiet_hours_are_read_on_the_persons_own_clock_and_may_cross_midnight():
    quiet = QuietHours(**NINE_TO_SEVEN)
    london = factories.UserFactory.build(time_zone="Europe/London").zone
    nairobi = factories.UserFactory.build(time_zone="Africa/Nairobi").zone  # UTC+3

    assert delivery.is_quiet(quiet, zone=london, now=MONDAY_NIGHT)  # 23:00 in London
    assert delivery.is_quiet(quiet, zone=nairobi, now=MONDAY_NIGHT)  # 02:00 in Nairobi
    assert not delivery.is_quiet(quiet, zone=london, now=datetime.datetime(2026, 1, 5, 19, 0, tzinfo=UTC))
    assert delivery.is_quiet(quiet, zone=nairobi, now=datetime.datetime(2026, 1, 5, 19, 0, tzinfo=UTC))  # 22:00
    assert not delivery.is_quiet(quiet, zone=london, now=TUESDAY_MORNING)  # 07:05
    daytime = QuietHours(start=datetime.time(9, 0), end=datetime.time(15, 0))
    assert delivery.is_quiet(daytime, zone=london, now=MONDAY_NOON)
    assert not delivery.is_quiet(daytime, zone=london, now=MONDAY_NIGHT)
    assert not delivery.is_quiet(None, zone=london, now=MONDAY_NIGHT)


def test_a_time_zone_this_machine_does_not_know_reads_as_utc():
    """Quiet hours and digests of someone whose saved zone is unknown follow UTC, never an error."""
    assert factories.UserFactory.build(time_zone="Mars/Olympus_Mons").zone.key == "UTC"
    assert factories.UserFactory.build(time_zone="").zone.key == "UTC"
    assert factories.UserFactory.build(time_zone="Africa/Nairobi").zone.utcoffset(MONDAY_NOON) == datetime.timedelta(
        hours=3
    )


def test_a_quiet_period_ends_on_the_persons_own_clock_in_utc():
    quiet = QuietHours(**NINE_TO_SEVEN)
    end = delivery.quiet_period_end
    london = factories.UserFactory.build(time_zone="Europe/London").zone
    nairobi = factories.UserFactory.build(time_zone="Africa/Nairobi").zone
    new_york = factories.UserFactory.build(time_zone="America/New_York").zone

    # 23:00 Monday in London: the period crosses midnight and ends at 07:00 Tuesday.
    assert end(quiet, zone=london, now=MONDAY_NIGHT) == TUESDAY_SEVEN
    # 22:00 Monday in Nairobi (before midnight) and 02:00 Tuesday (after): both end 07:00 EAT Tuesday.
    tuesday_seven_nairobi = datetime.datetime(2026, 1, 6, 4, 0, tzinfo=UTC)
    assert end(quiet, zone=nairobi, now=datetime.datetime(2026, 1, 5, 19, 0, tzinfo=UTC)) == tuesday_seven_nairobi
    assert end(quiet, zone=nairobi, now=MONDAY_NIGHT) == tuesday_seven_nairobi
    # 21:30 Monday in New York is already Tuesday in UTC; the end is 07:00 EST Tuesday.
    assert end(quiet, zone=new_york, now=datetime.datetime(2026, 1, 6, 2, 30, tzinfo=UTC)) == datetime.datetime(
        2026, 1, 6, 12, 0, tzinfo=UTC
    )
    # A daytime period ends the same day; outside quiet hours there is no end.
    daytime = QuietHours(start=datetime.time(9, 0), end=datetime.time(15, 0))
    assert end(daytime, zone=london, now=MONDAY_NOON) == datetime.datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    assert end(quiet, zone=london, now=MONDAY_NOON) is None
    assert end(None, zone=london, now=MONDAY_NIGHT) is None


# Holding ------------------------------------------------------------------------------------------


def test_a_hold_is_recorded_as_the_end_of_the_quiet_period_on_the_persons_clock(
    parent, django_capture_on_commit_callbacks
):
    parent.time_zone = "Africa/Nairobi"
    parent.phone = KENYAN_MOBILE
    parent.save()
    prefer(parent, Kind.MESSAGE, Channel.SMS, Frequency.INSTANT)
    QuietHours.objects.create(user=parent, **NINE_TO_SEVEN)
    # 22:00 on Monday in Nairobi.
    notification = _notify(
        django_capture_on_commit_callbacks,
        at=datetime.datetime(2026, 1, 5, 19, 0, tzinfo=UTC),
        user=parent,
        kind=Kind.MESSAGE,
        title="Late reply",
    )

    decisions = services.notification_deliver(
        notification_id=notification.pk, now=datetime.datetime(2026, 1, 5, 19, 0, tzinfo=UTC)
    )

    assert decisions == {"email": "hold", "sms": "hold"}
    assert _held_until(notification) == datetime.datetime(2026, 1, 6, 4, 0, tzinfo=UTC)  # 07:00 in Nairobi
    assert mail.outbox == []
    assert sms.outbox == []


def test_nothing_is_held_outside_quiet_hours_or_when_turned_off(parent, django_capture_on_commit_callbacks):
    QuietHours.objects.create(user=parent, **NINE_TO_SEVEN)
    prefer(parent, Kind.ACCOUNT, Channel.EMAIL, Frequency.OFF)
    daytime = _notify(django_capture_on_commit_callbacks, at=MONDAY_NOON, user=parent, kind=Kind.MESSAGE, title="Day")
    turned_off = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.ACCOUNT, title="Off")

    services.notification_deliver(notification_id=daytime.pk, now=MONDAY_NOON)
    services.notification_deliver(notification_id=turned_off.pk, now=MONDAY_NIGHT)

    assert _held_until(daytime) is None
    assert _held_until(turned_off) is None
    assert [message.subject for message in mail.outbox] == ["Homeroom: Day"]


# Releasing ----------------------------------------------------------------------------------------


def test_release_sends_nothing_before_the_hold_ends_and_once_after(parent, django_capture_on_commit_callbacks):
    QuietHours.objects.create(user=parent, **NINE_TO_SEVEN)
    notification = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Late reply")

    assert services.notification_deliver(notification_id=notification.pk, now=MONDAY_NIGHT)["email"] == "hold"
    assert _held_until(notification) == TUESDAY_SEVEN

    for before in (datetime.datetime(2026, 1, 6, 3, 0, tzinfo=UTC), TUESDAY_SEVEN - datetime.timedelta(seconds=1)):
        assert services.held_notifications_release(now=before) == 0
    assert mail.outbox == []
    assert _held_until(notification) == TUESDAY_SEVEN
    assert notification.emailed_at is None

    assert services.held_notifications_release(now=TUESDAY_SEVEN) == 1
    assert [message.subject for message in mail.outbox] == ["Homeroom: Late reply"]
    assert _held_until(notification) is None
    assert notification.emailed_at == TUESDAY_SEVEN

    # Released once only, however often the task runs or the delivery task is retried.
    assert services.held_notifications_release(now=TUESDAY_MORNING) == 0
    services.notification_deliver(notification_id=notification.pk, now=TUESDAY_MORNING)
    assert len(mail.outbox) == 1


def test_release_leaves_alone_what_was_read_meanwhile(parent, django_capture_on_commit_callbacks):
    QuietHours.objects.create(user=parent, **NINE_TO_SEVEN)
    read = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Read")
    services.notification_deliver(notification_id=read.pk, now=MONDAY_NIGHT)
    services.notification_mark_read(user=parent, notification_id=read.pk)

    assert services.held_notifications_release(now=TUESDAY_MORNING) == 0
    assert mail.outbox == []
    assert _held_until(read) is None
    assert read.emailed_at is None


def test_a_later_preference_change_does_not_send_old_items(parent, django_capture_on_commit_callbacks):
    QuietHours.objects.create(user=parent, **NINE_TO_SEVEN)
    prefer(parent, Kind.MESSAGE, Channel.EMAIL, Frequency.OFF)
    off_by_day = _notify(django_capture_on_commit_callbacks, at=MONDAY_NOON, user=parent, kind=Kind.MESSAGE, title="A")
    off_by_night = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="B")
    held = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.ACCOUNT, title="New sign-in")
    services.notification_deliver(notification_id=off_by_day.pk, now=MONDAY_NOON)
    services.notification_deliver(notification_id=off_by_night.pk, now=MONDAY_NIGHT)
    services.notification_deliver(notification_id=held.pk, now=MONDAY_NIGHT)

    services.held_notifications_release(now=TUESDAY_MORNING)
    assert [message.subject for message in mail.outbox] == ["Homeroom: New sign-in"]

    # Later that morning: messages switched from off to straight away, texts too.
    parent.phone = KENYAN_MOBILE
    parent.save()
    services.preferences_update(
        user=parent,
        choices={
            (Kind.MESSAGE, Channel.EMAIL, None): Frequency.INSTANT,
            (Kind.MESSAGE, Channel.SMS, None): Frequency.INSTANT,
            (Kind.ACCOUNT, Channel.SMS, None): Frequency.INSTANT,
        },
    )
    for minutes in (10, 60, 12 * 60):
        services.held_notifications_release(now=TUESDAY_MORNING + datetime.timedelta(minutes=minutes))

    assert [message.subject for message in mail.outbox] == ["Homeroom: New sign-in"]
    assert sms.outbox == []
    assert Notification.objects.filter(held_until__isnull=False).count() == 0


def test_release_honours_a_channel_turned_off_during_the_night(parent, django_capture_on_commit_callbacks):
    QuietHours.objects.create(user=parent, **NINE_TO_SEVEN)
    notification = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Late reply")
    services.notification_deliver(notification_id=notification.pk, now=MONDAY_NIGHT)
    services.preferences_update(user=parent, choices={(Kind.MESSAGE, Channel.EMAIL, None): Frequency.OFF})

    services.held_notifications_release(now=TUESDAY_MORNING)

    assert mail.outbox == []
    assert _held_until(notification) is None


def test_quiet_hours_moved_later_hold_the_item_until_their_new_end(parent, django_capture_on_commit_callbacks):
    quiet_hours = QuietHours.objects.create(user=parent, **NINE_TO_SEVEN)
    notification = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Late reply")
    services.notification_deliver(notification_id=notification.pk, now=MONDAY_NIGHT)
    services.quiet_hours_update(user=parent, enabled=True, start=quiet_hours.start, end=datetime.time(9, 0))

    services.held_notifications_release(now=TUESDAY_MORNING)
    assert mail.outbox == []
    assert _held_until(notification) == datetime.datetime(2026, 1, 6, 9, 0, tzinfo=UTC)

    services.held_notifications_release(now=datetime.datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
    assert [message.subject for message in mail.outbox] == ["Homeroom: Late reply"]


def test_a_channel_that_fails_on_release_is_held_again_and_sent_once_later(
    parent, monkeypatch, django_capture_on_commit_callbacks
):
    QuietHours.objects.create(user=parent, **NINE_TO_SEVEN)
    notification = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Late reply")
    services.notification_deliver(notification_id=notification.pk, now=MONDAY_NIGHT)
    send_email = delivery.email_send

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(delivery, "email_send", refuse)
    services.held_notifications_release(now=TUESDAY_MORNING)
    assert _held_until(notification) == TUESDAY_MORNING + services.RELEASE_RETRY_AFTER
    assert notification.emailed_at is None

    monkeypatch.setattr(delivery, "email_send", send_email)
    services.held_notifications_release(now=TUESDAY_MORNING + datetime.timedelta(minutes=1))
    assert mail.outbox == []
    retry_at = TUESDAY_MORNING + services.RELEASE_RETRY_AFTER
    services.held_notifications_release(now=retry_at)
    services.held_notifications_release(now=retry_at + services.RELEASE_RETRY_AFTER)
    assert [message.subject for message in mail.outbox] == ["Homeroom: Late reply"]
    assert _held_until(notification) is None
    assert notification.emailed_at == retry_at


@pytest.mark.parametrize("people", [3, 30])
def test_release_queries_do_not_grow_with_the_number_of_people(
    people, school, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    zones = ["Europe/London", "Africa/Nairobi", "Asia/Karachi"]
    held = []
    for number in range(people):
        person = factories.UserFactory(time_zone=zones[number % len(zones)], phone=KENYAN_MOBILE)
        QuietHours.objects.create(user=person, **NINE_TO_SEVEN)
        if number % 2:
            prefer(person, Kind.MESSAGE, Channel.SMS, Frequency.INSTANT)
        notification = _notify(django_capture_on_commit_callbacks, user=person, kind=Kind.MESSAGE, title="Hello")
        services.notification_deliver(notification_id=notification.pk, now=MONDAY_NIGHT)
        held.append(notification)
    # Someone without quiet hours, with nothing held, is not looked at.
    _notify(django_capture_on_commit_callbacks, user=factories.UserFactory(), kind=Kind.MESSAGE, title="Other")
    assert Notification.objects.filter(held_until__isnull=False).count() == people

    # Savepoint, the due holds (with person, quiet hours, child), their choices, which of them their
    # people may still see, clearing the holds, stamping email, stamping texts, savepoint release:
    # emails and texts themselves go per item.
    with django_assert_max_num_queries(8):
        released = services.held_notifications_release(now=TUESDAY_MORNING)

    assert released == people
    assert len(mail.outbox) == people
    assert len(sms.outbox) == people // 2
    assert not Notification.objects.filter(held_until__isnull=False).exists()
    assert Notification.objects.filter(pk__in=[n.pk for n in held], emailed_at=TUESDAY_MORNING).count() == people
