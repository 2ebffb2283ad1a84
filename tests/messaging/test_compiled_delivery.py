"""The delivery's and the read's queries, compiled once per process (hub.compiled_sql), give
what the ORM built afresh gives: the same message with the same related rows and annotations, the
same readers (a withdrawn participant or a lost right drops out at once), the same muted people,
and the read's conversation without a query of its own."""

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone

from messaging import policies, selectors
from messaging.models import Attachment, Conversation, MessagingSettings, Participant
from messaging.services import delivery
from messaging.services import messages as services
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _same_message(compiled, fresh) -> None:
    assert _fields(compiled) == _fields(fresh)
    assert compiled.body == fresh.body  # decrypted as the ORM decrypts it
    assert compiled.retract_window_minutes == fresh.retract_window_minutes
    assert compiled.has_attachments == fresh.has_attachments
    assert _fields(compiled.sender) == _fields(fresh.sender)
    conversation, fresh_conversation = compiled.conversation, fresh.conversation
    assert _fields(conversation) == _fields(fresh_conversation)
    assert _fields(conversation.school) == _fields(fresh_conversation.school)
    if fresh_conversation.pupil is None:
        assert conversation.pupil is None
    else:
        assert _fields(conversation.pupil) == _fields(fresh_conversation.pupil)


def test_the_delivered_message_is_what_the_selector_reads(world, django_assert_num_queries):
    threads = world.thread_of_every_kind()
    # One school with its own retract window, one without settings (the default applies).
    MessagingSettings.objects.update_or_create(school=world.school, defaults={"retract_window_minutes": 3})
    with_file = services.message_send(sender=world.parent, conversation=threads[0], body="Con archivo")
    Attachment.objects.create(
        message=with_file,
        file=ContentFile(b"%PDF-1.4", name="note.pdf"),
        original_name="note.pdf",
        content_type="application/pdf",
        size=8,
    )
    for message in [with_file, *(thread.messages.order_by("pk").first() for thread in threads)]:
        fresh = selectors.message_for_readers(message_id=message.pk)
        with django_assert_num_queries(1):
            compiled = delivery._message_for_readers(message.pk)
            _same_message(compiled, fresh)
    assert delivery._message_for_readers(with_file.pk).has_attachments
    assert delivery._message_for_readers(-1) is None
    assert selectors.message_for_readers(message_id=-1) is None


def test_the_delivery_readers_are_the_rules_readers_and_a_withdrawn_one_gets_nothing(world):
    threads = world.thread_of_every_kind()
    for thread in threads:
        assert [reader.pk for reader in delivery._readers(thread)] == list(
            policies.readers_of_conversation(thread).values_list("pk", flat=True)
        ), thread.kind
    thread = threads[0]
    assert world.sendco in delivery._readers(thread)
    # Withdrawn: the SENDCO left the conversation; the teacher lost their membership.
    Participant.objects.filter(conversation=thread, user=world.sendco).update(left_at=timezone.now())
    world.teacher.memberships.update(is_active=False)
    readers = delivery._readers(thread)
    assert world.sendco not in readers
    assert world.teacher not in readers
    assert [reader.pk for reader in readers] == sorted(
        policies._readers_of_conversation(thread).values_list("pk", flat=True)
    )
    assert readers == [world.parent]
    # Full users, as the ORM loads them (their language and time zone render the push).
    assert readers[0].preferred_language == "es"


def test_a_withdrawn_reader_is_neither_notified_nor_pushed_to(world, outside):
    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    Participant.objects.filter(conversation=thread, user=world.sendco).update(left_at=timezone.now())
    message = services.message_send(sender=world.parent, conversation=thread, body="Hola")
    delivered = delivery.message_deliver(message_id=message.pk, notify=False)
    assert [reader.pk for reader in delivered.readers] == [world.parent.pk, world.teacher.pk]
    assert delivered.notified == [world.teacher.pk]


def test_the_muted_are_found_by_the_compiled_query(world):
    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    assert not any(reader.muted_conversation for reader in delivery._readers(thread))
    Participant.objects.filter(conversation=thread, user=world.sendco).update(muted_at=timezone.now())
    # Delivery (and a retry of one reader's notification) reads it with the readers, in one query.
    muted = {reader.pk for reader in delivery._readers(thread) if reader.muted_conversation}
    assert muted == {world.sendco.pk}
    # Muting another conversation mutes nothing here.
    other = world.guardian_thread(recipients=[world.teacher])
    Participant.objects.filter(conversation=other, user=world.teacher).update(muted_at=timezone.now())
    assert {reader.pk for reader in delivery._readers(thread) if reader.muted_conversation} == {world.sendco.pk}


