"""Messaging pages from the outside: plain HTML forms, errors, 404 for guessed ids, bounded queries."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from messaging.models import Conversation, Message, MessageRead, MessageTemplate, SafeguardingAlert, SafeguardingPhrase
from messaging.services import messages as message_services
from tests.messaging import world as messaging_world
from tests.messaging.test_messages import PNG

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in

Kind = Conversation.Kind


def url(name, *args):
    return reverse(f"messaging:{name}", args=args)


@pytest.fixture
def thread(world):
    return world.guardian_thread(body="Hola, gracias por la reunión", recipients=[world.teacher, world.sendco])


def test_inbox_lists_only_my_conversations_with_unread_counts(client, world, thread):
    far = world.far_thread()
    sign_in(client, world.teacher)
    response = client.get(url("inbox"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "About Visible" in body
    assert "1 unread" in body
    assert far.subject not in body
    assert body.count("<h1") == 1


def test_thread_page_renders_without_javascript_and_marks_read(client, world, thread):
    sign_in(client, world.teacher)
    response = client.get(url("thread", thread.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hola, gracias por la reunión" in body
    assert f'action="{url("send", thread.pk)}#composer-errors-{thread.pk}"' in body
    assert 'method="post"' in body
    assert f'<label class="govuk-label" for="c{thread.pk}-body">' in body
    assert MessageRead.objects.filter(user=world.teacher, message__conversation=thread).count() == 1


def test_plain_form_post_sends_and_redirects_to_the_message(client, world, thread):
    sign_in(client, world.teacher)
    response = client.post(url("send", thread.pk), {"body": "Thanks, see you Monday"})
    message = thread.messages.order_by("-pk").first()
    assert message.body == "Thanks, see you Monday"
    assert response.status_code == 302
    assert response["Location"].endswith(f"{url('thread', thread.pk)}#message-{message.pk}")


def test_empty_message_shows_the_error_summary_with_422_and_changes_nothing(client, world, thread):
    sign_in(client, world.teacher)
    response = client.post(url("send", thread.pk), {"body": "  "})
    body = response.content.decode()
    assert response.status_code == 422
    assert "govuk-error-summary" in body
    assert "Write your message." in body
    assert "<title>Error:" in body
    assert thread.messages.count() == 1


def test_htmx_post_returns_a_fresh_composer(client, world, thread):
    sign_in(client, world.teacher)
    response = client.post(url("send", thread.pk), {"body": "Via htmx"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith(f'<div id="composer-{thread.pk}"')
    assert "Via htmx" not in body
    bad = client.post(url("send", thread.pk), {"body": ""}, headers={"HX-Request": "true"})
    assert bad.status_code == 422
    assert "govuk-error-summary" in bad.content.decode()


@pytest.mark.parametrize("when", ["saturday night", "monday morning"])
def test_the_composer_given_back_after_a_send_is_the_one_rendered_afresh(world, thread, monkeypatch, when):
    """The blank composer is kept per conversation and language; the one given back after an
    htmx send is it, with a working CSRF token, a fresh key and (outside contact hours, to a
    family) the notice of when to expect a reply, as thread.html#composer renders it."""
    from django.template.loader import render_to_string
    from django.test import Client
    from django.utils import translation

    from messaging.forms import MessageForm
    from messaging.services import boundaries
    from messaging.templatetags import messaging_fragments

    at = {
        "saturday night": datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC),
        "monday morning": datetime.datetime(2026, 3, 9, 9, 0, tzinfo=datetime.UTC),
    }[when]
    monkeypatch.setattr(timezone, "now", lambda: at)
    reads_english(world.parent)
    messaging_fragments.forget_all()
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.parent)

    def value(name: str, html: str) -> str:
        return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)

    def blanked(html: str) -> str:
        html = re.sub(r'name="client_key" value="[^"]+"', 'name="client_key" value=""', html)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)

    composer = client.get(url("thread", thread.pk)).content.decode()
    given = []
    for body in ("First", "Second"):
        # Each post carries the token of the composer given back before it: it must be accepted.
        fields = {"body": body, "csrfmiddlewaretoken": value("csrfmiddlewaretoken", composer)}
        response = client.post(url("send", thread.pk), fields, headers={"HX-Request": "true"})
        assert response.status_code == 200
        composer = response.content.decode()
        given.append(composer)
    assert list(thread.messages.order_by("pk").values_list("body", flat=True))[-2:] == ["First", "Second"]
    notice = boundaries.reply_expectation_for(user=world.parent, conversation=thread, at=at)
    assert bool(notice) is (when == "saturday night")
    with translation.override("en"):
        fresh = render_to_string(
            "messaging/thread.html#composer",
            {
                "conversation": thread,
                "form": MessageForm(conversation_id=thread.pk),
                "sent_notice": notice,
                "csrf_token": "t",
            },
        )
    assert value("client_key", given[0]) != value("client_key", given[1])
    for html in given:
        assert blanked(html) == blanked(fresh)
        assert "mark" not in html.lower()


