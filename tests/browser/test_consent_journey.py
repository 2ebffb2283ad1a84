"""The consent matrix in Chromium: a parent refuses a cell with the keyboard alone and finds the
change in the timeline; the page is axe-clean at 1280 px (every group) and at 360 px (one group at
a time, reached by a link), and never wider than the phone."""

import pytest

from accounts.models import ConsentRecord
from tests.accounts.consent_world import ConsentWorld
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than

PHONE = {"width": 360, "height": 740}
TARGET = "Refuse: Photos and portfolio, Other families in the class"


@pytest.fixture
def world(transactional_db):
    return ConsentWorld()


def tab_to(page, accessible_name: str, limit: int = 200):
    """Press Tab until the focused element's text is `accessible_name` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement && document.activeElement.textContent.trim()")
        if focused and " ".join(focused.split()) == accessible_name:
            return
    raise AssertionError(f"never reached {accessible_name!r} with Tab")


def test_a_parent_refuses_a_cell_with_the_keyboard_and_sees_it_in_the_timeline(world, page, sign_in, live_url):
    sign_in(world.parent, page)
    page.goto(f"{live_url}/account/children/{world.child.pk}/consent/")
    assert_accessible(page)
    tab_to(page, TARGET)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    cell = page.locator("#cell-photos-other_families")
    assert "Refused" in cell.inner_text()
    timeline = page.locator("#timeline + div table")
    assert "Photos and portfolio, Other families in the class" in timeline.inner_text()
    assert "Pat Parent" in timeline.inner_text()
    assert ConsentRecord.objects.get().given is False
    assert_accessible(page)


def test_on_a_phone_one_group_at_a_time(world, new_context, sign_in, live_url):
    page = new_context(viewport=dict(PHONE)).new_page()
    sign_in(world.parent, page)
    page.goto(f"{live_url}/account/children/{world.child.pk}/consent/")
    assert_accessible(page)
    # Every group at once: the table scrolls inside its own region (a data table), the page does not.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("nav >> text=AI features")
    assert page.url.endswith("?recipient=ai")
    headers = page.locator("#consent-matrix thead th").all_inner_texts()
    assert headers == ["Kind of information", "AI features"]
    assert_accessible(page)
    assert wider_than(page, PHONE["width"]) == []
    page.click("a:has-text('End date or reason: Mood check-ins, AI features')")
    page.check("input[name=given][value=no]")
    page.fill("input[name=expires_on]", "2099-01-01")
    page.click("button:has-text('Save this choice')")
    assert "There is a problem" in page.content()
    assert_accessible(page)
    assert wider_than(page, PHONE["width"]) == []
    assert not ConsentRecord.objects.exists()
