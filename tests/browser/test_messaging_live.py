"""Two people, two Chromium pages, one live conversation over WebSockets.

A Spanish-speaking parent and an English-speaking teacher exchange messages; each sees the
other's message appear without reloading, machine-translated (Apertium) into their language with
the original one tap away, and axe-core finds nothing on either page.

Django's live_server is WSGI only, so this module runs the ASGI application (HTTP and
WebSockets) under uvicorn in a thread of the test process, against the test database.
"""

import shutil
import socket
import threading
import time

import pytest
from django.db import connections

from messaging.models import Conversation
from messaging.services import conversations
from tests.browser.axe import assert_accessible
from tests.conftest import require
from tests.factories import DEFAULT_PASSWORD
from tests.messaging.world import URLCONF, World

LIVE_WITHIN_MS = 5_000
COLD_START_MS = 20_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _SharedConnections:
    """Every thread uses the test's connection to an in-memory SQLite database (as Django's
    LiveServerThread does); with a file or PostgreSQL database each thread connects on its own."""

    def __init__(self, shared):
        object.__setattr__(self, "_shared", shared)

    def __getattr__(self, alias):
        try:
            return self._shared[alias]
        except KeyError:
            raise AttributeError(alias) from None

    def __setattr__(self, alias, value):
        self._shared[alias] = value

    def __delattr__(self, alias):
        self._shared.pop(alias, None)


@pytest.fixture
def asgi_url(transactional_db, settings):
    try:
        import uvicorn
    except ImportError:
        require(False, "uvicorn is not installed")
    settings.ROOT_URLCONF = URLCONF
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.TRANSLATION_ENGINES = ["apertium"]

    original = connections._connections
    connection = connections["default"]
    shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if shared:
        connection.inc_thread_sharing()
        connections._connections = _SharedConnections({"default": connection})

    from hub.asgi import application

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="websockets")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    if shared:
        connections._connections = original
        connection.dec_thread_sharing()


def _off_the_event_loop(function):
    """Run `function` in its own thread: Playwright's sync API keeps an asyncio loop running in
    this one, and services push to channel layers with async_to_sync after commit."""
    result = {}

    def target():
        try:
            result["value"] = function()
        finally:
            connections.close_all()

    worker = threading.Thread(target=target)
    worker.start()
    worker.join(timeout=60)
    return result["value"]


def _sign_in(page, base, user):
    page.goto(f"{base}/account/login/")
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.locator('form:has(input[name="login"]) [type="submit"]').first.click()


def _wait_live(page):
    """Wait until htmx's ws extension has opened the page's socket."""
    page.wait_for_function("() => window.htmx !== undefined")
    page.wait_for_function(
        "() => { const el = document.querySelector('[ws-connect]');"
        " return el && el['htmx-internal-data'] && el['htmx-internal-data'].webSocket"
        " && el['htmx-internal-data'].webSocket.socket.readyState === 1; }",
        timeout=LIVE_WITHIN_MS,
    )


def _send(page, text):
    page.fill("textarea[name=body]", text)
    page.locator(".homeroom-composer__form button[type=submit]").click()


def test_parent_and_teacher_talk_live_each_in_their_own_language(asgi_url, new_context):
    require(shutil.which("apertium") is not None, "apertium is not installed (apt-get install apertium-eng-spa)")
    world = _off_the_event_loop(World)
    conversation = _off_the_event_loop(
        lambda: conversations.conversation_start(
            starter=world.teacher,
            kind=Conversation.Kind.GUARDIAN_STAFF,
            pupil=world.child,
            subject="Visible's week",
            body="Welcome to the new term.",
            recipient_ids=[world.parent.pk],
        )
    )
    thread_url = f"{asgi_url}/messages/{conversation.pk}/"

    parent = new_context(locale="es-ES", viewport={"width": 360, "height": 740}).new_page()
    teacher = new_context().new_page()
    _sign_in(parent, asgi_url, world.parent)
    _sign_in(teacher, asgi_url, world.teacher)
    for page in (parent, teacher):
        page.goto(thread_url)
        _wait_live(page)

    # The parent writes in Spanish; the teacher sees it in English, live, with the original kept.
    _send(parent, "Mi hija está enferma hoy.")
    incoming = teacher.locator(".homeroom-message").filter(has_text="Translated from Spanish by machine")
    # The first translation loads Apertium and the language model: allow for a cold start.
    incoming.first.wait_for(timeout=COLD_START_MS)
    assert "daughter" in incoming.first.locator(".homeroom-message__body").inner_text().lower()
    incoming.first.locator("summary").click()
    assert "Mi hija está enferma hoy." in incoming.first.locator(".govuk-details__text").inner_text()

    # The teacher answers in English; the parent sees it in Spanish, live.
    _send(teacher, "Thank you for telling me.")
    reply = parent.locator(".homeroom-message").filter(has_text="Thank you for telling me.")
    reply.first.wait_for(state="attached", timeout=COLD_START_MS)
    shown = reply.first.locator(".homeroom-message__body").inner_text()
    assert shown
    assert "Thank you for telling me." not in shown, "the parent should read it in Spanish"

    # The parent's own message came back over the socket too, and the teacher's read receipt with it.
    parent.locator(".homeroom-message--own").filter(has_text="Mi hija está enferma hoy.").first.wait_for()
    parent.locator(".homeroom-message__receipt").filter(has_text="Tess Teacher").first.wait_for(timeout=LIVE_WITHIN_MS)

    for page in (parent, teacher):
        assert page.locator("h1").count() == 1
        assert_accessible(page)


def test_thread_works_without_javascript(asgi_url, new_context):
    world = _off_the_event_loop(World)
    conversation = _off_the_event_loop(lambda: world.guardian_thread(body="Hola, gracias"))
    page = new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}).new_page()
    _sign_in(page, asgi_url, world.teacher)
    page.goto(f"{asgi_url}/messages/{conversation.pk}/")
    page.fill("textarea[name=body]", "Sent with a plain form")
    with page.expect_navigation():
        page.locator(".homeroom-composer__form button[type=submit]").click()
    assert page.locator(".homeroom-message").filter(has_text="Sent with a plain form").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