def test_parent_writing_outside_contact_hours_is_told_when_to_expect_a_reply(client, world, thread, monkeypatch):
    saturday_night = datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: saturday_night)
    reads_english(world.parent)  # the assertions below read the English wording
    sign_in(client, world.parent)
    response = client.post(url("send", thread.pk), {"body": "¿Hay clase mañana?"}, follow=True)
    assert "Expect a reply from" in response.content.decode()


def test_guessed_ids_answer_404_for_every_messaging_page(client, world, thread):
    far = world.far_thread()
    far_message = far.messages.get()
    attachment_message = message_services.message_send(
        sender=world.far_parent, conversation=far, body="pic", attachments=[SimpleUploadedFile("a.png", PNG)]
    )
    far_attachment = attachment_message.attachments.get()
    SafeguardingPhrase.objects.create(school=world.far_school, phrase="pic")
    alert = SafeguardingAlert.objects.create(message=far_message, school=world.far_school, matched_phrases=["pic"])
    gets = [
        url("thread", far.pk),
        url("template", far.pk, "absence"),
        url("scheduled_edit", far_message.pk),
        url("attachment", far_attachment.pk),
        url("safeguarding_alert", alert.pk),
        url("start", "guardian_staff", world.far_pupil.pk),
        url("start", "family", world.other_child.pk),
        url("start", "nonsense", world.child.pk),
        url("office_start", world.far_school.pk),
    ]
    posts = [
        url("send", far.pk),
        url("close", far.pk),
        url("retract", far_message.pk),
        url("scheduled_cancel", far_message.pk),
    ]
    for user in (world.parent, world.teacher, world.dsl, world.office):
        client.logout()
        sign_in(client, user)
        for path in gets:
            assert client.get(path).status_code == 404, (user, path)
        for path in posts:
            assert client.post(path, {"body": "x"}).status_code == 404, (user, path)
    assert far.messages.count() == 2
    assert not Conversation.objects.get(pk=far.pk).is_closed


def test_anonymous_visitors_are_sent_to_sign_in(client, world, thread):
    for path in (url("inbox"), url("thread", thread.pk), url("new")):
        response = client.get(path)
        assert response.status_code == 302
        assert "/account/login/" in response["Location"]


def test_guardian_starts_a_conversation_with_a_teacher_without_javascript(client, world):
    sign_in(client, world.parent)
    page = client.get(url("start", Kind.GUARDIAN_STAFF, world.child.pk)).content.decode()
    assert "Tess Teacher" in page
    assert "Sid Sendco" in page
    assert "Otto Otherclass" not in page
    response = client.post(
        url("start", Kind.GUARDIAN_STAFF, world.child.pk),
        {"recipients": [world.teacher.pk], "subject": "Reading book", "body": "Hola, una pregunta"},
    )
    conversation = Conversation.objects.get(subject="Reading book")
    assert response.status_code == 302
    assert response["Location"] == url("thread", conversation.pk)


def test_guardian_cannot_post_an_arbitrary_member_of_staff(client, world):
    sign_in(client, world.parent)
    response = client.post(
        url("start", Kind.GUARDIAN_STAFF, world.child.pk),
        {"recipients": [world.other_teacher.pk], "subject": "x", "body": "y"},
    )
    assert response.status_code == 422
    assert "govuk-error-summary" in response.content.decode()
    assert not Conversation.objects.exists()


def test_new_conversation_page_offers_own_children_and_the_office(client, world):
    sign_in(client, world.parent)
    body = client.get(url("new")).content.decode()
    assert "Visible Childname" in body
    assert "Secretfamily" not in body
    assert url("office_start", world.school.pk) in body


def test_office_conversation(client, world):
    sign_in(client, world.parent)
    response = client.post(url("office_start", world.school.pk), {"subject": "Uniform", "body": "Hola"})
    conversation = Conversation.objects.get(subject="Uniform")
    assert response.status_code == 302
    assert conversation.kind == Kind.SUPPORT


def test_retract_from_the_page(client, world, thread):
    reads_english(world.parent)  # the assertions below read the English wording
    sign_in(client, world.parent)
    message = thread.messages.get()
    confirm = client.post(url("retract", message.pk))
    assert "Retract this message?" in confirm.content.decode()
    message.refresh_from_db()
    assert not message.is_retracted
    client.post(url("retract", message.pk), {"confirm": "yes"})
    message.refresh_from_db()
    assert message.is_retracted
    assert "Message retracted" in client.get(url("thread", thread.pk)).content.decode()


