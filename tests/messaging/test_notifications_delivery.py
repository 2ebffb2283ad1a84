"""Notification delivery: channel choices, quiet hours, urgent alerts, the daily digest, languages.

Email goes to a real SMTP server (aiosmtpd on 127.0.0.1) where the test is about what arrives;
elsewhere Django's in-memory outbox is enough. "Now" is passed into the services, so nothing here
depends on the clock.
"""

import datetime

import pytest
from django.core import mail
from django.utils.translation import gettext_lazy

from hub import sms
from messaging.models import Notification, QuietHours
from messaging.notifications import delivery, services, tasks
from tests import factories
from tests.messaging.notification_helpers import (
    KENYAN_MOBILE,
    MONDAY_NIGHT,
    MONDAY_NOON,
    UTC,
    Channel,
    Frequency,
    Kind,
    clean_sms_outbox,  # noqa: F401 (autouse fixture: empty SMS outbox per test)
    notify_at,
    prefer,
)
from tests.messaging.smtp import running_smtp_server, use_smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_server(settings):
    with running_smtp_server() as server:
        use_smtp_server(settings, server)
        yield server


def _notify(django_capture_on_commit_callbacks, *, at=MONDAY_NOON, **fields) -> Notification:
    return notify_at(django_capture_on_commit_callbacks, at=at, **fields)


# Choosing the channel ---------------------------------------------------------------------------


def test_defaults_email_most_things_at_once_news_daily_and_text_only_school_alerts():
    frequency = delivery.frequency_for
    assert frequency({}, kind=Kind.MESSAGE, channel=Channel.EMAIL, pupil_id=None) == Frequency.INSTANT
    assert frequency({}, kind=Kind.ANNOUNCEMENT, channel=Channel.EMAIL, pupil_id=None) == Frequency.DAILY
    assert frequency({}, kind=Kind.SCHOOL_ALERT, channel=Channel.SMS, pupil_id=None) == Frequency.INSTANT
    for kind in (Kind.MESSAGE, Kind.SAFEGUARDING, Kind.ANNOUNCEMENT, Kind.ACCOUNT):
        assert frequency({}, kind=kind, channel=Channel.SMS, pupil_id=None) == Frequency.OFF


def test_a_choice_for_one_child_beats_the_choice_for_all_children(parent, school, django_capture_on_commit_callbacks):
    second_child = factories.PupilFactory(school=school)
    factories.GuardianshipFactory(guardian=parent, pupil=second_child)
    prefer(parent, Kind.MESSAGE, Channel.EMAIL, Frequency.OFF)
    prefer(parent, Kind.MESSAGE, Channel.EMAIL, Frequency.INSTANT, pupil=parent.child)
    preferences = delivery.preferences_of(parent)

    assert (
        delivery.frequency_for(preferences, kind=Kind.MESSAGE, channel=Channel.EMAIL, pupil_id=parent.child.pk)
        == Frequency.INSTANT
    )
    assert (
        delivery.frequency_for(preferences, kind=Kind.MESSAGE, channel=Channel.EMAIL, pupil_id=second_child.pk)
        == Frequency.OFF
    )

    about_first = _notify(
        django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="About first", pupil=parent.child
    )
    about_second = _notify(
        django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="About second", pupil=second_child
    )
    about_nobody = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="General")
    for notification in (about_first, about_second, about_nobody):
        services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)

    assert [message.subject for message in mail.outbox] == ["Homeroom: About first"]
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 1


def test_off_sends_nothing_and_daily_waits_for_the_digest(parent, django_capture_on_commit_callbacks):
    prefer(parent, Kind.MESSAGE, Channel.EMAIL, Frequency.OFF)
    prefer(parent, Kind.ACCOUNT, Channel.EMAIL, Frequency.DAILY)
    off = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Off")
    daily = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.ACCOUNT, title="Daily")

    assert services.notification_deliver(notification_id=off.pk, now=MONDAY_NOON) == {"email": "skip", "sms": "skip"}
    assert services.notification_deliver(notification_id=daily.pk, now=MONDAY_NOON)["email"] == "digest"

    assert mail.outbox == []
    assert sms.outbox == []
    off.refresh_from_db()
    daily.refresh_from_db()
    assert (off.digest_pending, off.emailed_at) == (False, None)
    assert (daily.digest_pending, daily.emailed_at) == (True, None)


def test_a_text_needs_a_phone_number_and_goes_when_chosen(parent, django_capture_on_commit_callbacks):
    prefer(parent, Kind.MESSAGE, Channel.SMS, Frequency.INSTANT)
    notification = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Hi")
    assert services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)["sms"] == "skip"

    parent.phone = KENYAN_MOBILE
    parent.save()
    assert services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON) == {"sms": "send"}
    assert [text.to for text in sms.outbox] == [KENYAN_MOBILE]
    assert "Hi" in sms.outbox[0].body


