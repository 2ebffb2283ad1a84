"""A parent's morning on the dashboard, axe-clean at 1280 and 360 px: they sign in, check in their
mood with one tap, open a child, read an alert on the insights tab and dismiss it."""

import pytest

from parents.models import MoodCheckIn
from progress.models import InsightSeen
from tests.browser.axe import assert_accessible
from tests.parents.family import seed_family

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def family(transactional_db):
    return seed_family(children=2, days=30, label="browser")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_a_parent_checks_in_opens_a_child_and_dismisses_an_alert(family, new_context, live_url, sign_in, viewport):
    page = new_context(viewport=dict(viewport)).new_page()
    sign_in(family.guardian, page)
    page.get_by_role("link", name="Open your family's dashboard").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/parents/")
    assert page.locator("h1").inner_text() == "Your family's dashboard"
    assert_accessible(page)
    no_overflow = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_overflow), "the page is wider than the screen"

    # One tap: energy 4, then the face.
    page.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Good").click()
    page.wait_for_load_state("load")
    assert "your check-in is saved" in page.locator(".govuk-notification-banner--success").inner_text()
    assert (
        "Good (4/5)"
        in page.locator("#mood-history-caption ~ tbody, table:has(#mood-history-caption)").first.inner_text()
    )
    check_in = MoodCheckIn.objects.get(guardian=family.guardian)
    assert (check_in.mood, check_in.energy) == (4, 4)
    assert_accessible(page)

    child = family.children[1]
    page.get_by_role("link", name=child.full_name).first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == child.full_name
    assert page.locator("svg.homeroom-chart--radar").count() == 1
    assert "Communication and collaboration" in page.locator("table:has(#competency-radar-caption)").inner_text()
    assert_accessible(page)
    assert page.evaluate(no_overflow), "the child page is wider than the screen"

    page.get_by_role("link", name="Insights").click()
    page.wait_for_load_state("load")
    alert = page.locator("[id^=insight-]").first
    assert "34 minutes of learning in the last 7 days, against 95 a week on average" in alert.inner_text()
    assert_accessible(page)
    alert.get_by_role("button", name="Mark as read").click()
    # htmx swaps the card in place: the "New" tag and the read button go.
    alert.get_by_role("button", name="Mark as read").wait_for(state="detached")
    alert = page.locator("[id^=insight-]").first
    assert InsightSeen.objects.get(user=family.guardian, insight__pupil=child).read_at is not None
    alert.get_by_role("button", name="Dismiss").click()
    page.wait_for_function("() => !document.querySelector('[id^=insight-]')")
    assert page.url.endswith(f"/parents/children/{child.pk}/insights/")
    assert InsightSeen.objects.get(user=family.guardian, insight__pupil=child).dismissed_at is not None
    assert_accessible(page)


def test_without_javascript_the_selector_and_the_check_in_still_work(family, new_context, live_url, sign_in):
    page = new_context(viewport=dict(PHONE), java_script_enabled=False).new_page()
    sign_in(family.guardian, page)
    page.goto(f"{live_url}/parents/")
    second = family.children[1]
    page.select_option("#child-selector", str(second.pk))
    page.get_by_role("button", name="Show this child").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/parents/")  # back where the selector was used, with the child chosen
    assert page.locator("#child-selector").input_value() == str(second.pk)
    assert page.locator("#id_about").input_value() == str(second.pk)
    page.get_by_role("button", name="Great").click()
    page.wait_for_load_state("load")
    assert MoodCheckIn.objects.get(guardian=family.guardian).pupil == second
    page.goto(f"{live_url}/parents/children/{second.pk}/activity/")
    page.select_option("#child-selector", str(family.children[0].pk))
    page.get_by_role("button", name="Show this child").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/parents/children/{family.children[0].pk}/activity/")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_the_other_parent_pages_are_accessible_and_fit_the_screen(family, new_context, live_url, sign_in, viewport):
    page = new_context(viewport=dict(viewport)).new_page()
    sign_in(family.guardian, page)
    child = family.children[0]
    for path in (
        "/parents/children/",
        f"/parents/children/{child.pk}/activity/",
        f"/parents/children/{child.pk}/achievements/",
        f"/parents/children/{child.pk}/goals/",
        "/parents/?days=14",
    ):
        page.goto(live_url + path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