def test_schedule_change_and_cancel_from_the_pages(client, world, thread):
    sign_in(client, world.teacher)
    when = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(url("send", thread.pk), {"body": "Tomorrow's note", "send_at": when})
    message = Message.objects.get(status=Message.Status.SCHEDULED)
    body = client.get(url("thread", thread.pk)).content.decode()
    assert "Your scheduled messages" in body
    assert url("scheduled_edit", message.pk) in body
    bad = client.post(url("scheduled_edit", message.pk), {"body": "x", "send_at": "2001-01-01T10:00"})
    assert bad.status_code == 422
    client.post(url("scheduled_edit", message.pk), {"body": "Changed note", "send_at": when})
    message.refresh_from_db()
    assert message.body == "Changed note"
    client.post(url("scheduled_cancel", message.pk))
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED
    # Nobody else can see or change it.
    client.logout()
    sign_in(client, world.parent)
    assert client.get(url("scheduled_edit", message.pk)).status_code == 404


def test_close_thread_from_the_page(client, world, thread):
    sign_in(client, world.parent)
    assert client.post(url("close", thread.pk)).status_code == 404
    client.logout()
    sign_in(client, world.teacher)
    client.post(url("close", thread.pk))
    thread.refresh_from_db()
    assert thread.is_closed
    assert "This conversation is closed" in client.get(url("thread", thread.pk)).content.decode()


def test_template_fields_fill_a_composer(client, world, thread):
    reads_english(world.parent)  # the assertions below read the English wording
    sign_in(client, world.parent)
    page = client.get(url("template", thread.pk, "absence"))
    assert page.status_code == 200
    assert 'name="date"' in page.content.decode()
    assert client.post(url("template", thread.pk, "absence"), {}).status_code == 422
    filled = client.post(
        url("template", thread.pk, "absence"),
        {"date": "2026-12-07", "reason": "ill", "return_date": "2026-12-09"},
    ).content.decode()
    assert "Visible will not be in school on 7 Dec 2026 because they are ill" in filled
    assert 'name="template_key" value="absence"' in filled


def test_school_templates_replace_the_built_in_ones(client, world, thread):
    row = MessageTemplate.objects.create(
        school=world.school,
        purpose="praise",
        title="Star of the week",
        body="{pupil} is star of the week",
        for_guardians=True,
    )
    sign_in(client, world.parent)
    body = client.get(url("thread", thread.pk)).content.decode()
    assert "Star of the week" in body
    assert "Reporting an absence" not in body
    assert client.get(url("template", thread.pk, f"t{row.pk}")).status_code == 200
    assert client.get(url("template", thread.pk, "absence")).status_code == 404


