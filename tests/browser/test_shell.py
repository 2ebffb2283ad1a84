"""The page shell on a 360 px phone: the Menu button opens and closes the navigation, the language
changes in one tap from the header, nothing scrolls sideways, the simplified interface keeps its
headings above its text, and a page's first load (served as in production: gzipped HTML, hashed
and precompressed static files) stays under 150 KB."""

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.test.testcases import LiveServerThread

from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than
from tests.factories import DEFAULT_PASSWORD
from tests.messaging import world as messaging_world

outside = messaging_world.outside

PHONE = {"width": 360, "height": 740}
FIRST_LOAD_LIMIT = 150_000


def make_parent(**fields):
    school = factories.SchoolFactory()
    child = factories.PupilFactory(school=school, first_name="Amara", last_name="Okafor")
    parent = factories.UserFactory(display_name="Pat Parent", preferred_language="en-gb", **fields)
    factories.GuardianshipFactory(guardian=parent, pupil=child)
    return parent


@pytest.fixture
def phone(new_context):
    """A page in a fresh 360 px context that records script errors (`page.script_errors`)."""
    page = new_context(viewport=dict(PHONE)).new_page()
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    # govuk-frontend reports a component that failed to start with console.log, not as an error.
    page.on("console", lambda message: "ElementError" in message.text and page.script_errors.append(message.text))
    return page


def test_menu_button_opens_and_closes_the_navigation_at_360px(live_url, phone, sign_in):
    sign_in(make_parent(), phone)
    for path in ("/", "/messages/", "/notifications/"):
        phone.goto(f"{live_url}{path}")
        phone.wait_for_load_state("load")
        menu = phone.get_by_role("button", name="Menu")
        messages_link = phone.locator(".govuk-service-navigation__list").get_by_role("link", name="Messages")
        menu.wait_for(state="visible")
        assert menu.get_attribute("aria-expanded") == "false", path
        assert not messages_link.is_visible(), path

        menu.click()
        assert menu.get_attribute("aria-expanded") == "true"
        assert messages_link.is_visible()

        menu.click()
        assert menu.get_attribute("aria-expanded") == "false"
        assert not messages_link.is_visible()
        assert phone.script_errors == [], path

    # Open, a link takes the person where it says.
    menu.click()
    messages_link.click()
    phone.wait_for_url(f"{live_url}/messages/")


def test_header_fits_360px_with_the_badge_and_languages_in_view(live_url, phone, sign_in):
    parent = make_parent()
    factories.NotificationFactory(user=parent)
    factories.NotificationFactory(user=parent)
    sign_in(parent, phone)
    phone.goto(f"{live_url}/")
    phone.wait_for_load_state("load")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], wider_than(
        phone, PHONE["width"]
    )
    badge = phone.locator("#notification-badge")
    assert badge.is_visible()
    assert "2 unread" in badge.inner_text()
    header = phone.locator("header")
    for name in ("Cymraeg", "Español", "Polski", "Kiswahili"):
        button = header.get_by_role("button", name=name)
        assert button.is_visible(), name
        box = button.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"], name
        # WCAG 2.2 target size (minimum): 24 by 24 CSS pixels.
        assert box["height"] >= 24, name
    assert_accessible(phone)


def test_language_changes_in_one_tap_and_stays_on_the_page(live_url, phone, sign_in):
    parent = make_parent()
    sign_in(parent, phone)
    phone.goto(f"{live_url}/messages/")
    with phone.expect_navigation():
        phone.locator("header").get_by_role("button", name="Español").click()
    assert phone.url == f"{live_url}/messages/"
    assert phone.evaluate("() => document.documentElement.lang") == "es"
    assert phone.get_by_role("button", name="Menú").is_visible()
    assert phone.locator('header [aria-current="true"]').inner_text() == "Español"
    parent.refresh_from_db()
    assert parent.preferred_language == "es"
    assert_accessible(phone)

    # Signed out as well: the choice goes in a cookie.
    visitor = phone.context.browser.new_context(viewport=dict(PHONE))
    try:
        page = visitor.new_page()
        page.goto(f"{live_url}/account/login/")
        with page.expect_navigation():
            page.locator("header").get_by_role("button", name="Cymraeg").click()
        assert page.evaluate("() => document.documentElement.lang") == "cy"
        assert "Mewngofnodi i Homeroom" in page.content()
    finally:
        visitor.close()


