"""Sending, scheduling, retracting, reading and attaching: the message services."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEntry
from messaging import selectors
from messaging.models import Message, MessageRead, MessagingSettings, Participant, StoredTranslation
from messaging.services import AttachmentRejected, MessagingError, RetractWindowPassed, boundaries
from messaging.services import messages as services
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_message_is_encrypted_at_rest_and_saved_before_delivery(world):
    conversation = world.guardian_thread(body="Hola, gracias por todo")
    message = conversation.messages.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_message WHERE id = %s", [message.pk])
        stored = cursor.fetchone()[0]
    assert "gracias" not in stored
    assert message.body == "Hola, gracias por todo"
    assert message.status == Message.Status.SENT
    assert message.sent_at is not None
    assert message.language == "es"


def test_delivery_notifies_others_and_queues_translations_for_other_languages(
    world, outside, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = world.guardian_thread(body="Hola, gracias", recipients=[world.teacher, world.sendco])
    message = conversation.messages.get()
    assert sorted(item["user"].pk for item in outside.notifications) == sorted([world.teacher.pk, world.sendco.pk])
    assert all(item["kind"] == "message" and item["pupil"] == world.child for item in outside.notifications)
    assert outside.translations == [(message.pk, "en")]


def test_nothing_is_saved_for_an_empty_message_or_a_refused_file(world):
    conversation = world.guardian_thread()
    with pytest.raises(MessagingError):
        services.message_send(sender=world.parent, conversation=conversation, body="   ")
    exe = SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 100, content_type="image/png")
    with pytest.raises(AttachmentRejected):
        services.message_send(sender=world.parent, conversation=conversation, body="see file", attachments=[exe])
    assert conversation.messages.count() == 1


def test_outsiders_cannot_send(world):
    # The access contract: the page (and the socket) asks access_conversation before the service,
    # which trusts the conversation it is given; a guessed id answers 404 and nothing is saved.
    from django.test import Client
    from django.urls import reverse

    conversation = world.guardian_thread()
    for outsider in (world.co_parent, world.other_parent, world.far_teacher):
        client = Client()
        messaging_world.sign_in(client, outsider)
        response = client.post(
            reverse("messaging:send", args=[conversation.pk]), {"body": "hi", "client_key": f"k{outsider.pk}"}
        )
        assert response.status_code == 404
    assert conversation.messages.count() == 1


def test_attachments_are_sniffed_by_content_and_limited_in_size(world, settings):
    good_png = SimpleUploadedFile("not-really.txt", PNG, content_type="text/plain")
    good_pdf = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    assert services.attachment_check(good_png) == "image/png"
    assert services.attachment_check(good_pdf) == "application/pdf"
    fake_pdf = SimpleUploadedFile("letter.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    with pytest.raises(AttachmentRejected):
        services.attachment_check(fake_pdf)
    settings.MESSAGING_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(AttachmentRejected, match="too big"):
        services.attachment_check(SimpleUploadedFile("p.png", PNG))


def test_attachment_is_stored_with_the_sniffed_type(world):
    conversation = world.guardian_thread()
    upload = SimpleUploadedFile("drawing.png", PNG, content_type="application/octet-stream")
    message = services.message_send(sender=world.parent, conversation=conversation, body="Look", attachments=[upload])
    attachment = message.attachments.get()
    assert (attachment.content_type, attachment.size, attachment.original_name) == (
        "image/png",
        len(PNG),
        "drawing.png",
    )


def test_retract_within_the_window_keeps_the_row_and_audits(world):
    conversation = world.guardian_thread()
    message = conversation.messages.get()
    with pytest.raises(PermissionDenied):
        services.message_retract(user=world.teacher, message=message)
    services.message_retract(user=world.parent, message=message)
    message.refresh_from_db()
    assert message.is_retracted
    assert message.body == "Hello from home"
    assert AuditEntry.objects.filter(action="message.retracted", target_id=str(message.pk)).exists()
    page = selectors.thread_page(conversation=conversation, reader=world.teacher)
    assert page.messages[0].is_retracted


def test_retract_after_the_window_is_refused(world):
    MessagingSettings.objects.create(school=world.school, retract_window_minutes=5)
    conversation = world.guardian_thread()
    message = conversation.messages.get()
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - datetime.timedelta(minutes=6))
    with pytest.raises(RetractWindowPassed):
        services.message_retract(user=world.parent, message=message)


def test_scheduled_message_waits_can_change_or_cancel_and_goes_when_due(
    world, outside, django_capture_on_commit_callbacks
):
    conversation = world.guardian_thread()
    later = timezone.now() + datetime.timedelta(hours=2)
    message = services.message_send(sender=world.teacher, conversation=conversation, body="Reminder", send_at=later)
    assert message.status == Message.Status.SCHEDULED
    assert message.sent_at is None
    assert [m.pk for m in selectors.thread_page(conversation=conversation, reader=world.parent).messages] != [
        message.pk
    ]
    with pytest.raises(PermissionDenied):
        services.message_schedule_update(user=world.parent, message=message, body="x", send_at=later)
    services.message_schedule_update(user=world.teacher, message=message, body="Reminder: trip", send_at=later)
    assert services.messages_dispatch_due() == 0
    outside.notifications.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.messages_dispatch_due(now=later + datetime.timedelta(seconds=1)) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.body == "Reminder: trip"
    assert [item["user"] for item in outside.notifications] == [world.parent]
    assert services.messages_dispatch_due(now=later + datetime.timedelta(seconds=2)) == 0  # idempotent

    cancelled = services.message_send(sender=world.teacher, conversation=conversation, body="Nope", send_at=later)
    services.message_schedule_cancel(user=world.teacher, message=cancelled)
    assert services.messages_dispatch_due(now=later + datetime.timedelta(hours=1)) == 0
    cancelled.refresh_from_db()
    assert cancelled.status == Message.Status.CANCELLED


def test_scheduled_message_in_a_closed_conversation_is_dropped(world):
    from messaging.services.conversations import conversation_close

    conversation = world.guardian_thread()
    later = timezone.now() + datetime.timedelta(hours=1)
    message = services.message_send(sender=world.parent, conversation=conversation, body="Later", send_at=later)
    conversation_close(user=world.teacher, conversation=conversation)
    assert services.messages_dispatch_due(now=later + datetime.timedelta(minutes=1)) == 0
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED


def test_read_receipts_record_who_read_what_and_when(world):
    conversation = world.guardian_thread(recipients=[world.teacher, world.sendco])
    services.message_send(sender=world.parent, conversation=conversation, body="Second")
    assert services.conversation_mark_read(user=world.teacher, conversation=conversation) == 2
    assert services.conversation_mark_read(user=world.teacher, conversation=conversation) == 0
    assert MessageRead.objects.filter(user=world.teacher).count() == 2
    participant = Participant.objects.get(conversation=conversation, user=world.teacher)
    assert participant.last_read_message == conversation.messages.order_by("-pk").first()
    page = selectors.thread_page(conversation=conversation, reader=world.parent)
    assert [str(read.user) for read in page.messages[-1].receipts] == ["Tess Teacher"]
    inbox = {c.pk: c.unread for c in selectors.inbox_for(world.sendco)}
    assert inbox[conversation.pk] == 2
    assert {c.pk: c.unread for c in selectors.inbox_for(world.teacher)}[conversation.pk] == 0


def test_reader_sees_a_stored_translation_labelled_with_the_original_kept(world):
    conversation = world.guardian_thread(body="Hola, gracias")
    message = conversation.messages.get()
    StoredTranslation.objects.create(
        content_object=message, field="body", language="en", body="Hello, thanks", engine="test", source_language="es"
    )
    shown = selectors.thread_page(conversation=conversation, reader=world.teacher).messages[0]
    assert (shown.shown_body, shown.translated_from, shown.body) == ("Hello, thanks", "Spanish", "Hola, gracias")
    own = selectors.thread_page(conversation=conversation, reader=world.parent).messages[0]
    assert own.shown_body == "Hola, gracias"
    assert not own.translated_from


def test_thread_pages_hold_the_newest_fifty_and_older_ones_before_them(world):
    conversation = world.guardian_thread(body="message 0")
    for number in range(1, 60):
        services.message_send(sender=world.teacher, conversation=conversation, body=f"message {number}")
    page = selectors.thread_page(conversation=conversation, reader=world.parent)
    assert len(page.messages) == 50
    assert page.has_older
    assert page.messages[-1].body == "message 59"
    assert page.messages[0].body == "message 10"
    older = selectors.thread_page(conversation=conversation, reader=world.parent, before_id=page.oldest_id)
    assert [m.body for m in older.messages] == [f"message {n}" for n in range(10)]
    assert not older.has_older
    after = selectors.messages_after(conversation=conversation, reader=world.parent, after_id=page.messages[-3].pk)
    assert [m.body for m in after] == ["message 58", "message 59"]


def test_contact_hours_tell_a_parent_when_to_expect_a_reply(world):
    MessagingSettings.objects.create(school=world.school, contact_start="08:00", contact_end="17:00")
    saturday_night = datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC)
    monday_morning = datetime.datetime(2026, 3, 9, 9, 0, tzinfo=datetime.UTC)
    notice = boundaries.reply_expectation(school=world.school, at=saturday_night)
    assert "Monday 9 March, 08:00" in notice
    assert boundaries.reply_expectation(school=world.school, at=monday_morning) == ""


def test_message_body_is_never_readable_in_a_file_dump(world):
    conversation = world.guardian_thread(body="secret words here")
    raw = io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_message WHERE conversation_id = %s", [conversation.pk])
        raw.write(str(cursor.fetchall()))
    assert "secret words" not in raw.getvalue()


def test_audit_log_keeps_the_original_words_encrypted(world):
    from hub import crypto

    conversation = world.guardian_thread(body="Hola")
    message = services.message_send(sender=world.parent, conversation=conversation, body="Lucía no vendrá mañana")
    entry = AuditEntry.objects.get(action="message.sent", target_id=str(message.pk))
    assert "Lucía no vendrá" not in str(entry.details)
    assert crypto.decrypt(entry.details["original"]) == "Lucía no vendrá mañana"


@pytest.mark.parametrize("retracted", [False, True])
def test_pushed_fragments_are_byte_identical_to_rendering_for_each_reader(world, monkeypatch, retracted):
    from messaging import live as fragments
    from messaging import realtime

    welsh = world.staff("Wyn Welsh", "leader")
    faraway = world.staff("Fay Faraway", "leader")
    kiwi = world.staff("Kit Kiwi", "leader")
    for person, language, zone in [
        (welsh, "cy", "Europe/Warsaw"),
        (faraway, "pl", "Not/AZone"),
        (kiwi, "en-gb", "Pacific/Auckland"),
    ]:
        person.preferred_language, person.time_zone = language, zone
        person.save(update_fields=["preferred_language", "time_zone"])
    conversation = world.guardian_thread(recipients=[world.teacher, world.sendco, world.leader, welsh, faraway, kiwi])
    upload = SimpleUploadedFile("drawing.png", PNG)
    message = services.message_send(
        sender=world.teacher, conversation=conversation, body="Hello, thanks", attachments=[upload]
    )
    MessageRead.objects.create(message=message, user=world.sendco)
    MessageRead.objects.create(message=message, user=world.parent)
    StoredTranslation.objects.create(
        content_object=message, field="body", language="es", body="Hola, gracias", engine="test", source_language="en"
    )
    StoredTranslation.objects.create(
        content_object=message, field="body", language="pl", body="", engine="", source_language="en"
    )
    if retracted:
        services.message_retract(user=world.teacher, message=message)
    readers = list(selectors.readers_of(conversation))
    pushes = {}
    monkeypatch.setattr(realtime, "push_to_users", lambda ids, html="", **kw: pushes.update(dict.fromkeys(ids, html)))

    for partial, one_by_one in [
        ("message_appended", fragments.new_message_html),
        ("message_oob", fragments.message_replaced_html),
    ]:
        pushes.clear()
        fragments.push_message(
            message=selectors.message_for_readers(message_id=message.pk), readers=readers, partial=partial
        )
        expected = fragments.for_each_reader(
            [reader.pk for reader in readers],
            lambda reader, build=one_by_one: build(message_id=message.pk, reader=reader),
        )
        assert pushes == expected
        # Only the SENDCO and the leader (same language and zone, neither wrote it) see the same.
        assert len(set(expected.values())) == len(readers) - 1


def test_new_message_notification_reads_in_each_recipients_language(world, outside, django_capture_on_commit_callbacks):
    from django.utils import translation

    from messaging.notifications import notify

    conversation = world.guardian_thread(body="Hola")
    outside.notifications.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(sender=world.teacher, conversation=conversation, body="See you on Monday")
    to_parent = next(n for n in outside.notifications if n["user"] == world.parent)
    # The title is evaluated by notify in the recipient's language (the parent reads Spanish).
    notification = notify(**to_parent)
    with translation.override("es"):
        expected = translation.gettext("New message from %(sender)s: %(subject)s") % {
            "sender": world.teacher,
            "subject": conversation.subject,
        }
    assert notification.title == expected
    assert expected != f"New message from {world.teacher}: {conversation.subject}"