def test_a_retried_notification_goes_only_to_a_reader_who_still_reads_and_has_not_muted(world, outside):
    """`message_notify`, the retry of one reader's failed notification, decides again: a reader
    who muted the conversation or left it meanwhile is not notified."""
    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    message = services.message_send(sender=world.parent, conversation=thread, body="Hola")
    outside.notifications.clear()
    Participant.objects.filter(conversation=thread, user=world.sendco).update(muted_at=timezone.now())
    Participant.objects.filter(conversation=thread, user=world.teacher).update(left_at=timezone.now())
    delivery.message_notify(message_id=message.pk, user_id=world.sendco.pk)
    delivery.message_notify(message_id=message.pk, user_id=world.teacher.pk)
    assert outside.notifications == []
    Participant.objects.filter(conversation=thread, user=world.sendco).update(muted_at=None)
    delivery.message_notify(message_id=message.pk, user_id=world.sendco.pk)
    assert [notification["user"].pk for notification in outside.notifications] == [world.sendco.pk]


def test_a_read_gets_its_conversation_with_the_message_in_one_query(world, django_assert_num_queries):
    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    message = thread.messages.get()
    with django_assert_num_queries(1):
        found = services._message_if_anything_new(user=world.teacher, message_id=message.pk)
        assert found.pk == message.pk
    with django_assert_num_queries(0):
        assert found.conversation.pk == thread.pk
        assert found.body == "Hello from home"
    assert _fields(found.conversation) == _fields(Conversation.objects.get(pk=thread.pk))


@pytest.mark.parametrize("withdrawn", ["left", "rights"])
def test_a_withdrawn_reader_cannot_mark_read(world, withdrawn):
    thread = world.guardian_thread(recipients=[world.teacher])
    message = thread.messages.get()
    if withdrawn == "left":
        Participant.objects.filter(conversation=thread, user=world.teacher).update(left_at=timezone.now())
    else:
        world.teacher.memberships.update(is_active=False)
    with pytest.raises(Http404):
        services.message_mark_read(user=world.teacher, message_id=message.pk)
    assert services.message_mark_read(user=world.parent, message_id=message.pk) == 0
    with pytest.raises(Http404):
        services.message_mark_read(user=world.other_parent, message_id=message.pk)


def test_an_email_batch_is_read_and_locked_as_the_orm_reads_it(world, django_assert_num_queries):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from messaging.models import Notification, QuietHours
    from messaging.notifications import services as notification_services
    from tests import factories

    QuietHours.objects.create(user=world.teacher, start="20:00", end="06:30")
    made = [
        factories.NotificationFactory(user=world.teacher, pupil=world.child),
        factories.NotificationFactory(user=world.parent),
        factories.NotificationFactory(user=world.sendco, pupil=world.child),
    ]
    ids = [notification.pk for notification in reversed(made)]
    with transaction.atomic():
        fresh = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("user", "user__quiet_hours", "pupil")
            .filter(pk__in=ids)
            .order_by("pk")
        )
    for _twice in range(2):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            compiled = notification_services._batch_locked(sorted(ids))
            assert [_fields(item) for item in compiled] == [_fields(item) for item in fresh]
            for item, expected in zip(compiled, fresh, strict=True):
                assert _fields(item.user) == _fields(expected.user)
                assert (expected.pupil is None) == (item.pupil is None)
                if expected.pupil is not None:
                    assert _fields(item.pupil) == _fields(expected.pupil)
                # A missing one raises RelatedObjectDoesNotExist, an AttributeError, as the ORM's does.
                expected_hours = getattr(expected.user, "quiet_hours", None)
                found_hours = getattr(item.user, "quiet_hours", None)
                assert (found_hours is None) == (expected_hours is None)
                if found_hours is not None:
                    assert _fields(found_hours) == _fields(expected_hours)
                    assert found_hours.user is item.user
        assert len(queries) == 1
        assert 'FOR UPDATE OF "messaging_notification"' in queries[0]["sql"]
    with transaction.atomic():
        assert notification_services._batch_locked([]) == []
        assert notification_services._batch_locked([-5]) == []


