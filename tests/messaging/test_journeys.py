"""The everyday journeys from the outside: errors seen in the composer, reading clears what was
read (and a thread's notifications fold into one), people shown with their role, a thread opening
at its newest message, inbox previews in the reader's language, retract confirmed, thumbnails."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message, Notification, StoredTranslation
from messaging.notifications import services as notification_services
from messaging.services import messages as message_services
from messaging.services import notify_bridge
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in

REAL_NOTIFY = notify_bridge.notify
REAL_NOTIFY_MANY = notify_bridge.notify_many


def reads_english(user):
    user.preferred_language = "en-gb"
    user.save(update_fields=["preferred_language"])


def url(name, *args):
    return reverse(f"messaging:{name}", args=args)


@pytest.fixture
def thread(world):
    return world.guardian_thread(body="Hola, gracias por la reunión", recipients=[world.teacher, world.sendco])


@pytest.fixture
def real_notifications(monkeypatch, world):
    """The real notification engine instead of the recorder `outside` puts in."""
    monkeypatch.setattr(notify_bridge, "notify", REAL_NOTIFY)
    monkeypatch.setattr(notify_bridge, "notify_many", REAL_NOTIFY_MANY)


def send(django_capture_on_commit_callbacks, *, sender, conversation, body):
    """Send as `sender`, running what the commit sets off (push, notifications) in-process."""
    with django_capture_on_commit_callbacks(execute=True):
        return message_services.message_send(sender=sender, conversation=conversation, body=body)


# --- Errors are seen -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("post", "error"),
    [
        ({"body": ""}, "Write your message."),
        ({"body": "Later", "send_at": "2001-01-01T10:00"}, "future"),
        (
            {"body": "A file", "attachment": SimpleUploadedFile("x.pdf", b"#!/bin/sh\nrm -rf /\n")},
            "cannot be attached",
        ),
    ],
    ids=["empty", "past", "refused-file"],
)
def test_a_refused_message_answers_422_with_the_composer_and_its_error_summary_for_htmx(
    client, world, thread, post, error
):
    sign_in(client, world.teacher)
    response = client.post(url("send", thread.pk), post, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 422
    # The fragment htmx swaps into the composer: the summary (role=alert) first, the text kept.
    assert body.lstrip().startswith(f'<div id="composer-{thread.pk}"')
    assert 'class="govuk-error-summary"' in body
    assert 'role="alert"' in body
    assert error in body
    assert "<html" not in body
    if post["body"]:
        assert post["body"] in body


def test_without_javascript_a_refused_message_opens_the_page_at_its_error_summary(client, world, thread):
    sign_in(client, world.teacher)
    page = client.get(url("thread", thread.pk)).content.decode()
    # The form posts to an address that ends at the error summary's id, so the browser scrolls there.
    assert f'action="{url("send", thread.pk)}#composer-errors-{thread.pk}"' in page
    response = client.post(url("send", thread.pk), {"body": "   "})
    body = response.content.decode()
    assert response.status_code == 422
    assert f'id="composer-errors-{thread.pk}"' in body
    assert "<title>Error:" in body


def test_the_composer_says_sending_and_loads_its_script_under_the_pages_nonce(client, world, thread):
    sign_in(client, world.teacher)
    response = client.get(url("thread", thread.pk))
    body = response.content.decode()
    assert 'data-sending-text="Sending…"' in body
    assert "hx-disabled-elt=\"find button[type='submit']\"" in body
    nonce = re.search(r'<script src="/static/js/composer.js" defer nonce="([^"]+)"', body).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


# --- Reading clears what was read ------------------------------------------------------------


def test_opening_a_thread_marks_its_notifications_read_and_no_others(
    client, world, thread, real_notifications, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks, sender=world.parent, conversation=thread, body="Una pregunta")
    other = world.guardian_thread(subject="Another thread", recipients=[world.teacher])
    send(django_capture_on_commit_callbacks, sender=world.parent, conversation=other, body="Otra")
    assert Notification.objects.filter(user=world.teacher, read_at__isnull=True).count() == 2

    sign_in(client, world.teacher)
    client.get(url("thread", thread.pk))

    unread = Notification.objects.filter(user=world.teacher, read_at__isnull=True)
    assert [notification.target_id for notification in unread] == [other.pk]
    assert client.get(reverse("notifications:badge")).content.decode().count("1") >= 1


def test_a_live_read_event_marks_the_threads_notifications_read(
    world, thread, real_notifications, django_capture_on_commit_callbacks
):
    message = send(django_capture_on_commit_callbacks, sender=world.parent, conversation=thread, body="¿Mañana?")
    assert Notification.objects.filter(user=world.sendco, read_at__isnull=True).exists()
    message_services.message_mark_read(user=world.sendco, message_id=message.pk)
    assert not Notification.objects.filter(user=world.sendco, read_at__isnull=True).exists()


def test_three_messages_of_one_unread_thread_fold_into_one_notification_and_one_email(
    world, thread, real_notifications, django_capture_on_commit_callbacks, mailoutbox
):
    for body in ("Uno", "Dos", "Tres"):
        send(django_capture_on_commit_callbacks, sender=world.parent, conversation=thread, body=body)
    notifications = list(Notification.objects.filter(user=world.teacher, target_id=thread.pk))
    assert len(notifications) == 1
    assert notifications[0].count == 3
    assert notifications[0].title.startswith("3 new messages from Pat Parent")
    assert len([mail for mail in mailoutbox if world.teacher.email in mail.to]) <= 1

    # Once read, the next message is news again: a new notification.
    message_services.conversation_mark_read(user=world.teacher, conversation=thread)
    send(django_capture_on_commit_callbacks, sender=world.parent, conversation=thread, body="Cuatro")
    assert Notification.objects.filter(user=world.teacher, target_id=thread.pk, read_at__isnull=True).count() == 1
    assert Notification.objects.filter(user=world.teacher, target_id=thread.pk).count() == 2


def test_urgent_notifications_never_fold(world, thread):
    for _number in range(2):
        notification_services.notify(
            user=world.teacher,
            kind="message",
            title="Urgent",
            urgent=True,
            target=thread,
            repeat_title=lambda count: f"{count} urgent",
        )
    assert Notification.objects.filter(user=world.teacher, target_id=thread.pk).count() == 2


# --- People with their role ------------------------------------------------------------------


def test_participants_and_senders_are_shown_with_their_role(client, world, thread):
    reads_english(world.parent)
    sign_in(client, world.parent)
    message_services.message_send(sender=world.sendco, conversation=thread, body="Hello from the SENDCO")
    body = client.get(url("thread", thread.pk)).content.decode()
    assert "Tess Teacher, class teacher" in body
    assert "Sid Sendco, SENDCO" in body
    assert "<strong>Sid Sendco, SENDCO</strong>" in body


def test_a_teacher_writing_to_parents_sees_guardians_apart_from_colleagues(client, world):
    sign_in(client, world.teacher)
    body = client.get(url("start", "guardian_staff", world.child.pk)).content.decode()
    legends = re.findall(r'<legend class="govuk-fieldset__legend[^"]*">([^<]+)</legend>', body)
    assert legends == ["Parents and carers", "Colleagues"]
    family, colleagues = body.split(">Colleagues</legend>")
    assert "Pat Parent, Visible&#x27;s mother" in family
    assert "Cam Coparent, Visible&#x27;s father" in family
    assert "Sid Sendco, SENDCO" in colleagues
    assert "Pat Parent" not in colleagues


# --- A thread opens at the newest message; inbox previews ------------------------------------


def test_older_messages_load_above_with_htmx_and_as_a_page_without(client, world, thread):
    first = thread.messages.get()
    Message.objects.filter(pk=first.pk).update(sent_at=timezone.now() - datetime.timedelta(days=1))
    for number in range(55):
        message_services.message_send(sender=world.teacher, conversation=thread, body=f"Number {number}")
    sign_in(client, world.parent)
    page = client.get(url("thread", thread.pk)).content.decode()
    assert "Number 54" in page
    assert "Hola, gracias" not in page
    oldest_shown = re.search(r'href="[^"]*\?before=(\d+)"', page).group(1)

    older = client.get(url("thread", thread.pk) + f"?before={oldest_shown}", headers={"HX-Request": "true"})
    fragment = older.content.decode()
    assert "<html" not in fragment
    assert "Hola, gracias" in fragment
    assert f'id="older-{thread.pk}"' in fragment
    assert 'hx-swap-oob="true"' in fragment

    reads_english(world.parent)
    plain = client.get(url("thread", thread.pk) + f"?before={oldest_shown}").content.decode()
    assert "<html" in plain
    assert "Newest messages" in plain


def test_inbox_cards_preview_the_last_message_in_the_readers_language(client, world, thread):
    message = thread.messages.get()
    StoredTranslation.objects.create(
        content_object=message, field="body", language="en", body="Hello, thanks for the meeting", engine="test"
    )
    sign_in(client, world.teacher)
    body = client.get(url("inbox")).content.decode()
    assert "Hello, thanks for the meeting" in body
    assert "Hola, gracias" not in body
    assert f'href="{url("thread", thread.pk)}#message-{message.pk}"' in body
    assert "1 unread" in body

    reads_english(world.parent)
    sign_in(client, world.parent)
    assert "You:</strong>" in client.get(url("inbox")).content.decode()


@pytest.mark.parametrize("messages_each", [1, 6])
def test_inbox_queries_are_constant_in_conversations_and_messages(
    client, world, django_assert_max_num_queries, messages_each
):
    def grow(conversations):
        for number in range(conversations):
            conversation = world.guardian_thread(subject=f"Thread {number}", recipients=[world.teacher, world.sendco])
            for extra in range(messages_each - 1):
                message_services.message_send(sender=world.parent, conversation=conversation, body=f"More {extra}")

    sign_in(client, world.teacher)
    grow(2)
    with django_assert_max_num_queries(25) as small:
        assert client.get(url("inbox")).status_code == 200
    grow(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(url("inbox")).content.decode()
    assert body.count("homeroom-card__preview") == 14


# --- Feedback while sending; retract; attachments --------------------------------------------


def test_retract_asks_to_confirm_first(client, world, thread):
    reads_english(world.parent)
    sign_in(client, world.parent)
    message = thread.messages.get()
    confirm = client.post(url("retract", message.pk))
    body = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Retract this message?" in body
    assert "Hola, gracias por la reunión" in body
    message.refresh_from_db()
    assert not message.is_retracted
    client.post(url("retract", message.pk), {"confirm": "yes"})
    message.refresh_from_db()
    assert message.is_retracted
    # Someone else's message: no confirm page either.
    sign_in(client, world.teacher)
    assert client.post(url("retract", message.pk)).status_code == 404


def test_the_attachment_control_is_the_gov_uk_file_upload_component(client, world, thread):
    sign_in(client, world.teacher)
    body = client.get(url("thread", thread.pk)).content.decode()
    assert '<input type="file" name="attachment" class="govuk-file-upload"' in body
    # Outside the "Send later" details: in view at full size, not folded away.
    assert body.index('name="attachment"') < body.index('<details class="govuk-details"')


def photo(width=1200, height=900) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_photos_show_as_small_thumbnails_served_only_to_those_who_may_see_them(
    client, world, thread, settings, tmp_path
):
    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    sign_in(client, world.teacher)
    original = photo()
    sent = client.post(
        url("send", thread.pk),
        {"body": "Our trip", "attachment": SimpleUploadedFile("trip.jpg", original, content_type="image/jpeg")},
    )
    assert sent.status_code == 302, re.findall(r'govuk-error-summary__list">(.*?)</ul', sent.content.decode(), re.S)
    attachment = Message.objects.filter(conversation=thread).latest("pk").attachments.get()
    page = client.get(url("thread", thread.pk)).content.decode()
    thumbnail_url = f"{url('attachment', attachment.pk)}?size=thumbnail"
    assert f'src="{thumbnail_url}"' in page
    assert 'alt="Photo: trip.jpg (opens full size)"' in page

    response = client.get(thumbnail_url)
    data = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert len(data) < len(original) / 4
    with Image.open(io.BytesIO(data)) as image:
        assert max(image.size) <= 320
    attachment.refresh_from_db()
    assert "trip" not in attachment.thumbnail.name
    assert attachment.thumbnail.name != attachment.file.name

    client.logout()
    sign_in(client, world.other_parent)
    assert client.get(thumbnail_url).status_code == 404


def test_a_file_that_is_not_a_photo_has_no_thumbnail(client, world, thread, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    sign_in(client, world.teacher)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    client.post(
        url("send", thread.pk),
        {"body": "A form", "attachment": SimpleUploadedFile("form.pdf", pdf, content_type="application/pdf")},
    )
    attachment = Message.objects.filter(conversation=thread).latest("pk").attachments.get()
    assert 'alt="Photo:' not in client.get(url("thread", thread.pk)).content.decode()
    assert client.get(f"{url('attachment', attachment.pk)}?size=thumbnail").status_code == 404
