"""A parent turns on an authenticator app in Chromium, then signs in with it."""

import time

import pyotp

from tests import factories
from tests.browser.axe import assert_accessible


def _code_for_next_step(secret: str) -> str:
    # The set-up just used this 30-second step's code, and a code is accepted only once; the
    # next step's code is accepted too (one step of clock drift is allowed), so no waiting.
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_parent_sets_up_an_authenticator_and_signs_in_with_it(page, live_url, sign_in, new_context):
    school = factories.SchoolFactory()
    child = factories.PupilFactory(school=school, first_name="Amara", last_name="Okafor")
    parent = factories.UserFactory(display_name="Pat Parent")
    factories.GuardianshipFactory(guardian=parent, pupil=child)

    sign_in(parent)
    assert page.url == f"{live_url}/"
    assert_accessible(page)

    page.goto(f"{live_url}/account/two-factor/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Set up an authenticator app").click()
    assert page.url == f"{live_url}/account/two-factor/authenticator/"
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert_accessible(page)

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert len(secret) >= 16

    # A wrong code first: the error summary names the problem and the page answers 422.
    page.get_by_role("textbox", name="Code").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    with page.expect_navigation() as wrong:
        page.get_by_role("button", name="Confirm").click()
    assert wrong.value.status == 422
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)

    time.sleep(1.1)  # django-otp pauses one second after a wrong code
    page.get_by_role("textbox", name="Code").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    assert page.url == f"{live_url}/account/two-factor/backup-codes/"
    assert_accessible(page)

    page.goto(f"{live_url}/account/logout/")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign out").click()

    sign_in(parent)
    assert page.url.startswith(f"{live_url}/account/two-factor/verify/")
    assert_accessible(page)
    page.get_by_role("textbox", name="Code").fill(_code_for_next_step(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url == f"{live_url}/"
    assert "Amara Okafor" in page.content()
    assert_accessible(page)


def test_setup_page_fits_a_phone_without_javascript(live_url, new_context, sign_in):
    parent = factories.UserFactory()
    phone = new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False).new_page()
    sign_in(parent, phone)
    phone.goto(f"{live_url}/account/two-factor/")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Set up an authenticator app").click()
    assert phone.locator("#totp-secret").is_visible()
    too_wide = phone.evaluate(
        "() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 360)"
        ".map(e => e.outerHTML.slice(0, 80))"
    )
    assert too_wide == []


def test_other_two_factor_pages_are_accessible(page, live_url, sign_in):
    from accounts.twofactor import services

    parent = factories.UserFactory()
    sign_in(parent)
    for path in ("/account/two-factor/email/", "/account/two-factor/text-message/"):
        page.goto(f"{live_url}{path}")
        assert_accessible(page)
    page.get_by_role("textbox", name="Mobile phone number").fill("07")
    with page.expect_navigation():
        page.get_by_role("button", name="Send a code").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)

    device = services.totp_begin(parent)
    services.totp_confirm(user=parent, device=device, code=pyotp.TOTP(device.secret).now())
    # The device was added outside this session, so the session must now pass the code step.
    page.goto(f"{live_url}/account/two-factor/backup-codes/")
    assert page.url.startswith(f"{live_url}/account/two-factor/verify/")
    page.get_by_role("textbox", name="Code").fill(_code_for_next_step(device.secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url == f"{live_url}/account/two-factor/backup-codes/"
    with page.expect_navigation():
        page.get_by_role("button", name="Create backup codes").click()
    assert page.locator("#backup-codes li").count() == 10
    assert_accessible(page)
    page.goto(f"{live_url}/account/two-factor/turn-off/")
    assert_accessible(page)
    page.goto(f"{live_url}/account/two-factor/")
    assert_accessible(page)

    page.goto(f"{live_url}/account/logout/")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign out").click()
    sign_in(parent)
    page.get_by_role("link", name="Use a backup code").click()
    page.get_by_role("textbox", name="Backup code").fill("wrong-code")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
