"""Sending a message, and delivering it, cost the same number of queries however many people take part.

Notifications are recorded by the `outside` fixture here: each recipient gets their own row and
delivery, which is messaging.notifications' cost and has its own tests.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils import translation

from messaging import realtime
from messaging.services import messages as services
from tests import factories
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world

# message_send, in the writer's request (PostgreSQL), with the composer's key as every form post
# carries: the permission check, the message (one INSERT … ON CONFLICT on its key: 12 with the
# savepoint around a plain insert), its audit entry (with the audit log's advisory lock), the
# conversation's last message time (the sender's read mark stays where their reading put it: 14 when
# a send moved it too), the safeguarding phrases, and its delivery, run in the same
# transaction (`outbox.run_here`): the message and its readers, which of them muted the
# conversation (one query, whatever their number), the translation entry (a reader here reads
# another language than the writer) and the subject's stored translations, so that their
# notification names it in theirs (one query, only in a conversation of several languages), their
# notifications (recorded by `outside` here, messaging.notifications' cost with its own tests) and
# the "message sent" entry, recorded as written. 10 before delivery moved into the send, when a
# worker's transaction then claimed the entry, ran it and marked it written (29 in all, 25 now).
SEND_QUERY_BUDGET = 13
# After the commit, in the same process: the push (the message's translations and receipts once for
# every reader, each reader's badge counted by one compiled COUNT), the entry marked done, and
# the email batch's entry run (38 before; 20 with the handler's savepoint; 19 before delivery
# moved into the send).
DELIVERY_QUERY_BUDGET = 11

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
    ContentType.objects.get_for_model(conversation)

    with django_assert_max_num_queries(SEND_QUERY_BUDGET), django_capture_on_commit_callbacks() as committed:
        message = services.message_send(
            sender=world.parent, conversation=conversation, body="Hola, gracias", client_key=f"composer-{size}"
        )
    with django_assert_max_num_queries(DELIVERY_QUERY_BUDGET), django_capture_on_commit_callbacks(execute=True):
        for callback in committed:
            callback()

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


def _translation_lookups(queries) -> int:
    return sum("messaging_storedtranslation" in query["sql"] for query in queries)


def test_a_message_read_in_its_own_language_is_pushed_without_looking_for_translations(
    world, outside, pushes, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from messaging.models import StoredTranslation

    conversation, _people = conversation_with(world, 2)  # Pat (Spanish) and Tess (English)
    sent = {}
    for language in ("es", "en-gb"):
        world.parent.preferred_language = language
        world.parent.save(update_fields=["preferred_language"])
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            sent[language] = services.message_send(
                sender=world.teacher, conversation=conversation, body="See you on Monday at the gate"
            )
        sent[language].lookups = _translation_lookups(queries.captured_queries)
    # Read in Spanish, the push looks for the message's translation (none yet: "on its way") and
    # the notification for the subject's; read in English, as it is written, nothing is looked for.
    assert sent["es"].lookups == 2
    assert sent["en-gb"].lookups == 0

    # A Spanish reader whose translation is stored by the time of the push is shown it.
    world.parent.preferred_language = "es"
    world.parent.save(update_fields=["preferred_language"])
    message = services.message_send(sender=world.teacher, conversation=conversation, body="Bring a coat please")
    StoredTranslation.objects.create(
        content_object=message, field="body", language="es", body="Traed un abrigo, por favor", engine="test"
    )
    pushes.clear()
    from messaging import live

    live.message_appended(message_id=message.pk)
    [html] = [html for user_ids, html in pushes if world.parent.pk in user_ids]
    assert "Traed un abrigo, por favor" in html


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


# The thread page, first opened by a reader with unread messages (which it marks read, writing
# their receipts in one statement) or by the writer seeing who read theirs: the session and
# person, the conversation, the newest page of messages with their attachments, translations and
# receipts, the subject's translation, templates, the read mark and its outbox entry, the header;
# and (journeys) what each person is ("class teacher", "SENDCO": one query) and the reader's
# notifications about the thread marked read with it (one UPDATE, only when something was new);
# and whether the reader muted it (the mute button: one query). The school's messaging settings
# are read once (retract window and contact hours), whether the viewer is staff once, the
# participants once (also for "will read this in Spanish"), and the read mark compares with the
# newest message the page loaded (35 queries with the receipts push, 22 for the writer, when measured).
THREAD_PAGE_QUERY_BUDGET = 29
# And the "read by" lines pushed to the writers: read in the page's own transaction (its outbox
# entry run there, `outbox.run_here`): the conversation, which of the writers may still read it,
# and every writer's messages with their receipts in one query (SQL compiled once per process);
# after the commit, the entry marked done. 9 when a worker's transaction claimed the entry, ran it
# and marked it done after the commit (10 before that, with a query for the messages and one for
# their receipts per writer).
RECEIPTS_PUSH_QUERY_BUDGET = 4


def thread_with(world, *, unread: int, read: int, readers: int):
    """A thread the parent started with the teacher and `readers - 1` more staff: `read` messages
    everyone has read, then `unread` the teacher has not."""
    staff = [world.teacher, world.sendco, world.leader]
    for number in range(max(0, readers - 3)):
        staff.append(world.staff(f"Extra Reader{number}", "leader"))
    conversation = world.guardian_thread(recipients=staff[:readers])
    for number in range(read):
        services.message_send(sender=world.parent, conversation=conversation, body=f"Ya leído {number}")
    for person in staff[:readers]:
        services.conversation_mark_read(user=person, conversation=conversation)
    for number in range(unread):
        services.message_send(sender=world.parent, conversation=conversation, body=f"Nuevo {number}")
    return conversation


def page_queries(client, url: str, pushes: list) -> int:
    """Queries for one page and for what it leads to (the receipts its reading pushes to writers,
    run by the outbox after the commit)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/")  # the session and the header's caches are warm, as on any later page
    pushes.clear()
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def django_capture_on_commit_callbacks(*, execute: bool):
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=execute)