HEADING_AND_TEXT_SIZES = """() => {
  const size = (element) => parseFloat(getComputedStyle(element).fontSize);
  const visible = (element) => element.getClientRects().length > 0 && !element.closest('.govuk-visually-hidden');
  const headings = [...document.querySelectorAll('main h1, main h2, main h3, main h4')].filter(visible);
  const text = [...document.querySelectorAll('main .govuk-body, main .govuk-label, main .govuk-hint, main .govuk-summary-list__value, main p')]
    .filter(visible);
  return {headings: headings.map((h) => [h.tagName, h.textContent.trim().slice(0, 40), size(h)]),
          text: Math.max(...text.map(size))};
}"""


@pytest.mark.parametrize("path", ["/", "/account/preferences/"])
def test_simplified_interface_keeps_headings_above_the_text(live_url, phone, sign_in, path):
    sign_in(make_parent(simplified_interface=True), phone)
    phone.goto(f"{live_url}{path}")
    assert "homeroom-simplified" in phone.evaluate("() => document.body.className")
    sizes = phone.evaluate(HEADING_AND_TEXT_SIZES)
    assert sizes["headings"], "the page has headings"
    smaller = [heading for heading in sizes["headings"] if heading[2] <= sizes["text"]]
    assert smaller == [], f"headings not bigger than the {sizes['text']} px text: {smaller}"
    # The navigation is trimmed to what a family uses.
    links = phone.locator(".govuk-service-navigation__list a").all_inner_texts()
    assert "Sign-in history" not in links
    assert "Messages" in links
    assert_accessible(phone)


# ---- First load, served as production serves it ------------------------------------------------


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """`collectstatic` as `make demo` and the deployment run it (hashed names, gzip and brotli
    copies), without Django admin's files, which no page here loads."""
    root = tmp_path_factory.mktemp("staticfiles")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "hub.static_storage.HashedStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", "--noinput", "--verbosity=0", "--ignore=admin")
    return root, storages


@pytest.fixture
def served_as_in_production(collected_static, transactional_db):
    """A live server whose static files come from WhiteNoise over the collected folder (the usual
    live server serves them itself, uncompressed). Yields its base URL."""
    root, storages = collected_static
    with override_settings(
        STATIC_ROOT=root, STORAGES=storages, WHITENOISE_USE_FINDERS=False, WHITENOISE_AUTOREFRESH=False
    ):
        server = LiveServerThread("localhost", static_handler=lambda handler: handler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield f"http://localhost:{server.port}"
        finally:
            server.terminate()


TRANSFERRED = """() => {
  const navigation = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  return {
    transferred: navigation.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    decoded: navigation.decodedBodySize + resources.reduce((sum, r) => sum + r.decodedBodySize, 0),
    resources: resources.map((r) => [r.name, r.transferSize, r.decodedBodySize]),
  };
}"""


def first_load(browser, storage_state, url) -> dict:
    """What a browser with an empty cache (but signed in) transfers to show `url`."""
    context = browser.new_context(viewport=dict(PHONE), storage_state=storage_state)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("networkidle")
        return page.evaluate(TRANSFERRED)
    finally:
        context.close()


def test_first_load_of_home_inbox_and_thread_is_under_150_kb(served_as_in_production, browser, outside):
    world = messaging_world.World()
    thread = world.guardian_thread(body="Hola, ¿cómo está Lucía hoy?")
    base = served_as_in_production
    context = browser.new_context(viewport=dict(PHONE))
    page = context.new_page()
    page.goto(f"{base}/account/login/")
    page.fill('input[name="login"]', world.parent.email)
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.locator('form:has(input[name="login"]) [type="submit"]').first.click()
    state = context.storage_state()
    context.close()

    for path in ("/", "/messages/", f"/messages/{thread.pk}/"):
        load = first_load(browser, state, f"{base}{path}")
        assert load["transferred"] < FIRST_LOAD_LIMIT, (path, load)
        # Compressed on the wire: the stylesheet and scripts alone are over 230 KB uncompressed.
        assert load["transferred"] < load["decoded"] / 3, (path, load)
        names = [name for name, _, _ in load["resources"]]
        assert any("/static/vendor/govuk-frontend/homeroom.min." in name for name in names), names
