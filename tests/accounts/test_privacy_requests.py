"""Data requests: a family asks, the school's data protection lead answers by the legal deadline,
and the family is told."""

import datetime
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, DataRequest
from accounts.privacy import services
from messaging.models import Notification
from tests import factories
from tests.conftest import force_verified_login

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def family(school):
    child = factories.PupilFactory(school=school, first_name="Maya", last_name="García")
    parent = factories.UserFactory(display_name="Ana García")
    factories.GuardianshipFactory(guardian=parent, pupil=child)
    return child, parent


def _dpl(school, name="Dee Protect"):
    user = factories.UserFactory(display_name=name)
    factories.MembershipFactory(user=user, school=school, role="dpl")
    return user


def _at(monkeypatch, when):
    monkeypatch.setattr(timezone, "now", lambda: when)


def _ask(client, about, kind="access", details="Please send me a copy of everything you hold about Maya."):
    return client.post(
        reverse("privacy:request_new"), {"kind": kind, "about": about, "details": details, "client_key": "k" * 12}
    )


# --- the deadline ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime.date(2027, 1, 31), datetime.date(2027, 2, 28)),
        (datetime.date(2028, 1, 31), datetime.date(2028, 2, 29)),  # a leap year
        (datetime.date(2027, 3, 3), datetime.date(2027, 4, 3)),
        (datetime.date(2027, 12, 15), datetime.date(2028, 1, 15)),
    ],
)
def test_one_calendar_month_is_the_same_date_next_month_or_its_last_day(received, due):
    assert services.add_months(received, 1) == due


@pytest.mark.django_db
def test_the_deadline_counts_from_the_day_on_the_schools_calendar():
    nairobi = factories.SchoolFactory(time_zone="Africa/Nairobi", country="KE", curriculum="kenya_cbc")
    # 22:30 UTC on 31 January is already 1 February in Nairobi.
    late = datetime.datetime(2027, 1, 31, 22, 30, tzinfo=datetime.UTC)
    assert services.deadline_for(school=nairobi, received_at=late) == datetime.date(2027, 3, 1)
    nairobi.data_request_period, nairobi.data_request_period_unit = 30, "days"
    assert services.deadline_for(school=nairobi, received_at=late) == datetime.date(2027, 3, 3)


# --- asking --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_on_31_january_reaches_the_dpl_queue_due_28_february(
    client, school, family, monkeypatch, django_capture_on_commit_callbacks
):
    child, parent = family
    dpl = _dpl(school)
    dpl_client = Client()
    force_verified_login(dpl_client, dpl)  # before the clock is set: the code is checked against real time
    _at(monkeypatch, datetime.datetime(2027, 1, 31, 10, 0, tzinfo=LONDON))
    client.force_login(parent)
    assert client.get(reverse("privacy:request_new")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, f"p{child.pk}")
    assert response.status_code == 302
    data_request = DataRequest.objects.get()
    assert (data_request.school, data_request.pupil, data_request.requester) == (school, child, parent)
    assert data_request.due_on == datetime.date(2027, 2, 28)
    assert "28 February 2027" in client.get(response["Location"]).content.decode()

    monkeypatch.undo()  # back to the real clock (the DPL's session is checked against it)
    body = dpl_client.get(reverse("privacy:queue")).content.decode()
    assert "Ana García" in body
    assert "about Maya García" in body
    days_left = (datetime.date(2027, 2, 28) - timezone.now().astimezone(LONDON).date()).days
    assert "28 February 2027" in body
    assert f"{days_left} days" in body
    # The DPL was told of the new request.
    assert Notification.objects.filter(user=dpl, kind="data_request").exists()


@pytest.mark.django_db
def test_a_double_submit_makes_one_request(client, school, family):
    child, parent = family
    client.force_login(parent)
    _ask(client, f"s{school.pk}")
    _ask(client, f"s{school.pk}")
    assert DataRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_request_without_details_is_shown_again_with_the_error(client, school, family):
    _child, parent = family
    client.force_login(parent)
    response = _ask(client, f"s{school.pk}", details="  ")
    assert response.status_code == 422
    assert "There is a problem" in response.content.decode()
    assert not DataRequest.objects.exists()


@pytest.mark.django_db
def test_a_family_cannot_ask_about_another_familys_child_or_another_school(client, school, other_school, family):
    _child, parent = family
    neighbour = factories.PupilFactory(school=school)
    client.force_login(parent)
    assert _ask(client, f"p{neighbour.pk}").status_code == 422
    assert _ask(client, f"s{other_school.pk}").status_code == 422
    assert not DataRequest.objects.exists()


@pytest.mark.django_db
def test_someone_with_no_school_cannot_ask(client):
    client.force_login(factories.UserFactory())
    assert client.get(reverse("privacy:request_new")).status_code == 404


# --- the queue -----------------------------------------------------------------------------------


def _request(parent, school, *, received, pupil=None):
    return DataRequest.objects.create(
        school=school,
        requester=parent,
        pupil=pupil,
        kind="access",
        details="A copy please",
        received_at=received,
        due_on=services.deadline_for(school=school, received_at=received),
    )


