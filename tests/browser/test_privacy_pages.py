"""The privacy pages meet WCAG 2.2 AA (axe) at 1280 and 360 px (none of them uses JavaScript: plain
links and forms): a parent reads who can see their child's data and who has looked, and makes a data request; the
school's data protection lead reads the queue and answers."""

import datetime

from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import DataRequest
from accounts.privacy import services
from tests import factories
from tests.browser.axe import assert_accessible
from tests.conftest import force_verified_login

PHONE = {"width": 360, "height": 740}


def _school():
    school = factories.SchoolFactory(name="Riverside Primary")
    child = factories.PupilFactory(
        school=school, first_name="Maya", last_name="García", send_status="sen_support", send_needs="Dyslexia"
    )
    parent = factories.UserFactory(display_name="Ana García")
    factories.GuardianshipFactory(guardian=parent, pupil=child)
    teacher = factories.MembershipFactory(school=school, user=factories.UserFactory(display_name="Rosa Lee")).user
    group = factories.ClassGroupFactory(school=school, name="Year 2 Oak")
    group.staff.add(teacher)
    group.pupils.add(child)
    sendco = factories.MembershipFactory(
        school=school, role="sendco", user=factories.UserFactory(display_name="Sam Patel")
    ).user
    dpl = factories.MembershipFactory(
        school=school, role="dpl", user=factories.UserFactory(display_name="Dee Protect")
    ).user
    services.send_views_record(viewer=sendco, pupils=[child], page="home")
    return school, child, parent, dpl


def _fits_and_is_accessible(tab):
    assert_accessible(tab)
    tab.set_viewport_size(PHONE)
    # Wide tables scroll inside their own keyboard-reachable region; the page itself never sideways.
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(tab)
    tab.set_viewport_size({"width": 1280, "height": 800})


def test_a_parent_reads_who_can_see_and_makes_a_request(new_context, live_url, sign_in):
    _school_row, child, parent, _dpl = _school()
    tab = sign_in(parent, new_context().new_page())
    tab.goto(f"{live_url}/account/privacy/")
    _fits_and_is_accessible(tab)
    tab.get_by_role("link", name="Who can see Maya García's data").click()
    body = tab.content()
    assert "Class teacher of Year 2 Oak" in body
    assert "Sam Patel" in body
    _fits_and_is_accessible(tab)

    tab.get_by_role("link", name="Make a data request").click()
    tab.get_by_label("A copy of my data (subject access request)").check()
    tab.get_by_label("Only Maya García, at Riverside Primary").check()
    tab.get_by_role("button", name="Send request").click()
    assert "There is a problem" in tab.content()  # no details yet: the form comes back with its errors
    _fits_and_is_accessible(tab)
    tab.get_by_label("Details").fill("Please send me a copy of Maya's reading records.")
    tab.get_by_role("button", name="Send request").click()
    assert "The school must answer by" in tab.content()
    _fits_and_is_accessible(tab)


def test_the_data_protection_lead_reads_the_queue_and_answers(new_context, live_url):
    school, child, parent, dpl = _school()
    now = timezone.now()
    data_request = DataRequest.objects.create(
        school=school,
        requester=parent,
        pupil=child,
        kind="correction",
        details="Maya's date of birth is wrong.",
        received_at=now - datetime.timedelta(days=40),
        due_on=(now - datetime.timedelta(days=9)).date(),
    )
    client = Client()
    force_verified_login(client, dpl)
    context = new_context()
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_url}])
    tab = context.new_page()
    tab.goto(f"{live_url}/account/privacy/data-requests/")
    assert "Overdue by 9 days" in tab.content()
    _fits_and_is_accessible(tab)
    tab.get_by_role("link", name="Correct something that is wrong").click()
    _fits_and_is_accessible(tab)
    tab.get_by_label("Answered").check()
    tab.get_by_label("Answer for the family").fill("We have corrected the date of birth.")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Save").click()
    tab.wait_for_load_state()
    assert "The request is updated" in tab.content(), tab.content()[-3000:]
    assert "There are no open requests." in tab.content(), tab.inner_text("main")
    data_request.refresh_from_db()
    assert data_request.status == "answered"
