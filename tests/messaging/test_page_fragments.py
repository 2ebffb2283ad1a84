"""The inbox's cards and the notifications page's items are kept between pages (in this process),
never stale: whatever a card or item shows is in its key, so a change shows on the next page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from messaging.models import Message, Notification
from messaging.notifications import services as notification_services
from messaging.services import conversations as conversation_services
from messaging.services import messages as message_services
from messaging.templatetags import messaging_fragments
from tests.messaging import world as messaging_world
from tests.messaging.notification_helpers import Kind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nothing_kept")]

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in


def page(client, name) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def card(body: str, conversation) -> str:
    start = body.index(f'id="inbox-conversation-{conversation.pk}"')
    return body[start : body.index("</li>", start)]


def test_an_inbox_card_shows_a_new_message_a_read_a_close_and_a_mute_at_once(client, world):
    conversation = world.guardian_thread(subject="Trip forms", body="First words")
    sign_in(client, world.teacher)
    shown = card(page(client, "messaging:inbox"), conversation)
    assert "First words" in shown
    assert "1 unread" in shown

    message_services.message_send(sender=world.parent, conversation=conversation, body="Second words")
    shown = card(page(client, "messaging:inbox"), conversation)
    assert "Second words" in shown
    assert "2 unread" in shown

    newest = Message.objects.filter(conversation=conversation).latest("sent_at")
    message_services.message_mark_read(user=world.teacher, message_id=newest.pk)
    shown = card(page(client, "messaging:inbox"), conversation)
    assert "unread" not in shown

    conversation_services.conversation_mute(user=world.teacher, conversation=conversation, muted=True)
    assert "Muted" in card(page(client, "messaging:inbox"), conversation)
    conversation_services.conversation_close(user=world.teacher, conversation=conversation)
    teachers = card(page(client, "messaging:inbox"), conversation)
    assert "Closed" in teachers

    # Another reader of the same conversation gets a card of their own (theirs is the last
    # message, in their language's words: "You" in English).
    sign_in(client, world.parent)
    parents = card(page(client, "messaging:inbox"), conversation)
    assert "Second words" in parents
    assert parents != teachers


def test_a_notification_item_is_kept_with_each_page_csrf_token_and_shows_being_read(world):
    client = Client(enforce_csrf_checks=True)
    notification = notification_services.notify(
        user=world.parent, kind=Kind.MESSAGE, title="Sports day moved", body="Bring water."
    )
    sign_in(client, world.parent)
    first, second = page(client, "notifications:inbox"), page(client, "notifications:inbox")
    assert "Sports day moved" in first
    assert "Bring water." in first
    assert messaging_fragments._CSRF_MARK not in first + second
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', second)
    assert tokens
    assert all(tokens)
    # The kept item's form posts with this page's token.
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"csrfmiddlewaretoken": tokens[-1]})
    assert response.status_code == 302
    body = page(client, "notifications:inbox")
    assert "homeroom-notification--unread" not in body
    assert "Sports day moved" in body

    Notification.objects.filter(pk=notification.pk).delete()
    assert "Sports day moved" not in page(client, "notifications:inbox")
