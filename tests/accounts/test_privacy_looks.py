"""'Who has looked': staff seeing a child's SEND information is audited by the pages that show it,
at most once per person, pupil and day, and listed on the family's page; safeguarding views are not."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import AuditEntry
from accounts.privacy import services
from messaging.models import Conversation, Message, SafeguardingAlert
from tests import factories
from tests.conftest import force_verified_login


def _send_views(pupil):
    return AuditEntry.objects.filter(action="pupil.send_viewed", target_type="accounts.pupil", target_id=str(pupil.pk))


@pytest.fixture
def family(school):
    child = factories.PupilFactory(
        school=school, first_name="Maya", last_name="García", send_status="sen_support", send_needs="Dyslexia"
    )
    parent = factories.UserFactory(display_name="Ana García", time_zone="Africa/Nairobi")
    factories.GuardianshipFactory(guardian=parent, pupil=child)
    return child, parent


@pytest.fixture
def sendco(school):
    user = factories.UserFactory(display_name="Sam Patel")
    factories.MembershipFactory(user=user, school=school, role="sendco")
    return user


@pytest.mark.django_db
def test_the_sendco_opening_the_send_register_appears_on_the_familys_page(client, family, sendco):
    child, parent = family
    force_verified_login(client, sendco)
    assert "Dyslexia" in client.get(reverse("home")).content.decode()
    client.get(reverse("home"))  # again the same day: no second entry

    assert _send_views(child).count() == 1
    entry = _send_views(child).get()
    assert entry.actor_id == sendco.pk
    assert entry.details["roles"] == ["sendco"]

    client.force_login(parent)
    body = client.get(reverse("privacy:child", args=[child.pk])).content.decode()
    assert "Sam Patel" in body
    assert "SENDCO" in body
    # When, on the parent's own clock (Nairobi), not the server's or the school's.
    local = entry.created_at.astimezone(zoneinfo.ZoneInfo("Africa/Nairobi"))
    assert date_format(local, "j F Y, H:i") in body


@pytest.mark.django_db
def test_a_teacher_seeing_the_class_list_is_recorded_for_pupils_with_send_only(client, school, family):
    child, parent = family
    without = factories.PupilFactory(school=school)
    teacher = factories.UserFactory(display_name="Rosa Lee")
    factories.MembershipFactory(user=teacher, school=school)
    group = factories.ClassGroupFactory(school=school, name="Year 2 Oak")
    group.staff.add(teacher)
    group.pupils.add(child, without)
    client.force_login(teacher)
    client.get(reverse("home"))
    assert _send_views(child).count() == 1
    assert _send_views(without).count() == 0
    client.force_login(parent)
    assert "Rosa Lee" in client.get(reverse("privacy:child", args=[child.pk])).content.decode()


@pytest.mark.django_db
def test_a_new_day_at_the_school_records_the_view_again(family, sendco, monkeypatch):
    child, _parent = family
    late_evening = datetime.datetime(2027, 3, 3, 23, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    monkeypatch.setattr(timezone, "now", lambda: late_evening)
    assert services.send_views_record(viewer=sendco, pupils=[child], page="home") == 1
    assert services.send_views_record(viewer=sendco, pupils=[child], page="home") == 0
    monkeypatch.setattr(timezone, "now", lambda: late_evening + datetime.timedelta(hours=1))
    assert services.send_views_record(viewer=sendco, pupils=[child], page="home") == 1


@pytest.mark.django_db
def test_the_school_office_opening_the_pupil_in_admin_is_recorded(client, school, family):
    child, parent = family
    office = factories.UserFactory(display_name="Ola Office", is_staff=True)
    factories.MembershipFactory(user=office, school=school, role="school_admin")
    office.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    force_verified_login(client, office)
    assert client.get(reverse("admin:accounts_pupil_change", args=[child.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_pupil_changelist")).status_code == 200
    assert _send_views(child).count() == 1
    assert _send_views(child).get().details == {"name": "Ola Office", "roles": ["school_admin"], "page": "admin"}


@pytest.mark.django_db
def test_a_family_seeing_their_own_childs_needs_is_not_a_look(family):
    child, parent = family
    assert services.send_views_record(viewer=parent, pupils=[child], page="insights") == 0


@pytest.mark.django_db
def test_looks_at_another_child_are_not_shown(client, school, family, sendco):
    child, parent = family
    other = factories.PupilFactory(school=school, send_status="ehcp")
    services.send_views_record(viewer=sendco, pupils=[other], page="home")
    client.force_login(parent)
    body = client.get(reverse("privacy:child", args=[child.pk])).content.decode()
    assert "Sam Patel" in body  # listed among who can see...
    assert "No member of staff has looked at your child" in body  # ...but has not looked at this child


@pytest.mark.django_db
def test_the_dsl_viewing_a_safeguarding_alert_is_audited_but_never_shown_to_the_family(client, school, family):
    child, parent = family
    dsl = factories.UserFactory(display_name="Dana Safe")
    factories.MembershipFactory(user=dsl, school=school, role="dsl")
    conversation = Conversation.objects.create(
        school=school, pupil=child, kind="guardian_staff", subject="Worries", created_by=parent
    )
    message = Message.objects.create(
        conversation=conversation, sender=parent, body="Worrying words", language="en", sent_at=timezone.now()
    )
    alert = SafeguardingAlert.objects.create(message=message, school=school, matched_phrases=["worrying"])
    force_verified_login(client, dsl)
    assert client.get(reverse("messaging:safeguarding_alert", args=[alert.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="safeguarding.alert_viewed", actor_id=dsl.pk).exists()

    client.force_login(parent)
    body = client.get(reverse("privacy:child", args=[child.pk])).content.decode()
    who_has_looked = body.split("Who has looked at SEND information")[1]
    assert "Dana Safe" not in who_has_looked
    assert "not shown here" in who_has_looked


def _send_pupils(school, count):
    return [factories.PupilFactory(school=school, send_status="ehcp", send_needs="Autism") for _ in range(count)]


@pytest.mark.django_db
def test_recording_a_register_costs_the_same_queries_for_two_pupils_or_twenty(school, sendco):
    small, large = _send_pupils(school, 2), _send_pupils(school, 20)
    services.send_views_record(viewer=sendco, pupils=_send_pupils(school, 1), page="home")  # the chain exists
    with CaptureQueriesContext(connection) as few:
        assert services.send_views_record(viewer=sendco, pupils=small, page="home") == 2
    with CaptureQueriesContext(connection) as many:
        assert services.send_views_record(viewer=sendco, pupils=large, page="home") == 20
    assert len(many) == len(few)
    from accounts import audit

    assert audit.verify() == []  # the entries written together still chain


@pytest.mark.django_db
def test_the_familys_page_costs_the_same_queries_with_few_or_many_looks(client, school, family):
    child, parent = family
    client.force_login(parent)
    client.get(reverse("privacy:child", args=[child.pk]))
    viewer = factories.MembershipFactory(school=school, role="sendco").user
    services.send_views_record(viewer=viewer, pupils=[child], page="home")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("privacy:child", args=[child.pk]))
    for _ in range(8):
        viewer = factories.MembershipFactory(school=school, role="leader").user
        services.send_views_record(viewer=viewer, pupils=[child], page="home")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("privacy:child", args=[child.pk]))
    assert len(many) == len(few)