# Urgent school alerts ---------------------------------------------------------------------------


def test_urgent_school_alert_ignores_off_and_quiet_hours_and_goes_by_text_and_email(
    parent, smtp_server, django_capture_on_commit_callbacks
):
    parent.phone = KENYAN_MOBILE
    parent.save()
    prefer(parent, Kind.SCHOOL_ALERT, Channel.EMAIL, Frequency.OFF)
    prefer(parent, Kind.SCHOOL_ALERT, Channel.SMS, Frequency.OFF)
    QuietHours.objects.create(user=parent, start=datetime.time(21, 0), end=datetime.time(7, 0))
    alert = _notify(
        django_capture_on_commit_callbacks,
        at=MONDAY_NIGHT,
        user=parent,
        kind=Kind.SCHOOL_ALERT,
        title="School closed tomorrow: snow",
        urgent=True,
    )

    decisions = services.notification_deliver(notification_id=alert.pk, now=MONDAY_NIGHT)

    assert decisions == {"email": "send", "sms": "send"}
    assert len(sms.outbox) == 1
    assert sms.outbox[0].to == KENYAN_MOBILE
    assert "School closed tomorrow: snow" in sms.outbox[0].body
    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.recipients == [parent.email]
    assert "School closed tomorrow: snow" in received.subject
    alert.refresh_from_db()
    assert alert.emailed_at == MONDAY_NIGHT
    assert alert.texted_at == MONDAY_NIGHT
    assert alert.held_until is None


def test_a_school_alert_that_is_not_urgent_respects_off_and_quiet_hours(parent, django_capture_on_commit_callbacks):
    parent.phone = KENYAN_MOBILE
    parent.save()
    prefer(parent, Kind.SCHOOL_ALERT, Channel.EMAIL, Frequency.OFF)
    QuietHours.objects.create(user=parent, start=datetime.time(21, 0), end=datetime.time(7, 0))
    alert = _notify(
        django_capture_on_commit_callbacks, at=MONDAY_NIGHT, user=parent, kind=Kind.SCHOOL_ALERT, title="Trip"
    )

    assert services.notification_deliver(notification_id=alert.pk, now=MONDAY_NIGHT) == {"email": "skip", "sms": "hold"}
    assert sms.outbox == []
    assert mail.outbox == []
    alert.refresh_from_db()
    assert alert.held_until == datetime.datetime(2026, 1, 6, 7, 0, tzinfo=UTC)


# Sending safely ---------------------------------------------------------------------------------


def test_delivering_twice_sends_once(parent, django_capture_on_commit_callbacks):
    notification = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Once")
    tasks.deliver_notification.delay(notification.pk)
    tasks.deliver_notification.delay(notification.pk)
    assert len(mail.outbox) == 1


def test_notify_delivers_after_commit_through_the_task(parent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(user=parent, kind=Kind.MESSAGE, title="New message from Tess", url="/m/1/")
    assert [message.subject for message in mail.outbox] == ["Homeroom: New message from Tess"]
    assert "http://127.0.0.1:8000/m/1/" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_a_rolled_back_notify_sends_nothing(parent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(user=parent, kind=Kind.MESSAGE, title="Never")
    # The callbacks were registered but never ran (as after a rollback): no email went.
    assert len(callbacks) == 2
    assert mail.outbox == []


def test_a_failed_email_is_left_unsent_for_the_retry(parent, settings, django_capture_on_commit_callbacks):
    notification = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title="Retry me")
    with running_smtp_server() as server:
        port = server.port
    use_smtp_server(settings, server)  # the server has stopped: nobody listens on the port
    settings.EMAIL_PORT = port

    with pytest.raises(services.DeliveryError):
        services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)
    notification.refresh_from_db()
    assert notification.emailed_at is None

    with running_smtp_server() as server:
        use_smtp_server(settings, server)
        services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)
        assert len(server.received) == 1


def test_notify_refuses_links_off_the_site_and_pupils_the_recipient_cannot_see(parent, other_school):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(ValueError, match="path on this site"):
        services.notify(user=parent, kind=Kind.MESSAGE, title="x", url="https://evil.example/")
    with pytest.raises(ValueError, match="path on this site"):
        services.notify(user=parent, kind=Kind.MESSAGE, title="x", url="//evil.example/")
    with pytest.raises(ValueError, match="kind"):
        services.notify(user=parent, kind="gossip", title="x")
    with pytest.raises(PermissionDenied):
        services.notify(user=parent, kind=Kind.MESSAGE, title="x", pupil=factories.PupilFactory(school=other_school))


# The daily digest -------------------------------------------------------------------------------


