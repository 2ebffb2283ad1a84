"""The inbox's search and filters, and muting a conversation, from the outside."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.models import AuditEntry
from messaging.models import Conversation, Notification, Participant
from messaging.services import conversations as conversation_services
from tests import factories
from tests.messaging import world as messaging_world
from tests.messaging.smtp import running_smtp_server, use_smtp_server

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in


@pytest.fixture(autouse=True)
def _parent_reads_english(request):
    """These tests are about what is found and muted, read in English; the catalogues' Spanish is
    tested in tests/shell and the Spanish journeys in tests/browser."""
    if "world" not in request.fixturenames:
        return  # (the real-path email test builds its own people and must keep the real notify)
    world = request.getfixturevalue("world")
    type(world.parent).objects.filter(pk=world.parent.pk).update(preferred_language="en-gb")
    world.parent.preferred_language = "en-gb"


def url(name, *args):
    return reverse(f"messaging:{name}", args=args)


def inbox(client, **params):
    response = client.get(url("inbox"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def threads(world):
    """Two conversations about the parent's child and one about another family's child."""
    trip = world.guardian_thread(subject="School trip forms")
    lunch = world.guardian_thread(subject="Lunch money", starter=world.teacher, recipients=[world.parent])
    other = conversation_services.conversation_start(
        starter=world.other_parent,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=world.other_child,
        subject="School trip for Secretfamily",
        body="Private to the other family",
        recipient_ids=[world.other_teacher.pk],
    )
    return trip, lunch, other


def test_search_matches_subject_and_pupil_name_in_any_case(client, world, threads):
    sign_in(client, world.parent)
    body = inbox(client, q="school TRIP")
    assert "School trip forms" in body
    assert "Lunch money" not in body
    # Another family's conversation never appears, even when it matches.
    assert "School trip for Secretfamily" not in body

    body = inbox(client, q="visible childname")
    assert "School trip forms" in body
    assert "Lunch money" in body
    with translation.override(world.parent.preferred_language):  # the page is in the parent's language
        hint = gettext("Matches the subject and the pupil’s name, not the text of messages.")
    assert str(escape(hint)) in body

    body = inbox(client, q="Secretfamily")
    assert "School trip for Secretfamily" not in body
    assert 'id="inbox-conversation-' not in body
    assert "No conversations match your search and filters." in body


def test_unread_and_needs_reply_filters(client, world, threads):
    trip, lunch, _ = threads
    sign_in(client, world.parent)
    # The teacher wrote last in "Lunch money" (unread for the parent); the parent wrote last in the trip thread.
    body = inbox(client, unread="on")
    assert "Lunch money" in body
    assert "School trip forms" not in body
    body = inbox(client, needs_reply="on")
    assert "Lunch money" in body
    assert "School trip forms" not in body

    sign_in(client, world.teacher)
    body = inbox(client, needs_reply="on")
    assert "School trip forms" in body
    assert "Lunch money" not in body


def test_child_filter_offers_only_the_users_children_with_conversations(client, world, threads):
    sign_in(client, world.parent)
    body = inbox(client)
    # One child only: no point offering the filter.
    assert 'name="child"' not in body

    # A second child with a conversation of their own: now the parent can pick one.
    second = factories.PupilFactory(school=world.school, first_name="Second", last_name="Sibling")
    factories.GuardianshipFactory(guardian=world.parent, pupil=second)
    conversation_services.conversation_start(
        starter=world.parent,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=second,
        subject="About the sibling",
        body="Hello",
        recipient_ids=[world.leader.pk],
    )
    body = inbox(client)
    assert 'name="child"' in body
    assert f'value="{world.other_child.pk}"' not in body
    body = inbox(client, child=second.pk)
    assert "About the sibling" in body
    assert "School trip forms" not in body

    # A child id the user may not filter by is ignored, never a way to see their conversations.
    body = inbox(client, child=world.other_child.pk)
    assert "School trip for Secretfamily" not in body


def test_inbox_queries_stay_constant_with_filters(client, world, django_assert_max_num_queries):
    sign_in(client, world.teacher)
    params = {"q": "thread", "unread": "on", "needs_reply": "on", "child": world.child.pk}
    for number in range(3):
        world.guardian_thread(subject=f"Thread {number}")
    inbox(client, **params)  # as a running server: content types known
    with django_assert_max_num_queries(10) as few:
        assert "Thread 2" in inbox(client, **params)
    limit = len(few.captured_queries)
    for number in range(30):
        world.guardian_thread(subject=f"Thread more {number}", recipients=[world.teacher, world.sendco])
    with django_assert_max_num_queries(limit):
        assert "Thread more 29" in inbox(client, **params)


def test_a_participant_mutes_and_unmutes_a_conversation(client, world, threads):
    trip, _, other = threads
    sign_in(client, world.parent)
    with translation.override(world.parent.preferred_language):
        assert gettext("Mute this conversation") in client.get(url("thread", trip.pk)).content.decode()

    response = client.post(url("mute", trip.pk))
    assert response.status_code == 302
    assert Participant.objects.get(conversation=trip, user=world.parent).muted_at is not None
    assert AuditEntry.objects.filter(action="conversation.muted", actor_id=world.parent.pk).exists()
    body = inbox(client)
    with translation.override(world.parent.preferred_language):
        assert gettext("Muted") in body
        assert gettext("Unmute this conversation") in client.get(url("thread", trip.pk)).content.decode()

    client.post(url("mute", trip.pk), {"unmute": "1"})
    assert Participant.objects.get(conversation=trip, user=world.parent).muted_at is None
    assert AuditEntry.objects.filter(action="conversation.unmuted", actor_id=world.parent.pk).exists()

    # Another family's conversation, or one that does not exist: not found.
    assert client.post(url("mute", other.pk)).status_code == 404
    assert client.post(url("mute", 999999)).status_code == 404
    assert client.get(url("mute", trip.pk)).status_code == 405
    assert not Participant.objects.filter(conversation=other, muted_at__isnull=False).exists()


def test_a_muted_reader_is_not_notified_while_the_other_reader_is(
    client, world, outside, django_capture_on_commit_callbacks
):
    trip = world.guardian_thread(subject="School trip forms", recipients=[world.teacher, world.sendco])
    sign_in(client, world.sendco)
    client.post(url("mute", trip.pk))
    outside.notifications.clear()

    sign_in(client, world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("send", trip.pk), {"body": "One more question"})
    notified = {call["user"].pk for call in outside.notifications}
    assert world.teacher.pk in notified
    assert world.sendco.pk not in notified

    # Still unread in the muted reader's inbox.
    sign_in(client, world.sendco)
    body = inbox(client)
    assert "Muted" in body
    assert "unread" in body


@pytest.fixture
def smtp(settings):
    with running_smtp_server() as server:
        use_smtp_server(settings, server)
        yield server


def test_a_muted_reader_gets_no_email_for_a_new_message_while_the_other_reader_does(transactional_db, settings, smtp):
    """Through the real notification path (outbox run after commit, local SMTP server)."""
    settings.ROOT_URLCONF = messaging_world.URLCONF
    school = factories.SchoolFactory(name="Mute School")
    child = factories.PupilFactory(school=school, first_name="Ana")
    parent = factories.UserFactory(display_name="Paz Parent")
    factories.GuardianshipFactory(guardian=parent, pupil=child)
    group = factories.ClassGroupFactory(school=school)
    group.pupils.add(child)
    teachers = []
    for name in ("Muted Teacher", "Listening Teacher"):
        teacher = factories.UserFactory(display_name=name)
        factories.MembershipFactory(user=teacher, school=school, role="teacher")
        group.staff.add(teacher)
        teachers.append(teacher)
    muted, listening = teachers
    conversation = factories.ConversationFactory(pupil=child, created_by=muted)
    for person in (parent, muted, listening):
        factories.ParticipantFactory(conversation=conversation, user=person)

    client = Client()
    sign_in(client, muted)
    assert client.post(url("mute", conversation.pk)).status_code == 302

    client = Client()
    sign_in(client, parent)
    response = client.post(url("send", conversation.pk), {"body": "Hello both", "client_key": uuid.uuid4().hex})
    assert response.status_code == 302

    assert [mail.recipients for mail in smtp.received] == [[listening.email]]
    assert not Notification.objects.filter(user=muted).exists()
    # The muted teacher still sees the conversation as unread in their inbox.
    client = Client()
    sign_in(client, muted)
    body = inbox(client)
    assert "Muted" in body
    assert "1 unread" in body


def test_the_inbox_pages_link_newer_and_older_and_an_old_link_past_the_end_shows_the_last_page(client, world):
    for number in range(32):
        world.guardian_thread(subject=f"Paged thread {number:02}")
    sign_in(client, world.teacher)
    first = inbox(client)
    assert first.count('id="inbox-conversation-') == 30
    assert 'rel="next"' in first
    assert 'rel="prev"' not in first
    second = inbox(client, page=2)
    assert second.count('id="inbox-conversation-') == 2
    assert 'rel="prev"' in second
    assert 'rel="next"' not in second
    past_the_end = inbox(client, page=9)
    assert past_the_end.count('id="inbox-conversation-') == 2
    assert 'rel="prev"' in past_the_end
    assert inbox(client, page="x").count('id="inbox-conversation-') == 30
