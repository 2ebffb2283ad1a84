"""Everyday journeys on a 360 px phone in Chromium, axe-clean: a refused message's errors shown
in the composer with JavaScript on and off, reading a thread clearing its notifications, and a
thread opening at its newest message with the reply box in view."""

import datetime

import pytest
from django.utils import timezone

from messaging.models import Message, Notification
from messaging.services import messages as message_services
from tests.browser.axe import assert_accessible
from tests.messaging import world as messaging_world
from tests.messaging.world import World

outside = messaging_world.outside

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def world(outside, transactional_db):
    world = World()
    world.parent.preferred_language = "en-gb"
    world.parent.save(update_fields=["preferred_language"])
    return world


def phone_page(new_context, sign_in, user, *, javascript=True):
    page = new_context(viewport=dict(PHONE), java_script_enabled=javascript).new_page()
    sign_in(user, page)
    return page


def in_view(page, selector) -> bool:
    return page.evaluate(
        """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight; }""",
        selector,
    )


def test_an_empty_message_shows_its_error_in_the_composer_with_javascript(world, new_context, live_url, sign_in):
    thread = world.guardian_thread(body="Hello from home")
    page = phone_page(new_context, sign_in, world.parent)
    page.goto(f"{live_url}/messages/{thread.pk}/")
    page.wait_for_function("() => window.htmx !== undefined")
    page.fill(f"#c{thread.pk}-body", "   ")
    with page.expect_response(lambda response: "/send/" in response.url) as answer:
        page.locator(f"#composer-{thread.pk} button[type=submit]").click()
    assert answer.value.status == 422
    summary = page.locator(f"#composer-{thread.pk} .govuk-error-summary")
    summary.wait_for()
    assert "Write your message." in summary.inner_text()
    # Focus moved to the summary (role=alert inside it), so a screen reader announces it.
    page.wait_for_function("() => document.activeElement && document.activeElement.closest('.govuk-error-summary')")
    assert page.locator(f"#composer-{thread.pk} [role=alert]").count() >= 1
    assert page.url.endswith(f"/messages/{thread.pk}/")  # swapped in place, no page load
    assert Message.objects.filter(conversation=thread).count() == 1
    assert_accessible(page)


def test_a_message_in_the_past_shows_its_error_without_javascript(world, new_context, live_url, sign_in):
    thread = world.guardian_thread(body="Hello from home")
    page = phone_page(new_context, sign_in, world.parent, javascript=False)
    page.goto(f"{live_url}/messages/{thread.pk}/")
    page.fill(f"#c{thread.pk}-body", "For last year")
    page.locator(f"#composer-{thread.pk} details summary").click()
    page.fill(f"#c{thread.pk}-send_at", "2001-01-01T10:00")
    page.locator(f"#composer-{thread.pk} button[type=submit]").click()
    page.wait_for_load_state("load")
    # The page opens at the error summary (the form's action ends with its id).
    assert page.url.endswith(f"#composer-errors-{thread.pk}")
    assert page.title().startswith("Error:")
    summary = page.locator(f"#composer-errors-{thread.pk} .govuk-error-summary")
    assert summary.is_visible()
    assert "future" in summary.inner_text()
    assert page.locator(f"#c{thread.pk}-body").input_value() == "For last year"
    assert Message.objects.filter(conversation=thread).count() == 1
    # axe runs script in the page, which this context forbids: the same markup, checked with script on.
    checker = new_context(viewport=dict(PHONE)).new_page()
    checker.goto(f"{live_url}/account/login/")
    checker.set_content(page.content())
    assert_accessible(checker)


def test_reading_a_thread_clears_its_notifications(world, new_context, live_url, sign_in):
    thread = world.guardian_thread(body="Hello from home")
    other = world.guardian_thread(subject="Another matter", body="Second thread")
    for number in (1, 2):
        message_services.message_send(sender=world.teacher, conversation=thread, body=f"Reply {number}")
    for target in (thread, thread, other):
        Notification.objects.create(
            user=world.parent,
            kind="message",
            title="New message from Tess Teacher",
            url=f"/messages/{target.pk}/",
            target_type="messaging.conversation",
            target_id=target.pk,
        )
    page = phone_page(new_context, sign_in, world.parent)
    page.goto(f"{live_url}/notifications/")
    assert "3 unread" in page.locator("#notification-badge").inner_text()

    page.goto(f"{live_url}/messages/{thread.pk}/")
    assert "1 unread" in page.locator("#notification-badge").inner_text()
    page.goto(f"{live_url}/notifications/")
    assert "You have 1 unread notification." in page.locator("#inbox-unread-count").inner_text()
    assert_accessible(page)


def test_a_thread_opens_at_its_newest_message_with_the_reply_box_in_view(world, new_context, live_url, sign_in):
    thread = world.guardian_thread(body="The first message")
    Message.objects.filter(conversation=thread).update(sent_at=timezone.now() - datetime.timedelta(hours=2))
    for number in range(12):
        message_services.message_send(
            sender=world.teacher if number % 2 else world.parent,
            conversation=thread,
            body=f"Message number {number}. " + "A line of text to make the thread long. " * 3,
        )
    newest = Message.objects.filter(conversation=thread).order_by("-sent_at", "-pk").first()
    page = phone_page(new_context, sign_in, world.parent)
    page.goto(f"{live_url}/messages/")
    page.locator(f"#inbox-conversation-{thread.pk} h2 a").click()
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.scrollY > 0")
    assert in_view(page, f"#message-{newest.pk}")
    assert in_view(page, f"#c{thread.pk}-body")
    assert not in_view(page, "h1")
    assert_accessible(page)


def test_sending_on_a_slow_link_says_so_and_a_failed_send_keeps_the_text(world, new_context, live_url, sign_in):
    thread = world.guardian_thread(body="Hello from home")
    page = phone_page(new_context, sign_in, world.parent)
    page.goto(f"{live_url}/messages/{thread.pk}/")
    page.wait_for_function("() => window.htmx !== undefined")
    assert not page.locator(".homeroom-composer__failed").is_visible()  # nothing has failed yet
    held = []
    page.route("**/send/", lambda route: held.append(route))
    page.fill(f"#c{thread.pk}-body", "See you on Friday")
    send = page.locator(f"#composer-{thread.pk} button[type=submit]")
    send.click()
    page.wait_for_function("() => document.querySelector('.homeroom-composer__form button[type=submit]').disabled")
    assert send.inner_text() == "Sending…"
    while not held:  # the post is held on its way: a very slow link
        page.wait_for_timeout(50)
    held[0].abort("internetdisconnected")
    page.locator(".homeroom-composer__failed").wait_for()
    assert send.inner_text() == "Send"
    assert send.is_enabled()
    assert page.locator(f"#c{thread.pk}-body").input_value() == "See you on Friday"
    assert Message.objects.filter(conversation=thread).count() == 1
    assert_accessible(page)


def test_without_javascript_no_control_that_needs_it_is_shown(world, new_context, live_url, sign_in):
    # "Listen", "Dictate" and the "not sent" notice work only through the page's script: without
    # it they stay hidden (GOV.UK's button and error styles used to show them anyway).
    thread = world.guardian_thread(body="Hello from home")
    page = phone_page(new_context, sign_in, world.parent, javascript=False)
    page.goto(f"{live_url}/messages/{thread.pk}/")
    for selector in ("[data-listen]", "[data-dictate]", ".homeroom-composer__failed"):
        assert page.locator(selector).count() >= 1, selector
        assert not page.locator(selector).first.is_visible(), selector
    assert page.locator(f"#composer-{thread.pk} button[type=submit]").is_visible()  # sending still works
