"""Notification choices made on the settings page change what is delivered: per kind, per channel
and per child (a child's choice beats the one for all children, and touches no other child)."""

import pytest
from django.core import mail
from django.urls import reverse

from messaging.models import NotificationPreference
from messaging.notifications import selectors, services
from messaging.notifications.forms import NotificationSettingsForm
from tests import factories
from tests.messaging.notification_helpers import (
    MONDAY_NOON,
    Kind,
    clean_sms_outbox,  # noqa: F401 - autouse
)

pytestmark = pytest.mark.django_db

URL = reverse("notifications:preferences")


def page_values(user, **changes) -> dict:
    """What the page's form holds now (every select as shown), with `changes` made."""
    form = NotificationSettingsForm(current=selectors.notification_settings_for(user))
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data["quiet_start"], data["quiet_end"] = "21:00", "07:00"
    data.pop("quiet_enabled", None)
    data.update(changes)
    return data


def delivered_email_subjects(user, django_capture_on_commit_callbacks, pupils) -> list[str]:
    for pupil in pupils:
        with django_capture_on_commit_callbacks(execute=False):
            notification = services.notify(user=user, kind=Kind.MESSAGE, title=f"About {pupil.first_name}", pupil=pupil)
        services.notification_deliver(notification_id=notification.pk, now=MONDAY_NOON)
    return sorted(message.subject for message in mail.outbox)


@pytest.fixture
def two_children(parent, school):
    second = factories.PupilFactory(school=school, first_name="Second")
    factories.GuardianshipFactory(guardian=parent, pupil=second)
    parent.child.first_name = "First"
    parent.child.save(update_fields=["first_name"])
    return parent.child, second


def test_email_off_for_one_childs_messages_stops_only_that_childs_emails(
    client, parent, two_children, django_capture_on_commit_callbacks
):
    first, second = two_children
    client.force_login(parent)
    page = client.get(URL).content.decode()
    assert f"Choices for {first.known_as}" in page
    assert f"Choices for {second.known_as}" in page

    response = client.post(URL, page_values(parent, **{f"{Kind.MESSAGE}-email-{first.pk}": "off"}))
    assert response.status_code == 302

    subjects = delivered_email_subjects(parent, django_capture_on_commit_callbacks, [first, second])
    assert subjects == ["Homeroom: About Second"]


def test_email_off_for_all_children_with_one_child_back_on(
    client, parent, two_children, django_capture_on_commit_callbacks
):
    first, second = two_children
    client.force_login(parent)
    changes = {f"{Kind.MESSAGE}-email": "off", f"{Kind.MESSAGE}-email-{second.pk}": "instant"}
    assert client.post(URL, page_values(parent, **changes)).status_code == 302
    assert delivered_email_subjects(parent, django_capture_on_commit_callbacks, [first, second]) == [
        "Homeroom: About Second"
    ]


def test_a_bad_choice_is_shown_and_nothing_changes(client, parent, two_children):
    first, _second = two_children
    client.force_login(parent)
    response = client.post(
        URL, page_values(parent, **{f"{Kind.MESSAGE}-email": "hourly", f"{Kind.MESSAGE}-email-{first.pk}": "off"})
    )
    assert response.status_code == 422
    assert "There is a problem" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=parent).exists()


def test_another_familys_child_cannot_be_chosen_for(client, parent, other_school):
    stranger_child = factories.PupilFactory(school=other_school)
    client.force_login(parent)
    client.post(URL, page_values(parent, **{f"{Kind.MESSAGE}-email-{stranger_child.pk}": "off"}))
    assert not NotificationPreference.objects.filter(pupil=stranger_child).exists()


def test_the_page_costs_the_same_for_one_or_six_children(client, school, django_assert_max_num_queries):
    counts = []
    for size in (1, 6):
        guardian = factories.UserFactory()
        for _n in range(size):
            factories.GuardianshipFactory(guardian=guardian, pupil=factories.PupilFactory(school=school))
        client.force_login(guardian)
        client.get(URL)
        with django_assert_max_num_queries(12) as captured:
            page = client.get(URL).content.decode()
        assert page.count("<details") == size
        counts.append(len(captured))
    assert counts[0] == counts[1]