def test_the_daily_digest_gathers_everything_held_into_one_email_and_only_once(
    parent, smtp_server, django_capture_on_commit_callbacks
):
    prefer(parent, Kind.MESSAGE, Channel.EMAIL, Frequency.DAILY)
    titles = ["Sports day moved", "Library books due", "New message from Tess"]
    notifications = [
        _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.ANNOUNCEMENT, title=titles[0]),
        _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.ANNOUNCEMENT, title=titles[1]),
        _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title=titles[2], body="See you"),
    ]
    for notification in notifications:
        services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)
    assert smtp_server.received == []
    assert Notification.objects.filter(user=parent, digest_pending=True).count() == 3

    sent = services.digest_send_for(user=parent, now=datetime.datetime(2026, 1, 5, 17, 0, tzinfo=UTC))

    assert sent == 3
    assert len(smtp_server.received) == 1
    digest = smtp_server.received[0]
    assert digest.recipients == [parent.email]
    assert "3 notifications" in digest.subject
    for title in titles:
        assert title in digest.text
        assert title in digest.html
    assert "See you" in digest.text
    assert not Notification.objects.filter(user=parent, digest_pending=True).exists()
    assert not Notification.objects.filter(user=parent, emailed_at__isnull=True).exists()

    assert services.digest_send_for(user=parent) == 0
    assert len(smtp_server.received) == 1


def test_the_digest_keeps_safeguarding_content_inside_homeroom(
    dsl_user, smtp_server, django_capture_on_commit_callbacks
):
    prefer(dsl_user, Kind.SAFEGUARDING, Channel.EMAIL, Frequency.DAILY)
    notification = _notify(
        django_capture_on_commit_callbacks,
        user=dsl_user,
        kind=Kind.SAFEGUARDING,
        title="A message needs review",
        body="Words that must stay private",
    )
    services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)
    services.digest_send_for(user=dsl_user, now=MONDAY_NOON)
    assert "A message needs review" in smtp_server.received[0].text
    assert "Words that must stay private" not in smtp_server.received[0].text
    assert "Words that must stay private" not in smtp_server.received[0].html


@pytest.fixture
def dsl_user(school):
    user = factories.UserFactory(display_name="Dee DSL")
    factories.MembershipFactory(user=user, school=school, role="dsl")
    return user


def test_digests_go_at_five_in_the_afternoon_on_each_persons_clock(parent, django_capture_on_commit_callbacks):
    parent.time_zone = "Africa/Nairobi"
    parent.save()
    _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.ANNOUNCEMENT, title="News")
    Notification.objects.update(digest_pending=True)

    assert services.digests_due(now=datetime.datetime(2026, 1, 5, 13, 0, tzinfo=UTC)) == []
    assert services.digests_due(now=datetime.datetime(2026, 1, 5, 14, 0, tzinfo=UTC)) == [parent.pk]  # 17:00 EAT
    assert services.digests_due(now=datetime.datetime(2026, 1, 5, 15, 0, tzinfo=UTC)) == []

    # Quiet hours covering 17:00 move the digest to when they end.
    QuietHours.objects.create(user=parent, start=datetime.time(16, 0), end=datetime.time(18, 30))
    assert services.digests_due(now=datetime.datetime(2026, 1, 5, 14, 0, tzinfo=UTC)) == []
    assert services.digests_due(now=datetime.datetime(2026, 1, 5, 16, 0, tzinfo=UTC)) == [parent.pk]  # 19:00 EAT


def test_the_periodic_tasks_run(parent, django_capture_on_commit_callbacks):
    _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.ANNOUNCEMENT, title="News")
    assert isinstance(tasks.send_daily_digests.delay().get(), int)
    assert isinstance(tasks.release_held_notifications.delay().get(), int)
    assert tasks.send_digest.delay(parent.pk).get() == 0  # nothing was waiting yet


# Languages --------------------------------------------------------------------------------------


def test_email_is_written_in_the_recipients_language(parent, smtp_server, django_capture_on_commit_callbacks):
    parent.preferred_language = "es"
    parent.save()
    # A lazy title is evaluated in the recipient's language ("Today" is in Django's own catalogue).
    notification = _notify(
        django_capture_on_commit_callbacks, user=parent, kind=Kind.MESSAGE, title=gettext_lazy("Today")
    )
    assert notification.title == "Hoy"

    services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)

    email = smtp_server.received[0]
    assert email.subject == "Homeroom: Hoy"
    assert "5 de enero de 2026" in email.text
    assert '<html lang="es">' in email.html


def test_the_digest_is_written_in_the_recipients_language(parent, smtp_server, django_capture_on_commit_callbacks):
    parent.preferred_language = "es"
    parent.save()
    notification = _notify(django_capture_on_commit_callbacks, user=parent, kind=Kind.ANNOUNCEMENT, title="Noticias")
    services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)

    services.digest_send_for(user=parent, now=datetime.datetime(2026, 1, 5, 17, 0, tzinfo=UTC))

    digest = smtp_server.received[0]
    assert "5 de enero de 2026" in digest.subject
    assert "5 de enero de 2026" in digest.html
    assert '<html lang="es">' in digest.html
