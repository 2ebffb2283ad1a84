"""A page that reconnects while others write shows every message once, in sent order.

The consumer joins the user's group before the page asks to catch up, so a live push can
overtake the catch-up and both append the same message (seen: 31 of 280 shown twice or out of
order with four writers). The page keeps one element per message id, in sent order.

Two tests: one replays exactly that race (a push, then a catch-up that repeats it) through the
WebSocket handler of a real page; one runs it for real, with two writers sending while the
reader's socket drops and reconnects.
"""

import socket
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import connections

from messaging.models import Message
from messaging.services import messages as message_services
from tests.browser.test_messaging_live import _off_the_event_loop, _sign_in, _wait_live
from tests.conftest import require
from tests.messaging.world import URLCONF, World


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def asgi_url(transactional_db, settings):
    """The ASGI application under uvicorn in a thread, with the Redis channel layer production
    uses (pushes come from writers' threads and cross it as they would between processes)."""
    require(bool(django_settings.REDIS_URL), "REDIS_URL is not set (this test needs the Redis channel layer)")
    import uvicorn

    settings.ROOT_URLCONF = URLCONF
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from hub.asgi import application

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
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


def _world() -> World:
    """Everyone writes and reads English: this is about order, not translation."""
    world = World()
    world.parent.preferred_language = "en-gb"
    world.parent.save(update_fields=["preferred_language"])
    return world


SHOWN_IDS = (
    "() => Array.from(document.querySelectorAll('ol.homeroom-thread > li[data-message-id]'))"
    ".map(li => parseInt(li.getAttribute('data-message-id'), 10))"
)


def _deliver(page, html: str) -> None:
    """Hand `html` to the page exactly as a frame from the server arrives (the ws extension's handler)."""
    page.evaluate(
        """(html) => {
            const socket = document.querySelector('[ws-connect]')['htmx-internal-data'].webSocket.socket;
            socket.dispatchEvent(new MessageEvent('message', {data: html}));
        }""",
        html,
    )


def _sent_order(conversation) -> list[int]:
    return list(
        Message.objects.filter(conversation=conversation, status=Message.Status.SENT)
        .order_by("sent_at", "pk")
        .values_list("pk", flat=True)
    )


def test_a_push_that_overtakes_the_catch_up_is_shown_once_in_order(asgi_url, new_context):
    world = _off_the_event_loop(_world)
    conversation = _off_the_event_loop(lambda: world.guardian_thread(body="First"))
    for body in ("Second", "Third", "Fourth", "Fifth"):
        _off_the_event_loop(
            lambda body=body: message_services.message_send(sender=world.parent, conversation=conversation, body=body)
        )
    expected = _off_the_event_loop(lambda: _sent_order(conversation))
    page = new_context().new_page()
    _sign_in(page, asgi_url, world.teacher)
    page.goto(f"{asgi_url}/messages/{conversation.pk}/")
    _wait_live(page)
    assert page.evaluate(SHOWN_IDS) == expected

    # The page as it was before the socket dropped: it had seen only the first two messages.
    # Keep the last three as the server renders them, to replay what arrives on reconnecting.
    rendered = page.evaluate(
        """(ids) => ids.map(id => { const li = document.getElementById('message-' + id); li.remove(); return li.outerHTML; })""",
        expected[2:],
    )
    wrap = f'<ol hx-swap-oob="beforeend:#messages-{conversation.pk}">{{}}</ol>'
    # The newest message is pushed live first (the consumer had joined the group) ...
    _deliver(page, wrap.format(rendered[2]))
    # ... then the catch-up answers with everything after the second message, the newest again.
    _deliver(page, wrap.format("".join(rendered)))

    assert page.evaluate(SHOWN_IDS) == expected
    assert page.locator(".homeroom-message").filter(has_text="Fifth").count() == 1


def test_a_message_committed_late_while_the_socket_was_down_is_caught_up(asgi_url, new_context):
    """A message stamped before the newest one shown but committed (and pushed) while the socket
    was down: the catch-up must not start after the newest shown, or it is never seen."""
    world = _off_the_event_loop(_world)
    conversation = _off_the_event_loop(lambda: world.guardian_thread(body="First"))
    for body in ("Second", "Third", "Fourth"):
        _off_the_event_loop(
            lambda body=body: message_services.message_send(sender=world.parent, conversation=conversation, body=body)
        )
    expected = _off_the_event_loop(lambda: _sent_order(conversation))
    page = new_context().new_page()
    _sign_in(page, asgi_url, world.teacher)
    page.goto(f"{asgi_url}/messages/{conversation.pk}/")
    _wait_live(page)

    # The socket drops; the third message's push is what the page missed (it has the fourth).
    page.evaluate(
        """(id) => {
            document.querySelector('[ws-connect]')['htmx-internal-data'].webSocket.socket.close();
            document.getElementById('message-' + id).remove();
        }""",
        expected[2],
    )
    page.evaluate("() => document.querySelector('[ws-connect]')['htmx-internal-data'].webSocket.init()")
    _wait_live(page)

    page.wait_for_function(f"() => ({SHOWN_IDS})().length >= {len(expected)}", timeout=10_000)
    time.sleep(0.3)
    assert page.evaluate(SHOWN_IDS) == expected


def test_reconnecting_under_two_fast_writers_shows_every_message_once_in_order(asgi_url, new_context):
    world = _off_the_event_loop(_world)
    conversation = _off_the_event_loop(lambda: world.guardian_thread(body="Start"))
    page = new_context().new_page()
    _sign_in(page, asgi_url, world.parent)
    page.goto(f"{asgi_url}/messages/{conversation.pk}/")
    _wait_live(page)

    per_writer = 12

    def write(sender, label):
        try:
            for number in range(per_writer):
                message_services.message_send(sender=sender, conversation=conversation, body=f"{label} {number}")
                time.sleep(0.03)
        finally:
            connections.close_all()

    # The reader's own second tab (another writer as the same person) and the teacher write at once.
    writers = [
        threading.Thread(target=write, args=(world.teacher, "Teacher")),
        threading.Thread(target=write, args=(world.parent, "Parent")),
    ]
    for writer in writers:
        writer.start()
    # Drop and reconnect the reader's socket while they write (a phone losing signal).
    for _ in range(4):
        time.sleep(0.12)
        page.evaluate(
            """() => new Promise(resolve => {
                const wrapper = document.querySelector('[ws-connect]')['htmx-internal-data'].webSocket;
                wrapper.socket.close();
                setTimeout(() => { wrapper.init(); resolve(); }, 60);
            })"""
        )
    for writer in writers:
        writer.join(timeout=60)
    # A last reconnect after the writers stopped, as a page does when the signal comes back.
    _wait_live(page)

    expected = _off_the_event_loop(lambda: _sent_order(conversation))
    assert len(expected) == 1 + 2 * per_writer
    page.wait_for_function(f"() => ({SHOWN_IDS})().length >= {len(expected)}", timeout=15_000)
    time.sleep(0.5)  # anything still in flight lands (and would show as a duplicate)
    assert page.evaluate(SHOWN_IDS) == expected
