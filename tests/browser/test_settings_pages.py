"""The settings pages in a real browser: axe-clean at 1280 and 360 px, no sideways scrolling on a
phone, and the profile and the devices page work with the keyboard and without JavaScript."""

import pytest

from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than
from tests.factories import DEFAULT_PASSWORD

PAGES = [
    "/account/settings/",
    "/account/preferences/",
    "/account/sign-in-history/",
    "/account/sessions/",
    "/notifications/preferences/",
]


def make_parent():
    school = factories.SchoolFactory(country="KE", time_zone="Africa/Nairobi")
    parent = factories.UserFactory(display_name="Pat Parent", time_zone="Africa/Nairobi")
    for first_name in ("Amara", "Baraka"):
        factories.GuardianshipFactory(
            guardian=parent, pupil=factories.PupilFactory(school=school, first_name=first_name)
        )
    return parent


def sign_in_without_js(context_page, live_url, user):
    context_page.goto(f"{live_url}/account/login/")
    context_page.fill('input[name="login"]', user.email)
    context_page.fill('input[name="password"]', DEFAULT_PASSWORD)
    with context_page.expect_navigation():
        context_page.locator('form:has(input[name="login"]) [type="submit"]').first.click()


@pytest.mark.parametrize("width", [1280, 360])
def test_every_settings_page_is_accessible_and_fits(new_context, live_url, sign_in, width):
    screen = new_context(viewport={"width": width, "height": 800}).new_page()
    sign_in(make_parent(), screen)
    for path in PAGES:
        response = screen.goto(f"{live_url}{path}")
        assert response.status == 200, path
        assert_accessible(screen)
        if width == 360:
            scroll_width = screen.evaluate("() => document.documentElement.scrollWidth")
            assert scroll_width <= 360, f"{path} scrolls sideways: {wider_than(screen, 360)}"


def test_profile_errors_and_saving_work_with_the_keyboard_and_without_javascript(new_context, live_url):
    parent = make_parent()
    screen = new_context(java_script_enabled=False).new_page()
    sign_in_without_js(screen, live_url, parent)
    screen.goto(f"{live_url}/account/preferences/")
    screen.fill("#id_phone", "12")
    screen.focus("#id_phone")
    with screen.expect_navigation():
        screen.keyboard.press("Enter")
    summary = screen.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a mobile number" in summary.inner_text() or "not a valid phone number" in summary.inner_text()
    screen.fill("#id_phone", "0712 345678")  # a Kenyan mobile, typed the Kenyan way
    screen.select_option("#id_time_zone", "Africa/Nairobi")
    with screen.expect_navigation():
        screen.get_by_role("button", name="Save your profile").click()
    assert "Your profile is saved." in screen.content()
    parent.refresh_from_db()
    assert parent.phone == "+254712345678"


def test_signing_out_another_device_without_javascript(new_context, live_url):
    parent = make_parent()
    here = new_context(java_script_enabled=False).new_page()
    there = new_context(java_script_enabled=False).new_page()
    sign_in_without_js(here, live_url, parent)
    sign_in_without_js(there, live_url, parent)
    here.goto(f"{live_url}/account/sessions/")
    assert here.locator("text=This device").count() == 1
    with here.expect_navigation():
        here.locator("form[action*='/sign-out/'] button").first.click()
    assert "That device is signed out" in here.content()
    there.goto(f"{live_url}/account/settings/")
    assert "/account/login/" in there.url
