"""Shared helpers for the notification tests: fixed clock times and ways to set up a case."""

import datetime

import pytest
from django.utils import timezone

from hub import outbox, sms
from messaging.models import Notification, NotificationPreference
from messaging.notifications import services

UTC = datetime.UTC
# Monday 5 January 2026; London is on UTC in winter, Nairobi is UTC+3, New York UTC-5.
MONDAY_NOON = datetime.datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
MONDAY_NIGHT = datetime.datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
TUESDAY_MORNING = datetime.datetime(2026, 1, 6, 7, 5, tzinfo=UTC)
KENYAN_MOBILE = "+254712345678"


class Kind:
    """The stored names of the kinds accounts and messaging declare (their AppConfigs)."""

    MESSAGE = "message"
    SAFEGUARDING = "safeguarding"
    SCHOOL_ALERT = "school_alert"
    ANNOUNCEMENT = "announcement"
    ACCOUNT = "account"


Channel = NotificationPreference.Channel
Frequency = NotificationPreference.Frequency


def notify_at(django_capture_on_commit_callbacks, *, at, **fields) -> Notification:
    """A notification created at `at`, without running its on-commit delivery (the test drives it)."""
    with django_capture_on_commit_callbacks(execute=False):
        notification = services.notify(**fields)
    Notification.objects.filter(pk=notification.pk).update(created_at=at)
    notification.refresh_from_db()
    return notification


def prefer(user, kind, channel, frequency, pupil=None) -> None:
    NotificationPreference.objects.create(user=user, kind=kind, channel=channel, frequency=frequency, pupil=pupil)


@pytest.fixture(autouse=True)
def clean_sms_outbox():
    """The console SMS backend keeps sent texts in memory: start and end each test empty.
    Autouse in every module that imports it."""
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def later(monkeypatch):
    """Move the clock on by `seconds` and run what the sweeper finds due then."""
    real_now = timezone.now

    def move_on(seconds: float) -> int:
        moved = real_now() + datetime.timedelta(seconds=seconds)
        monkeypatch.setattr(timezone, "now", lambda: moved)
        return outbox.sweep()

    return move_on