def test_attachments_are_served_only_to_participants(client, world, thread):
    message = message_services.message_send(
        sender=world.parent, conversation=thread, body="Photo", attachments=[SimpleUploadedFile("cat.png", PNG)]
    )
    attachment = message.attachments.get()
    sign_in(client, world.teacher)
    response = client.get(url("attachment", attachment.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    client.logout()
    sign_in(client, world.co_parent)
    assert client.get(url("attachment", attachment.pk)).status_code == 404


def test_upload_of_a_disguised_file_is_refused_with_422(client, world, thread):
    reads_english(world.parent)  # the assertions below read the English wording
    sign_in(client, world.parent)
    fake = SimpleUploadedFile("report.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    response = client.post(url("send", thread.pk), {"body": "See attached", "attachment": fake})
    assert response.status_code == 422
    assert "cannot be attached" in response.content.decode()
    assert thread.messages.count() == 1


def test_translated_message_is_labelled_with_the_original_one_tap_away(client, world, thread):
    from messaging.models import StoredTranslation

    message = thread.messages.get()
    StoredTranslation.objects.create(
        content_object=message,
        field="body",
        language="en",
        body="Hello, thanks for the meeting",
        engine="test",
        source_language="es",
    )
    sign_in(client, world.teacher)
    body = client.get(url("thread", thread.pk)).content.decode()
    assert "Hello, thanks for the meeting" in body
    assert "Translated from Spanish by machine · Show original" in body
    assert re.search(r"<details[^>]*>.*Hola, gracias por la reunión", body, re.S)


def test_dsl_sees_and_reviews_alerts_for_their_school_only(client, world):
    SafeguardingPhrase.objects.create(school=world.school, phrase="scared")
    world.guardian_thread(body="He is scared")
    alert = SafeguardingAlert.objects.get()
    sign_in(client, world.teacher)
    assert client.get(url("safeguarding_alerts")).status_code == 404
    client.logout()
    sign_in(client, world.dsl)
    assert "scared" in client.get(url("safeguarding_alerts")).content.decode()
    assert "He is scared" in client.get(url("safeguarding_alert", alert.pk)).content.decode()
    client.post(url("safeguarding_alert", alert.pk))
    alert.refresh_from_db()
    assert alert.reviewed_by == world.dsl


def test_inbox_queries_do_not_grow_with_conversations(client, world, django_assert_max_num_queries):
    sign_in(client, world.teacher)
    for number in range(3):
        world.guardian_thread(subject=f"Thread {number}")
    assert client.get(url("inbox")).status_code == 200  # as a running server: content types known
    # The minimal signed-in page's 6, and the child filter's pupils, the page, its people and the
    # newest messages with their translations.
    with django_assert_max_num_queries(10) as few:
        assert client.get(url("inbox")).status_code == 200
    limit = len(few.captured_queries)
    for number in range(30):
        world.guardian_thread(subject=f"More {number}", recipients=[world.teacher, world.sendco])
    with django_assert_max_num_queries(limit):
        assert client.get(url("inbox")).status_code == 200


def test_thread_with_500_messages_shows_the_newest_50_in_bounded_queries(client, world, django_assert_max_num_queries):
    conversation = world.guardian_thread(body="first")
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                conversation=conversation,
                sender=world.parent if number % 2 else world.teacher,
                body=f"numbered message {number}",
                language="en",
                sent_at=now + datetime.timedelta(seconds=number),
            )
            for number in range(500)
        ]
    )
    sign_in(client, world.teacher)
    client.get(url("thread", conversation.pk))  # the first visit writes read receipts
    with django_assert_max_num_queries(32) as small:
        response = client.get(url("thread", conversation.pk))
    limit = len(small.captured_queries)
    body = response.content.decode()
    assert body.count('<li id="message-') == 50
    assert "numbered message 499" in body
    assert "numbered message 449" not in body
    assert "Older messages" in body
    Message.objects.bulk_create(
        [
            Message(conversation=conversation, sender=world.parent, body="more", language="en", sent_at=now)
            for _ in range(200)
        ]
    )
    client.get(url("thread", conversation.pk))  # receipts for the new ones
    with django_assert_max_num_queries(limit):
        client.get(url("thread", conversation.pk))
    older = client.get(url("thread", conversation.pk) + "?before=" + re.search(r"\?before=(\d+)", body).group(1))
    assert "numbered message 449" in older.content.decode()


def reads_english(user):
    user.preferred_language = "en-gb"
    user.save(update_fields=["preferred_language"])


def test_translated_from_label_writes_the_language_name_as_a_sentence_does(world):
    from django.utils import translation

    from messaging.services.language import language_name

    with translation.override("es"):
        assert language_name("en") == "inglés"
    with translation.override("en-gb"):
        assert language_name("es") == "Spanish"


@pytest.mark.parametrize("count", [5, 60])
def test_choosing_a_pupil_to_write_about_has_bounded_queries(client, world, count, django_assert_max_num_queries):
    from tests import factories

    for index in range(count):
        factories.PupilFactory(school=world.school, first_name=f"Pupil{index}")
    messaging_world.sign_in(client, world.sendco)
    with django_assert_max_num_queries(16):
        response = client.get(url("new"))
    assert response.status_code == 200
    assert "Pupil0" in response.content.decode()


def test_start_page_offers_only_conversations_that_can_happen(client, world):
    """No family thread for a child with one guardian; no office link where nobody answers."""
    from tests import factories

    lone_parent = factories.UserFactory()
    only_child = factories.PupilFactory(school=world.far_school, first_name="Solo")
    factories.GuardianshipFactory(guardian=lone_parent, pupil=only_child)
    client.force_login(lone_parent)
    page = client.get(url("new")).content.decode()
    assert url("start", "guardian_staff", only_child.pk) in page
    assert url("start", "family", only_child.pk) not in page
    assert url("office_start", world.far_school.pk) not in page


def test_start_page_offers_the_family_thread_and_the_office_where_they_exist(client, world):
    from tests import factories

    factories.MembershipFactory(school=world.school, role="school_admin")
    sign_in = messaging_world.sign_in
    sign_in(client, world.parent)
    page = client.get(url("new")).content.decode()
    assert url("start", "family", world.child.pk) in page
    assert url("office_start", world.school.pk) in page


def test_only_families_writing_to_staff_hear_about_contact_hours(world):
    from messaging.services import boundaries

    saturday_night = datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC)
    to_staff = world.guardian_thread()
    family = Conversation.objects.create(
        school=world.school, pupil=world.child, kind="family", subject="Weekend", created_by=world.parent
    )
    assert boundaries.reply_expectation_for(user=world.parent, conversation=to_staff, at=saturday_night)
    assert boundaries.reply_expectation_for(user=world.teacher, conversation=to_staff, at=saturday_night) == ""
    assert boundaries.reply_expectation_for(user=world.parent, conversation=family, at=saturday_night) == ""
