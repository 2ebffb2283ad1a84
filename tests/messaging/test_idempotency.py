"""A double submit, or a retry after a lost response, saves one message and announces it once."""

import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from messaging.models import Conversation, Message
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in


@pytest.fixture
def thread(world):
    return world.guardian_thread(body="Hola", recipients=[world.teacher])


def composer_key(client, conversation) -> str:
    page = client.get(reverse("messaging:thread", args=[conversation.pk])).content.decode()
    found = re.search(r'name="client_key" value="([^"]+)"', page)
    assert found, "the composer carries an idempotency key"
    return found.group(1)


def test_the_same_form_posted_twice_saves_one_message_and_notifies_once(
    client, world, thread, outside, django_capture_on_commit_callbacks
):
    sign_in(client, world.teacher)
    key = composer_key(client, thread)
    mail.outbox.clear()
    before = len([n for n in outside.notifications if n["user"] == world.parent])
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("messaging:send", args=[thread.pk]), {"body": "See you Monday", "client_key": key}
            )
        assert response.status_code == 302
    assert Message.objects.filter(conversation=thread, body__isnull=False, sender=world.teacher).count() == 1
    assert len([n for n in outside.notifications if n["user"] == world.parent]) == before + 1


def test_each_drawing_of_the_composer_has_a_new_key(client, world, thread):
    sign_in(client, world.teacher)
    first = composer_key(client, thread)
    client.post(reverse("messaging:send", args=[thread.pk]), {"body": "One", "client_key": first})
    second = composer_key(client, thread)
    assert first != second
    client.post(reverse("messaging:send", args=[thread.pk]), {"body": "Two", "client_key": second})
    assert [m.body for m in Message.objects.filter(conversation=thread, sender=world.teacher).order_by("pk")] == [
        "One",
        "Two",
    ]


def test_a_key_that_is_not_ours_is_refused_with_the_form(client, world, thread):
    sign_in(client, world.teacher)
    response = client.post(reverse("messaging:send", args=[thread.pk]), {"body": "Hi", "client_key": "<script>"})
    assert response.status_code == 422
    assert not Message.objects.filter(conversation=thread, sender=world.teacher).exists()


def test_starting_a_conversation_twice_with_one_form_starts_one(client, world):
    sign_in(client, world.parent)
    start = reverse("messaging:start", args=[Conversation.Kind.GUARDIAN_STAFF, world.child.pk])
    page = client.get(start).content.decode()
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    data = {"recipients": [world.teacher.pk], "subject": "Reading", "body": "Hello", "client_key": key}
    first = client.post(start, data)
    second = client.post(start, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Conversation.objects.filter(subject="Reading").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_posted_at_the_same_moment_save_one_message(world, thread):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs it)")
    key = "same-moment-key-0001"
    clients = []
    for _ in range(2):
        c = Client()
        sign_in(c, world.teacher)
        clients.append(c)
    barrier = threading.Barrier(2)
    statuses = []

    def post(c):
        barrier.wait()
        response = c.post(reverse("messaging:send", args=[thread.pk]), {"body": "Once", "client_key": key})
        statuses.append(response.status_code)
        connection.close()

    workers = [threading.Thread(target=post, args=(c,)) for c in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert statuses == [302, 302]
    assert Message.objects.filter(conversation=thread, sender=world.teacher, body__isnull=False).count() == 1