def test_thread_page_queries_do_not_grow_with_unread_messages_readers_or_length(world, client, pushes):
    from tests.messaging.world import sign_in

    small = thread_with(world, unread=5, read=0, readers=1)
    big = thread_with(world, unread=50, read=70, readers=5)

    sign_in(client, world.teacher)
    first_view = [page_queries(client, f"/messages/{conversation.pk}/", pushes) for conversation in (small, big)]
    assert first_view[0] == first_view[1], first_view
    assert first_view[0] <= THREAD_PAGE_QUERY_BUDGET + RECEIPTS_PUSH_QUERY_BUDGET
    # Opening it marked everything read, and the parent's open pages were told, in one push.
    for conversation in (small, big):
        assert not conversation.messages.exclude(sender=world.teacher).exclude(reads__user=world.teacher).exists()
    receipts = [html for user_ids, html in pushes if user_ids == [world.parent.pk]]
    assert len(receipts) == 1
    assert receipts[0].count('id="receipt-') == 50
    assert world.teacher.display_name in receipts[0]

    # The writer's view: every message of theirs shows who read it (one to five readers each).
    client.logout()
    sign_in(client, world.parent)
    writer_view = [page_queries(client, f"/messages/{conversation.pk}/", pushes) for conversation in (small, big)]
    assert writer_view[0] == writer_view[1], writer_view
    assert writer_view[0] <= THREAD_PAGE_QUERY_BUDGET


def test_a_read_with_nothing_new_costs_one_query_and_writes_nothing(world, django_assert_max_num_queries):
    from messaging.models import MessageRead

    conversation = thread_with(world, unread=3, read=0, readers=2)
    newest = conversation.messages.order_by("-sent_at", "-pk").first()
    assert services.message_mark_read(user=world.teacher, message_id=newest.pk) == 3
    receipts = MessageRead.objects.count()

    # Every open tab says it again after each live fragment; and the writer's own message.
    with django_assert_max_num_queries(1):
        assert services.message_mark_read(user=world.teacher, message_id=newest.pk) == 0
    with django_assert_max_num_queries(1):
        assert services.message_mark_read(user=world.parent, message_id=newest.pk) == 0
    assert MessageRead.objects.count() == receipts
    # Something new is still read, whoever else had read it.
    reply = services.message_send(sender=world.sendco, conversation=conversation, body="Recibido")
    assert services.message_mark_read(user=world.teacher, message_id=reply.pk) == 1
    assert MessageRead.objects.filter(message=reply, user=world.teacher).exists()