@pytest.mark.django_db
def test_the_queue_shows_only_the_dpls_school_overdue_first(client, school, other_school, family, monkeypatch):
    child, parent = family
    dpl = _dpl(school)
    later = _request(parent, school, received=datetime.datetime(2027, 3, 1, 9, tzinfo=LONDON))
    overdue = _request(parent, school, received=datetime.datetime(2027, 1, 5, 9, tzinfo=LONDON))
    far_parent = factories.UserFactory(display_name="Remy Farparent")
    _request(far_parent, other_school, received=datetime.datetime(2027, 1, 2, 9, tzinfo=LONDON))
    force_verified_login(client, dpl)
    # The queue's clock (days left) on 10 March 2027; the session's own expiry is read at the real time.
    monkeypatch.setattr("accounts.privacy.selectors.school_today", lambda school: datetime.date(2027, 3, 10))
    body = client.get(reverse("privacy:queue")).content.decode()
    assert "Remy Farparent" not in body
    assert body.index(reverse("privacy:respond", args=[overdue.pk])) < body.index(
        reverse("privacy:respond", args=[later.pk])
    )
    assert "Overdue by 33 days" in body  # due 5 February
    assert "22 days" in body  # due 1 April
    far = DataRequest.objects.get(requester=far_parent)
    assert client.get(reverse("privacy:respond", args=[far.pk])).status_code == 404


@pytest.mark.django_db
def test_a_teacher_or_a_parent_gets_404_on_the_queue_and_its_requests(client, school, family, teacher):
    child, parent = family
    data_request = _request(parent, school, received=datetime.datetime(2027, 3, 1, 9, tzinfo=LONDON))
    for user in (teacher, parent):
        client.force_login(user)
        assert client.get(reverse("privacy:queue")).status_code == 404
        assert client.get(reverse("privacy:respond", args=[data_request.pk])).status_code == 404
    leader = factories.MembershipFactory(school=school, role="leader").user
    force_verified_login(client, leader)
    assert client.get(reverse("privacy:queue")).status_code == 404


@pytest.mark.django_db
def test_a_dpl_must_enrol_a_second_factor_first(client, school):
    dpl = _dpl(school)
    client.force_login(dpl)
    response = client.get(reverse("privacy:queue"))
    assert response.status_code == 302
    assert "two-factor" in response["Location"]


@pytest.mark.django_db
def test_another_family_cannot_open_a_request(client, school, family):
    _child, parent = family
    data_request = _request(parent, school, received=datetime.datetime(2027, 3, 1, 9, tzinfo=LONDON))
    client.force_login(factories.UserFactory())
    assert client.get(reverse("privacy:request", args=[data_request.pk])).status_code == 404
    client.force_login(parent)
    assert client.get(reverse("privacy:request", args=[data_request.pk])).status_code == 200


# --- answering -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dpl_answers_and_the_family_is_told(client, school, family, django_capture_on_commit_callbacks):
    child, parent = family
    dpl = _dpl(school)
    data_request = _request(parent, school, received=datetime.datetime(2027, 3, 1, 9, tzinfo=LONDON), pupil=child)
    force_verified_login(client, dpl)
    url = reverse("privacy:respond", args=[data_request.pk])
    page = client.get(url).content.decode()
    assert "A copy please" in page
    # The copy itself is made from here: the subject-access export for this request.
    assert reverse("reports:sar_start", args=[data_request.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"status": "in_progress", "answer": ""})
    assert not Notification.objects.filter(user=parent).exists()  # only an answer is announced
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"status": "answered", "answer": "Your copy is attached to the letter we posted."})
    assert response.status_code == 302

    notification = Notification.objects.get(user=parent, kind="data_request")
    assert notification.title == f"{school.name} answered your data request"
    assert notification.url == reverse("privacy:request", args=[data_request.pk])
    client.force_login(parent)
    body = client.get(notification.url).content.decode()
    assert "Your copy is attached to the letter we posted." in body
    assert "Answered" in body
    # Every step is in the audit log.
    actions = list(
        AuditEntry.objects.filter(target_type="accounts.datarequest", target_id=str(data_request.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["data_request.viewed", "data_request.in_progress", "data_request.answered"]


@pytest.mark.django_db
def test_a_refusal_needs_a_reason_and_a_closed_request_stays_closed(client, school, family):
    _child, parent = family
    dpl = _dpl(school)
    data_request = _request(parent, school, received=datetime.datetime(2027, 3, 1, 9, tzinfo=LONDON))
    force_verified_login(client, dpl)
    url = reverse("privacy:respond", args=[data_request.pk])
    response = client.post(url, {"status": "refused", "answer": ""})
    assert response.status_code == 422
    assert "Write why the request is refused" in response.content.decode()
    client.post(url, {"status": "refused", "answer": "We could not confirm who you are."})
    data_request.refresh_from_db()
    assert data_request.status == "refused"
    assert data_request.answered_by == dpl
    response = client.post(url, {"status": "answered", "answer": "Changed my mind"})
    assert response.status_code == 422
    data_request.refresh_from_db()
    assert data_request.answer == "We could not confirm who you are."


@pytest.mark.django_db
def test_a_rolled_back_answer_tells_nobody(school, family, django_capture_on_commit_callbacks):
    from django.db import transaction

    _child, parent = family
    dpl = _dpl(school)
    data_request = _request(parent, school, received=datetime.datetime(2027, 3, 1, 9, tzinfo=LONDON))

    def answer_then_fail():
        with transaction.atomic():
            services.data_request_respond(responder=dpl, data_request=data_request, status="answered", answer="Yes")
            raise RuntimeError("the database went away")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        answer_then_fail()
    assert not Notification.objects.filter(user=parent).exists()


@pytest.mark.django_db
def test_the_overview_lists_the_childrens_pages_and_requests(client, school, family):
    child, parent = family
    _request(parent, school, received=datetime.datetime(2027, 3, 1, 9, tzinfo=LONDON))
    client.force_login(parent)
    body = client.get(reverse("privacy:overview")).content.decode()
    assert reverse("privacy:child", args=[child.pk]) in body
    assert "A copy of my data (subject access request)" in body
    assert reverse("privacy:queue") not in body
