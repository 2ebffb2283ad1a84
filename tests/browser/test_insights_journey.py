"""In Chromium: a parent reads and dismisses an alert with JavaScript off and on, and a teacher
opens their class overview; axe-clean at 1280 and 360 px, never scrolling sideways. (axe runs
inside the page, so it is run in the pages where JavaScript is on.)"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than
from tests.progress import insights_records as records

pytestmark = pytest.mark.browser

# The browser fixtures come from tests/browser/conftest.py. (Imported into a module elsewhere, a
# package-scoped fixture becomes session-scoped: Playwright's loop would outlive its package.)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def family(live_url, settings):
    settings.INSIGHTS_LLM_URL = ""
    school = factories.SchoolFactory(name="Leeds Hill Primary")
    child = factories.PupilFactory(school=school, first_name="Amara", last_name="Okafor")
    parent = factories.UserFactory(display_name="Ngozi Okafor", preferred_language="en-gb")
    factories.GuardianshipFactory(guardian=parent, pupil=child)
    teacher = factories.UserFactory(display_name="Tess Teacher", preferred_language="en-gb")
    factories.MembershipFactory(user=teacher, school=school, role="teacher")
    group = factories.ClassGroupFactory(school=school, name="Year 3 Oak")
    group.staff.add(teacher)
    group.pupils.add(child)
    today = timezone.now().astimezone(school.zone).date()
    maths = records.subject(school)
    records.daily_activity(child, until=today - datetime.timedelta(days=7), days=28, minutes=15, subject_row=maths)
    records.activity(child, today, 34, subject_row=maths)
    records.assessment(child, maths, today - datetime.timedelta(days=2), 14, out_of=20)
    records.goal(
        child, parent, title="Times tables to 10", owner="school", target_date=today - datetime.timedelta(days=3)
    )
    from progress.insights import services

    services.refresh_insights(pupil=child)
    return parent, teacher, child, group


def check_both_widths(page, url):
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(url)
        assert_accessible(page)
        if viewport is PHONE:
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"], wider_than(page, PHONE["width"])


@pytest.mark.parametrize("javascript", [False, True])
def test_a_parent_reads_and_dismisses_an_alert(new_context, sign_in, live_url, family, javascript):
    parent, _, child, _ = family
    page = new_context(viewport=dict(PHONE), java_script_enabled=javascript).new_page()
    sign_in(parent, page)
    url = f"{live_url}/progress/pupils/{child.pk}/insights/"
    if javascript:  # axe runs in the page: only where scripts may run
        check_both_widths(page, url)
    else:
        page.goto(url)
    cards = page.locator(".insight")
    assert cards.count() == 2
    drop = page.locator(".insight").filter(has_text="34 minutes")
    expect(drop).to_have_count(1)
    drop.get_by_role("button", name="Mark as read").click()
    expect(drop.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(drop.get_by_role("button", name="Dismiss")).to_have_count(1)
    drop.get_by_role("button", name="Dismiss").click()
    expect(drop).to_have_count(0)
    expect(page.locator(".insight")).to_have_count(1)
    page.goto(url)
    assert page.locator(".insight").count() == 1
    if javascript:
        assert_accessible(page)


def test_a_teacher_opens_their_class_overview(new_context, sign_in, live_url, family):
    _, teacher, child, group = family
    page = new_context(viewport=dict(DESKTOP)).new_page()
    sign_in(teacher, page)
    page.goto(f"{live_url}/")
    page.get_by_role("link", name="Class overviews").first.click()
    page.get_by_role("link", name="Year 3 Oak").click()
    assert "Amara Okafor" in page.content()
    check_both_widths(page, page.url)
