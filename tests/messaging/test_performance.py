"""Sending a message costs the same number of queries however many people take part.

Notifications are recorded by the `outside` fixture here: each recipient gets their own row and
delivery, which is messaging.notifications' cost and has its own tests.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from messaging import realtime
from messaging.services import messages as services
from tests import factories
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world

# message_send and its on-commit work (translate, push, notify) on SQLite: the permission check,
# the message, its audit entry, the conversation and sender's read mark, the safeguarding phrases,
# then the message, its readers, attachments, translations and receipts once for every reader.
# PostgreSQL takes one more: the audit log's advisory lock.
SEND_QUERY_BUDGET = 17

# Interface language and time zone of the staff added beyond the class teacher, SENDCO and leader.
EXTRA_STAFF = [("cy", "Europe/London"), ("pl", "Europe/Warsaw"), ("sw", "Africa/Nairobi"), ("en-gb", "UTC")]


@pytest.fixture
def pushes(monkeypatch) -> list[tuple[list[int], str]]:
    """Every live push as (user ids, html)."""
    seen = []
    monkeypatch.setattr(
        realtime, "push_to_users", lambda user_ids, html="", **kwargs: seen.append((list(user_ids), html))
    )
    return seen


def conversation_with(world, size: int):
    """A conversation about the child between the parent (Spanish) and `size - 1` staff."""
    staff = [world.teacher, world.sendco, world.leader]
    for number, (language, zone) in enumerate(EXTRA_STAFF):
        leader = world.staff(f"Extra Leader{number}", "leader")
        leader.preferred_language, leader.time_zone = language, zone
        leader.save(update_fields=["preferred_language", "time_zone"])
        staff.append(leader)
    recipients = staff[: size - 1]
    conversation = world.guardian_thread(recipients=recipients)
    return conversation, [world.parent, *recipients]


@pytest.mark.parametrize("size", [2, 8])
def test_sending_costs_the_same_queries_for_2_or_8_participants(
    world, outside, pushes, size, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    conversation, people = conversation_with(world, size)
    assert conversation.participants.count() == size
    outside.notifications.clear()
    # Translations are found through their content type, which a running process reads once.
    ContentType.objects.get_for_model(conversation.messages.model)

    with django_assert_max_num_queries(SEND_QUERY_BUDGET), django_capture_on_commit_callbacks(execute=True):
        message = services.message_send(sender=world.parent, conversation=conversation, body="Hola, gracias")

    html_for = {}
    for user_ids, html in pushes:
        for user_id in user_ids:
            assert user_id not in html_for, "one push per person"
            html_for[user_id] = html
    assert sorted(html_for) == sorted(person.pk for person in people)
    for person in people:
        html = html_for[person.pk]
        assert f'id="message-{message.pk}"' in html
        with translation.override(person.preferred_language):
            if person == world.parent:
                assert translation.gettext("You") in html
                assert translation.gettext("Not read yet") in html
            else:
                # Written in Spanish, read in their own language: the translation is on its way.
                assert translation.gettext("A translation is on its way.") in html
                assert world.parent.display_name in html
    assert sorted(item["user"].pk for item in outside.notifications) == sorted(
        person.pk for person in people if person != world.parent
    )


def test_fragments_are_rendered_once_per_way_of_seeing_them(world, pushes, django_capture_on_commit_callbacks):
    conversation, people = conversation_with(world, 8)
    same_as_teacher = factories.UserFactory(display_name="Also English")
    factories.MembershipFactory(user=same_as_teacher, school=world.school, role="leader")
    conversation.participants.create(user=same_as_teacher)
    pushes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(sender=world.parent, conversation=conversation, body="Hola, gracias")

    # The teacher and the extra leader share a language, a time zone and not being the sender.
    shared = [user_ids for user_ids, _html in pushes if world.teacher.pk in user_ids]
    assert len(shared) == 1
    assert same_as_teacher.pk in shared[0]
    assert len(pushes) < len(people) + 1