# A read with something new (SQL compiled once per process): whether anything is new and the
# message, its conversation, the reader's read mark (read and moved), the messages newly read,
# their notifications marked read, the receipts, and the entry that pushes them to the writers
# (one INSERT … ON CONFLICT), with the read's savepoint; and, run in the read's transaction, that
# entry's reads (the conversation, the writers who may still read it, their lines: 9 when a
# worker did those after the commit, 12 before that, 10 before the conversation came with the
# message in one compiled query).
READ_QUERY_BUDGET = 12


@pytest.mark.parametrize("unread", [1, 5])
def test_a_read_records_receipts_up_to_its_message_in_the_same_few_queries(
    world, unread, django_assert_max_num_queries
):
    from messaging.models import MessageRead

    conversation = thread_with(world, unread=unread + 1, read=2, readers=2)
    *_before, up_to, later = conversation.messages.order_by("sent_at", "pk")
    already = set(MessageRead.objects.filter(user=world.teacher).values_list("message_id", flat=True))

    with django_assert_max_num_queries(READ_QUERY_BUDGET):
        assert services.message_mark_read(user=world.teacher, message_id=up_to.pk) == unread

    newly = set(MessageRead.objects.filter(user=world.teacher).values_list("message_id", flat=True)) - already
    expected = conversation.messages.filter(sent_at__lte=up_to.sent_at).exclude(pk__in=already)
    assert newly == set(expected.values_list("pk", flat=True))
    assert up_to.pk in newly
    assert later.pk not in newly
    # Read again, nothing is new; someone who may not see the thread is told it does not exist.
    assert services.message_mark_read(user=world.teacher, message_id=up_to.pk) == 0
    with pytest.raises(Http404):
        services.message_mark_read(user=world.other_parent, message_id=up_to.pk)


def test_visibility_rules_answer_the_same_with_their_sql_reused(world):
    """The access rules' SQL is compiled once and reused with other ids (messaging.policies): each
    person and conversation gets exactly what the rules built afresh would give them."""
    from messaging import policies
    from messaging.models import Notification
    from messaging.notifications import selectors as notification_selectors
    from messaging.notifications import targets

    threads = world.thread_of_every_kind()
    people = [
        world.parent,
        world.co_parent,
        world.no_rights_parent,
        world.other_parent,
        world.teacher,
        world.other_teacher,
        world.sendco,
        world.office,
        world.far_parent,
        world.far_teacher,
    ]
    # Everyone has an unread notification about every thread (and one about nothing in particular).
    for person in people:
        factories.NotificationFactory(user=person)
        for thread in threads:
            factories.NotificationFactory(
                user=person, pupil=thread.pupil, target_type="messaging.conversation", target_id=thread.pk
            )
    # A right withdrawn: the co-parent's viewing rights, the SENDCO's membership.
    world.co_parent.guardianships.update(can_view=False)
    world.sendco.memberships.update(is_active=False)

    for person in people:
        reused = set(policies.conversations_visible_to(person).values_list("pk", flat=True))
        fresh = set(policies._conversations_visible_to(person).values_list("pk", flat=True))
        assert reused == fresh, person
        # The unread badge's COUNT, compiled once, against the rules built afresh.
        unread_afresh = Notification.objects.filter(user=person, read_at__isnull=True)
        unread_afresh = unread_afresh.filter(targets.rules(person)).count()
        assert notification_selectors.unread_count_for(person) == unread_afresh, person
    for thread in threads:
        reused = list(policies.readers_of_conversation(thread).values_list("pk", flat=True))
        fresh = sorted(policies._readers_of_conversation(thread).values_list("pk", flat=True))
        assert reused == fresh, thread.kind
        assert reused, thread.kind
    assert world.sendco.pk not in policies.readers_of_conversation(threads[0]).values_list("pk", flat=True)