def test_the_batch_preferences_are_every_choice_of_each_person(world):
    from messaging.models import NotificationPreference
    from messaging.notifications import delivery as notification_delivery

    Frequency, Channel = NotificationPreference.Frequency, NotificationPreference.Channel
    NotificationPreference.objects.create(
        user=world.parent, kind="message", channel=Channel.EMAIL, frequency=Frequency.OFF
    )
    NotificationPreference.objects.create(
        user=world.parent, kind="message", channel=Channel.EMAIL, pupil=world.child, frequency=Frequency.DAILY
    )
    NotificationPreference.objects.create(
        user=world.teacher, kind="message", channel=Channel.EMAIL, frequency=Frequency.DAILY
    )
    people = [world.parent.pk, world.teacher.pk, world.sendco.pk]
    for ids in (people, people[1:], [world.sendco.pk], [world.parent.pk, world.parent.pk]):
        expected: dict = {}
        for preference in NotificationPreference.objects.filter(user_id__in=ids):
            expected.setdefault(preference.user_id, {})[(preference.kind, preference.channel, preference.pupil_id)] = (
                preference.frequency
            )
        assert notification_delivery.preferences_of_users(ids) == expected
        assert notification_delivery.preferences_of_users(iter(ids)) == expected
    assert notification_delivery.preferences_of_users([]) == {}


def test_a_message_to_readers_with_unread_notifications_folds_into_them(world, django_capture_on_commit_callbacks):
    from messaging.models import Notification
    from messaging.notifications import services as notification_services

    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    readers = [world.teacher, world.sendco, world.leader]

    def notify():
        with django_capture_on_commit_callbacks():
            return notification_services.notify_many(
                users=readers,
                kind="message",
                title="New message",
                target=thread,
                pupil=world.child,
                repeat_title=lambda count: f"{count} new messages",
                audience_checked=True,
            )

    first = notify()
    assert [notification.count for notification in first] == [1, 1, 1]
    Notification.objects.filter(pk=first[2].pk).update(read_at=world.teacher.date_joined)  # the leader read it
    second = notify()
    assert [notification.count for notification in second] == [2, 2, 1]
    assert [notification.pk for notification in second[:2]] == [notification.pk for notification in first[:2]]
    stored = Notification.objects.get(pk=first[0].pk)
    assert (stored.count, stored.title) == (2, "2 new messages")
    assert Notification.objects.filter(user=world.leader).count() == 2


# --- the receipts pushed after a read, the message's reads and translations at its push, and the
# notification batch's audience: compiled queries that give what the ORM gave ---------------------


def _receipts_as_the_orm_gave(message_ids, reader):
    """What the receipts push showed `reader` before its query was compiled (the ORM, two queries)."""
    from django.db.models import Prefetch

    from messaging.models import Message, MessageRead

    messages = list(
        Message.objects.filter(pk__in=list(message_ids))
        .only("pk", "sender_id", "retracted_at")
        .prefetch_related(
            Prefetch(
                "reads",
                queryset=MessageRead.objects.exclude(user=reader).select_related("user").order_by("read_at", "pk"),
                to_attr="receipts",
            )
        )
        .order_by("sent_at", "pk")
    )
    for message in messages:
        message.is_own = message.sender_id == reader.pk
    return messages


def _read_lines(messages) -> list:
    return [
        (
            message.pk,
            message.is_own,
            message.is_retracted,
            [(str(read.user), read.read_at) for read in message.receipts],
        )
        for message in messages
    ]


