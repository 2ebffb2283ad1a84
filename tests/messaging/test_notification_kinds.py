"""Notification kinds are declared by the app that sends them (its AppConfig), not by messaging.

The end-to-end case plays a new app: an AppConfig messaging has never heard of declares a kind,
and the preferences page offers it, notify() accepts it and delivery follows its defaults, with no
change to messaging's code, model or migrations.
"""

import types

import pytest
from django.apps import AppConfig, apps
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext_lazy

from hub import sms
from messaging.models import Notification
from messaging.notifications import kinds, services
from tests.messaging.notification_helpers import (
    KENYAN_MOBILE,
    clean_sms_outbox,  # noqa: F401 (autouse fixture: empty SMS outbox per test)
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Whatever a test registers is forgotten afterwards."""
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))
    return kinds


class ReportsConfig(AppConfig):
    """A feature app that is not installed: it only declares what it would send."""

    name = "reports"
    label = "reports"
    path = "/nonexistent/reports"  # AppConfig wants a path; nothing is read from it

    def notification_kinds(self):
        return [
            {
                "name": "report_ready",
                "label": gettext_lazy("Reports ready to read"),
                "defaults": {"email": "instant", "sms": "instant"},
                "content_stays_in_app": True,  # a report names a child's needs: read it signed in
            }
        ]


@pytest.fixture
def reports_app(monkeypatch):
    """Install ReportsConfig in the app registry and collect kinds as start-up does."""
    config = ReportsConfig("reports", types.ModuleType("reports"))
    config.apps, config.models = apps, {}  # what the registry sets when it loads an app: no models
    monkeypatch.setitem(apps.app_configs, config.label, config)
    kinds.collect_from_apps()
    return config


def test_accounts_and_messaging_declare_their_kinds_in_their_app_configs():
    declared = {kind.name: kind for kind in kinds.all_kinds()}
    assert {"message", "safeguarding", "school_alert", "announcement", "account"} <= set(declared)
    assert declared["account"].app_label == "accounts"
    assert declared["message"].app_label == "messaging"
    assert declared["safeguarding"].content_stays_in_app
    assert declared["school_alert"].urgency == kinds.BREAKS_THROUGH
    assert declared["announcement"].default_frequency("email") == "daily"
    assert declared["account"].default_frequency("sms") == "off"


def test_a_kind_declared_by_a_new_app_is_offered_delivered_and_shown_with_its_defaults(
    client, parent, school, reports_app, django_capture_on_commit_callbacks
):
    parent.phone = KENYAN_MOBILE
    parent.save()
    client.force_login(parent)

    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Reports ready to read" in page
    assert 'name="report_ready-email"' in page
    assert f'name="report_ready-sms-{parent.child.pk}"' in page  # per child, as the app did not say otherwise

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            user=parent,
            kind="report_ready",
            title="Term report for your child",
            body="Reading: working towards the expected standard",
            pupil=parent.child,
        )

    # Its defaults: an email (without the body, which stays in Homeroom) and a text, at once.
    assert [message.to for message in mail.outbox] == [[parent.email]]
    assert "Term report for your child" in mail.outbox[0].body
    assert "Reports ready to read" in mail.outbox[0].body  # the kind, as its app labels it
    assert "working towards" not in mail.outbox[0].body
    assert [text.to for text in sms.outbox] == [KENYAN_MOBILE]
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert "Reports ready to read" in inbox
    assert "working towards" in inbox  # in the app, signed in, it is shown


def test_a_person_can_turn_a_new_apps_kind_off(client, parent, reports_app, django_capture_on_commit_callbacks):
    client.force_login(parent)
    form = {f"{kind.name}-{channel}": "instant" for kind in kinds.all_kinds() for channel in ("email", "sms")}
    form |= {"report_ready-email": "off", "quiet_start": "21:00", "quiet_end": "07:00"}
    assert client.post(reverse("notifications:preferences"), form).status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=parent, kind="report_ready", title="Term report")
    assert mail.outbox == []
    assert Notification.objects.filter(user=parent, kind="report_ready").count() == 1  # still in the inbox


def test_notify_refuses_a_kind_no_app_declares(parent):
    with pytest.raises(ValueError, match="report_ready"):
        services.notify(user=parent, kind="report_ready", title="Term report")
    assert not Notification.objects.exists()


def test_preferences_for_a_kind_no_app_declares_are_refused(parent):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.preferences_update(user=parent, choices={("report_ready", "email", None): "off"})


def test_the_preferences_page_lists_kinds_in_the_persons_language(client, parent):
    parent.preferred_language = "es"
    parent.save()
    client.force_login(parent)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Mensajes nuevos" in page  # messaging's "New messages"
    assert "Cuenta y seguridad" in page  # accounts' "Account and security"


def test_a_notification_of_a_kind_whose_app_was_removed_still_shows_but_is_not_sent(client, parent):
    notification = Notification.objects.create(user=parent, kind="retired_kind", title="From an old app", body="Old")
    client.force_login(parent)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "From an old app" in page

    assert services.notification_deliver(notification_id=notification.pk) == {"email": "skip", "sms": "skip"}
    assert mail.outbox == []


@pytest.mark.parametrize(
    "declaration",
    [
        {"name": "Report Ready", "label": "Reports"},  # not a stored-name shape
        {"name": "a_name_longer_than_twenty", "label": "Reports"},  # does not fit the column
        {"name": "report_ready", "label": ""},
        {"name": "report_ready", "label": "Reports", "defaults": {"email": "weekly"}},
        {"name": "report_ready", "label": "Reports", "defaults": {"pigeon": "instant"}},
        {"name": "report_ready", "label": "Reports", "urgency": "very"},
        {"name": "report_ready", "label": "Reports", "colour": "red"},
    ],
)
def test_a_malformed_declaration_stops_start_up_with_the_reason(declaration):
    with pytest.raises(ImproperlyConfigured):
        kinds.register(declaration, app_label="reports")
    assert not kinds.is_registered(declaration["name"])


def test_two_apps_cannot_declare_the_same_kind():
    with pytest.raises(ImproperlyConfigured, match="messaging"):
        kinds.register({"name": "message", "label": "Messages"}, app_label="reports")
    assert kinds.get("message").app_label == "messaging"


def test_the_registry_speaks_the_stored_channels_and_frequencies():
    from messaging.models import NotificationPreference

    assert set(kinds.CHANNELS) == set(NotificationPreference.Channel.values)
    assert set(kinds.FREQUENCIES) == set(NotificationPreference.Frequency.values)
