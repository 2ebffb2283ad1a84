"""A family adds an observation from home with a photo; the teacher reviews it and records the
pupil's learning. Every page checked with axe-core at 1280 px and at 360 px (no sideways scroll).
Chromium through Playwright (fixtures in tests/browser/conftest.py)."""

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than
from tests.progress import factories_records as rf

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def check_both_widths(tab):
    assert_accessible(tab)
    tab.set_viewport_size(PHONE)
    # The page never scrolls sideways (a wide table scrolls inside its own keyboard-reachable region).
    width = tab.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, wider_than(tab, 360)
    assert_accessible(tab)
    tab.set_viewport_size({"width": 1280, "height": 800})


def test_a_family_adds_an_observation_and_the_teacher_approves_it(live_url, page, sign_in, new_context, tmp_path):
    w = rf.RecordsWorld()
    rf.AssessmentFactory(pupil=w.child, subject=w.subject, title="Times tables")
    rf.CompetencyJudgementFactory(pupil=w.child, level="EXS")
    photo = tmp_path / "kite.jpg"
    photo.write_bytes(rf.JPEG)

    sign_in(w.parent)
    page.goto(f"{live_url}/progress/pupils/{w.child.pk}/observations/new/")
    check_both_widths(page)
    page.fill("textarea[name=note]", "Lucia built a kite and flew it in the park")
    page.set_input_files("input[name=file]", str(photo))
    with page.expect_navigation():
        page.get_by_role("button", name="Send to the teacher").click()
    assert "Waiting for a teacher" in page.content()
    check_both_widths(page)

    teacher_page = new_context().new_page()
    sign_in(w.teacher, teacher_page)
    teacher_page.goto(f"{live_url}/progress/observations/review/")
    assert "Lucia built a kite" in teacher_page.content()
    check_both_widths(teacher_page)
    teacher_page.get_by_label("Add to the record").check()
    teacher_page.get_by_label("Note to the family (optional)").fill("What a kite!")
    with teacher_page.expect_navigation():
        teacher_page.get_by_role("button", name="Save decision").click()
    assert "Nothing is waiting for you." in teacher_page.content()

    teacher_page.goto(f"{live_url}/progress/pupils/{w.child.pk}/record/")
    assert "Lucia built a kite" in teacher_page.content()
    check_both_widths(teacher_page)
    teacher_page.get_by_text("Record an assessment").click()
    with teacher_page.expect_navigation():
        teacher_page.locator("form[action$='/record/assessments/'] button").click()
    assert "There is a problem" in teacher_page.content()
    check_both_widths(teacher_page)

    page.goto(f"{live_url}/progress/pupils/{w.child.pk}/record/")
    assert "Lucia built a kite" in page.content()
    check_both_widths(page)