def test_the_receipts_a_writer_is_pushed_are_those_the_orm_gave(world, monkeypatch):
    """Several writers and readers, one message unread, one retracted, one reader whose rights were
    withdrawn after reading (their read stays on the line) and one writer who lost the thread (they
    are pushed nothing)."""
    from messaging import live, realtime
    from messaging.models import Message, Participant

    thread = world.guardian_thread(recipients=[world.teacher, world.sendco, world.leader])
    from_parent = [services.message_send(sender=world.parent, conversation=thread, body=f"Hola {n}") for n in range(3)]
    from_sendco = services.message_send(sender=world.sendco, conversation=thread, body="Noted")
    from_leader = services.message_send(sender=world.leader, conversation=thread, body="Thanks")
    never_read = services.message_send(sender=world.parent, conversation=thread, body="Nadie")
    services.conversation_mark_read(user=world.teacher, conversation=thread, up_to=from_leader)
    services.conversation_mark_read(user=world.leader, conversation=thread, up_to=from_parent[1])
    services.conversation_mark_read(user=world.parent, conversation=thread, up_to=from_leader)
    Message.objects.filter(pk=from_parent[2].pk).update(retracted_at=timezone.now())
    world.leader.memberships.update(is_active=False)  # read, then lost the thread
    Participant.objects.filter(conversation=thread, user=world.sendco).update(left_at=timezone.now())
    mine = [*from_parent, never_read]
    pushes = [(message.pk, message.sender_id) for message in [*mine, from_sendco, from_leader]]

    found = selectors.receipts_of(message_ids=[message_id for message_id, _sender in pushes])
    expected = _receipts_as_the_orm_gave([message.pk for message in mine], world.parent)
    assert _read_lines([message for message in found if message.sender_id == world.parent.pk]) == _read_lines(expected)
    lines = dict((line[0], line[3]) for line in _read_lines(found))
    assert [name for name, _at in lines[from_parent[0].pk]] == ["Tess Teacher", "Lee Leader"]
    assert lines[never_read.pk] == []
    assert [name for name, _at in lines[from_sendco.pk]] == ["Tess Teacher", "Pat Parent"]
    assert selectors.receipts_of(message_ids=[]) == []

    pushed = []
    monkeypatch.setattr(realtime, "push_to_users", lambda user_ids, html="", **kwargs: pushed.append((user_ids, html)))
    live.receipts_to_push(conversation=thread, pushes=pushes)()
    # The SENDCO left and the leader lost their rights: only the parent is pushed their lines.
    assert [user_ids for user_ids, _html in pushed] == [[world.parent.pk]]
    with live.reader_locale(world.parent):
        html = "".join(live._render("receipt_oob", {"message": message}, world.parent) for message in expected)
    assert pushed[0][1] == html
    assert html.count('id="receipt-') == 3  # the retracted message shows no line
    assert live.receipts_to_push(conversation=None, pushes=pushes) is None  # the conversation is gone
    assert len(pushed) == 1


def test_readers_among_are_the_rules_readers_among_them(world):
    threads = world.thread_of_every_kind()
    people = [world.parent, world.teacher, world.sendco, world.other_parent, world.co_parent, world.far_teacher]
    ids = [person.pk for person in people]
    for thread in threads:
        for among in (ids, ids[:1], ids[1:4], [ids[1], ids[1]], []):
            expected = list(policies.readers_of_conversation(thread).filter(pk__in=among).values_list("pk", flat=True))
            found = policies.readers_among(conversation=thread, user_ids=among)
            assert [reader.pk for reader in found] == expected, (thread.kind, among)
    thread = threads[0]
    world.teacher.memberships.update(is_active=False)
    assert [reader.pk for reader in policies.readers_among(conversation=thread, user_ids=ids)] == [
        world.parent.pk,
        world.sendco.pk,
    ]
    # Full users, as the ORM loads them (their language and time zone render the push).
    assert policies.readers_among(conversation=thread, user_ids=[world.parent.pk])[0].preferred_language == "es"


