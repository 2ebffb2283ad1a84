"""The shared pages meet WCAG 2.2 AA (axe), fit a 360 px phone and work without JavaScript."""

from tests import factories
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD


def make_parent():
    school = factories.SchoolFactory()
    child = factories.PupilFactory(school=school, first_name="Amara", last_name="Okafor")
    parent = factories.UserFactory(display_name="Pat Parent")
    factories.GuardianshipFactory(guardian=parent, pupil=child)
    return parent


def make_teacher():
    school = factories.SchoolFactory()
    teacher = factories.UserFactory(display_name="Tess Teacher")
    factories.MembershipFactory(user=teacher, school=school, role="teacher")
    group = factories.ClassGroupFactory(school=school)
    group.staff.add(teacher)
    group.pupils.add(factories.PupilFactory(school=school, first_name="Ben", last_name="Jones"))
    return teacher


WIDER_THAN_JS = """(limit) => Array.from(document.querySelectorAll('body *'))
    .filter((element) => element.getBoundingClientRect().right > limit)
    .slice(-8)
    .map((element) => `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}`
        + `${element.className && typeof element.className === 'string' ? '.' + element.className.trim().split(/\\s+/).join('.') : ''}`
        + ` (right edge ${Math.round(element.getBoundingClientRect().right)} px)`)"""


def wider_than(page, limit: int) -> list[str]:
    """The innermost elements that reach past `limit` px (what makes the page scroll sideways)."""
    return page.evaluate(WIDER_THAN_JS, limit)


def test_sign_in_page_is_accessible(page, live_url):
    page.goto(f"{live_url}/account/login/")
    assert page.locator('input[name="login"]').count() == 1
    assert_accessible(page)


def test_parent_home_is_accessible(page, live_url, sign_in):
    sign_in(make_parent())
    page.goto(f"{live_url}/")
    assert "Amara Okafor" in page.content()
    assert_accessible(page)


def test_teacher_home_is_accessible(page, live_url, sign_in):
    sign_in(make_teacher())
    page.goto(f"{live_url}/")
    assert "Ben Jones" in page.content()
    assert_accessible(page)


def test_sign_in_history_is_accessible(page, live_url, sign_in):
    sign_in(make_parent())
    response = page.goto(f"{live_url}/account/sign-in-history/")
    assert response.status == 200
    assert_accessible(page)


def test_preferences_page_is_accessible(page, live_url, sign_in):
    sign_in(make_parent())
    response = page.goto(f"{live_url}/account/preferences/")
    assert response.status == 200
    assert_accessible(page)


def test_not_found_page_is_accessible(page, live_url):
    response = page.goto(f"{live_url}/no-such-page-here/")
    assert response.status == 404
    assert_accessible(page)


def test_home_fits_a_360px_phone(new_context, live_url, sign_in):
    phone = new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(make_parent(), phone)
    phone.goto(f"{live_url}/")
    scroll_width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= 360, (
        f"the home page scrolls sideways on a 360 px phone ({scroll_width} px wide); too wide: {wider_than(phone, 360)}"
    )
    assert_accessible(phone)


def test_sign_in_and_home_work_without_javascript(new_context, live_url):
    parent = make_parent()
    no_js = new_context(java_script_enabled=False).new_page()
    no_js.goto(f"{live_url}/account/login/")
    no_js.fill('input[name="login"]', parent.email)
    no_js.fill('input[name="password"]', DEFAULT_PASSWORD)
    with no_js.expect_navigation():
        no_js.locator('form:has(input[name="login"]) [type="submit"]').first.click()
    assert no_js.url.rstrip("/") == live_url.rstrip("/")
    assert "Amara Okafor" in no_js.content()
