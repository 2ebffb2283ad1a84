"""Browser tests: Debian's Chromium driven by Playwright's sync API against Django's live server.

Fixtures other browser tests rely on (keep these names stable):

- `live_url`: base URL of the live server (e.g. "http://localhost:41234"), with a transactional
  database, so objects made by factories in the test are visible to the server thread.
- `browser`: one Chromium for all the tests in this directory.
- `new_context(**options)`: a fresh browser context (cookies, viewport, JavaScript on or off);
  closed after the test.
- `page`: a page in a fresh context, 1280 px wide.
- `sign_in(user, page=None)`: signs `user` in through the sign-in form (password
  `tests.factories.DEFAULT_PASSWORD`) and returns the page, on the page the site redirected to.

Every test in this directory is marked `browser`. Without /usr/bin/chromium or Playwright the
tests are skipped locally and fail under CI=true (see `tests.conftest.require`).
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require
from tests.factories import DEFAULT_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_VIEWPORT = {"width": 1280, "height": 800}
DEFAULT_TIMEOUT_MS = 15_000
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# Package scope, not session: while Playwright's sync API is started, this thread counts as
# running an asyncio loop, which would break async tests (channels, async_to_sync) run later.
@pytest.fixture(scope="package")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright is not installed (pip install -r requirements.lock)")
    require(
        os.path.exists(CHROMIUM) and shutil.which(CHROMIUM) is not None,
        f"{CHROMIUM} is missing (apt-get install chromium)",
    )
    # Django refuses database access from a thread with a running loop ("You cannot call this
    # from an async context"); the test bodies and their database teardown need it meanwhile.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    yield manager
    manager.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_playwright):
    chromium = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture
def live_url(live_server, transactional_db) -> str:
    return live_server.url


@pytest.fixture
def new_context(browser):
    """Factory for fresh browser contexts; every context it made is closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", dict(DEFAULT_VIEWPORT))
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def sign_in(live_url, page):
    """Sign a user in through the real form; returns the page after the redirect."""

    def do_sign_in(user, target_page=None, password: str = DEFAULT_PASSWORD):
        target = target_page or page
        target.goto(f"{live_url}/account/login/")
        target.fill('input[name="login"]', user.email)
        target.fill('input[name="password"]', password)
        with target.expect_navigation():
            target.locator('form:has(input[name="login"]) [type="submit"]').first.click()
        return target

    return do_sign_in