def test_the_pushed_message_has_the_reads_and_translations_the_orm_prefetched(world, django_assert_num_queries):
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Prefetch

    from messaging.models import Message, MessageRead, StoredTranslation

    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    message = services.message_send(sender=world.parent, conversation=thread, body="Hola, gracias")
    other = services.message_send(sender=world.parent, conversation=thread, body="Otro")
    services.conversation_mark_read(user=world.sendco, conversation=thread, up_to=message)
    services.conversation_mark_read(user=world.teacher, conversation=thread, up_to=other)
    message_type = ContentType.objects.get_for_model(Message)
    for language, body in (("en", "Hello, thanks"), ("pl", "Cześć")):
        StoredTranslation.objects.create(
            content_type=message_type, object_id=message.pk, field="body", language=language, body=body, engine="test"
        )
    StoredTranslation.objects.create(
        content_type=message_type, object_id=other.pk, field="body", language="en", body="Other", engine="test"
    )
    fresh = Message.objects.get(pk=message.pk)
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        [fresh],
        Prefetch(
            "translations",
            queryset=StoredTranslation.objects.filter(field="body").order_by("pk"),
            to_attr="all_translations",
        ),
        Prefetch("reads", queryset=MessageRead.objects.select_related("user").order_by("read_at"), to_attr="all_reads"),
    )
    compiled = delivery._message_for_readers(message.pk)
    assert compiled.has_attachments is False
    with django_assert_num_queries(2):
        selectors.prefetch_for_readers(compiled)
    assert [_fields(item) for item in compiled.all_translations] == [_fields(item) for item in fresh.all_translations]
    assert [item.body for item in compiled.all_translations] == ["Hello, thanks", "Cześć"]  # decrypted
    assert [_fields(item) for item in compiled.all_reads] == [_fields(item) for item in fresh.all_reads]
    assert [_fields(item.user) for item in compiled.all_reads] == [_fields(item.user) for item in fresh.all_reads]
    with django_assert_num_queries(0):
        selectors.prefetch_for_readers(compiled)  # idempotent
        seen = selectors.message_as_seen_by(compiled, world.teacher, now=timezone.now())
    assert seen.shown_body == "Hello, thanks"
    assert [str(read.user) for read in seen.receipts] == ["Sid Sendco"]


def test_a_batch_about_a_conversation_goes_to_those_who_may_still_read_it(world):
    """`still_deliverable` through the conversation's compiled audience gives what the rules give
    one by one (`still_visible`), a withdrawn guardian and a member of staff who left included."""
    from messaging.models import Notification
    from messaging.notifications import targets
    from messaging.services import conversations as conversation_services
    from tests import factories

    thread = conversation_services.conversation_start(
        starter=world.teacher,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=world.child,
        subject="Both parents",
        body="Hello both",
        recipient_ids=[world.parent.pk, world.co_parent.pk, world.sendco.pk, world.leader.pk],
    )
    staff_only = world.thread_of_every_kind()[2]
    made = [
        factories.NotificationFactory(
            user=person, pupil=world.child, target_type="messaging.conversation", target_id=about.pk
        )
        for about in (thread, staff_only)
        for person in (world.parent, world.teacher, world.sendco, world.co_parent, world.leader, world.other_parent)
    ]
    world.co_parent.guardianships.update(can_view=False)
    world.leader.memberships.update(is_active=False)
    Participant.objects.filter(conversation=thread, user=world.sendco).update(left_at=timezone.now())
    batch = list(Notification.objects.filter(pk__in=[item.pk for item in made]).select_related("user"))
    expected = {
        item.pk
        for item in batch
        if Notification.objects.filter(pk=item.pk).filter(targets.still_visible(item.user)).exists()
    }
    assert targets.still_deliverable(batch) == expected
    assert {(item.user_id, item.target_id) for item in batch if item.pk in expected} == {
        (world.parent.pk, thread.pk),
        (world.teacher.pk, thread.pk),
        (world.teacher.pk, staff_only.pk),
        (world.sendco.pk, staff_only.pk),
    }
    # A conversation gone: nobody is told.
    gone = factories.NotificationFactory(user=world.parent, target_type="messaging.conversation", target_id=10**12)
    assert targets.still_deliverable([gone]) == set()


def test_a_later_push_reads_the_message_and_its_readers_as_the_orm_did(world, django_assert_num_queries):
    """A push that is not the message's first (a retry, a retraction, a translation arriving)
    reads what `selectors.message_for_readers` and the readers' rules give, by compiled queries."""
    from messaging.models import Message

    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    message = services.message_send(sender=world.parent, conversation=thread, body="Hola")
    Participant.objects.filter(conversation=thread, user=world.sendco).update(left_at=timezone.now())
    with django_assert_num_queries(2):
        found = delivery.message_to_push(message_id=message.pk)
    _same_message(found.message, selectors.message_for_readers(message_id=message.pk))
    assert [reader.pk for reader in found.readers] == list(
        policies.readers_of_conversation(thread).values_list("pk", flat=True)
    )
    assert [reader.pk for reader in found.readers] == [world.parent.pk, world.teacher.pk]
    Message.objects.filter(pk=message.pk).update(retracted_at=timezone.now())
    assert delivery.message_to_push(message_id=message.pk).message.is_retracted  # still pushed, as retracted
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SCHEDULED)
    assert delivery.message_to_push(message_id=message.pk) is None
    assert delivery.message_to_push(message_id=-1) is None
