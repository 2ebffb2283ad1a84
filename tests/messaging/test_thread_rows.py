"""The thread page reads its messages as rows (SQL compiled once per process) and builds a message
only when its kept fragment misses: what it shows is what the ORM's message would show, and the
page's other compiled queries answer as the ORM's would."""

import datetime
import re

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging import policies, selectors
from messaging.models import Attachment, Message, StoredTranslation
from messaging.services import messages as services
from messaging.templatetags import messaging_fragments
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in


def seen(message) -> dict:
    """What the message partial shows of a message described for a reader."""
    return {
        "pk": message.pk,
        "sender": str(message.sender),
        "sent_at": message.sent_at,
        "body": message.body,
        "shown_body": message.shown_body,
        "written_in": message.written_in,
        "translated_from": message.translated_from,
        "translation_pending": message.translation_pending,
        "translation_unavailable": message.translation_unavailable,
        "checked": bool(message.reader_translations and message.reader_translations[0].checked_at),
        "is_own": message.is_own,
        "is_retracted": message.is_retracted,
        "can_retract": message.can_retract,
        "files": [(file.pk, file.is_photo, file.original_name, file.size) for file in message.attachments.all()],
        # The "read by" line shows on one's own messages only.
        "receipts": [(str(read.user), read.read_at) for read in message.receipts] if message.is_own else [],
    }


def test_a_message_built_from_the_rows_shows_what_the_orm_message_shows(world):
    world.teacher.preferred_language = "en"
    world.teacher.save(update_fields=["preferred_language"])
    thread = world.guardian_thread(body="Hola, gracias", recipients=[world.teacher, world.sendco])
    translated = thread.messages.get()
    StoredTranslation.objects.create(
        content_object=translated,
        field="body",
        language="en",
        body="Hello, thanks",
        engine="test",
        source_language="es",
        checked_at=timezone.now(),
    )
    with_file = services.message_send(sender=world.teacher, conversation=thread, body="The letter")
    Attachment.objects.create(
        message=with_file, file="x/letter.pdf", original_name="letter.pdf", content_type="application/pdf", size=2048
    )
    Attachment.objects.create(
        message=with_file, file="x/photo.jpg", original_name="trip.jpg", content_type="image/jpeg", size=99
    )
    pending = services.message_send(sender=world.parent, conversation=thread, body="Mañana por favor")
    retracted = services.message_send(sender=world.parent, conversation=thread, body="Oops")
    Message.objects.filter(pk=retracted.pk).update(retracted_at=timezone.now())
    # An hour old: past the retract window.
    Message.objects.filter(pk=translated.pk).update(sent_at=timezone.now() - datetime.timedelta(hours=1))
    services.conversation_mark_read(user=world.teacher, conversation=thread)
    services.conversation_mark_read(user=world.sendco, conversation=thread)

    for reader in (world.parent, world.teacher, world.sendco):
        page = selectors.thread_page(conversation=thread, reader=reader)
        assert [entry.pk for entry in page.entries] == [translated.pk, with_file.pk, pending.pk, retracted.pk]
        for entry in page.entries:
            from_orm = selectors.message_for_reader(message_id=entry.pk, reader=reader)
            assert seen(entry.message) == seen(from_orm), (reader, entry.pk)
            assert entry.can_retract == from_orm.can_retract


def test_each_thing_a_fragment_shows_changes_its_key(world):
    """The key digests the stored tokens of the words: a new body or translation is a new key."""
    thread = world.guardian_thread(body="Hola", recipients=[world.teacher])
    message = thread.messages.get()
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - datetime.timedelta(hours=1))

    def key() -> str:
        entry = selectors.thread_page(conversation=thread, reader=world.teacher).entries[0]
        return messaging_fragments.fragment_key(entry, viewer=world.teacher, roles={})

    keys = [key()]
    assert key() == keys[0]  # nothing changed: the same key
    message.refresh_from_db()
    message.body = "Hola de nuevo"
    message.save(update_fields=["body"])
    keys.append(key())
    translation = StoredTranslation.objects.create(
        content_object=message, field="body", language="en", body="", engine="none", source_language="es"
    )
    keys.append(key())
    translation.body = "Hello again"
    translation.save(update_fields=["body"])
    keys.append(key())
    StoredTranslation.objects.filter(pk=translation.pk).update(checked_at=timezone.now())
    keys.append(key())
    Message.objects.filter(pk=message.pk).update(retracted_at=timezone.now())
    keys.append(key())
    assert len(set(keys)) == len(keys)


def test_a_message_its_writer_may_still_retract_is_kept_with_each_pages_token_until_the_window_closes(world):
    thread = world.guardian_thread(recipients=[world.teacher])
    own = services.message_send(sender=world.parent, conversation=thread, body="Sorry, wrong day")
    messaging_fragments.forget_all()
    client = Client(enforce_csrf_checks=True)  # the kept form's token must be one the server takes
    sign_in(client, world.parent)
    url = reverse("messaging:thread", args=[thread.pk])
    retract = reverse("messaging:retract", args=[own.pk])

    def retract_token(html: str) -> str | None:
        form = re.search(rf'action="{retract}".*?</form>', html, re.S)
        return form and re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(0)).group(1)

    pages = [client.get(url).content.decode() for _view in range(2)]
    kept = len(messaging_fragments._kept)
    assert kept  # the first view kept its fragments, the retractable one among them
    tokens = [retract_token(html) for html in pages]
    assert all(tokens)
    assert tokens[0] != tokens[1]  # each page's own (masked) token, never a kept one
    assert not any("csrfmark" in html for html in pages)
    answer = client.post(retract, {"csrfmiddlewaretoken": tokens[1], "confirm": "yes"})
    assert answer.status_code in (200, 302), answer.status_code
    own.refresh_from_db()
    assert own.retracted_at is not None

    # Another message, then its window closes: the button goes at once (a new key, not the kept one).
    later = services.message_send(sender=world.parent, conversation=thread, body="See you Monday")
    later_retract = reverse("messaging:retract", args=[later.pk])
    assert later_retract in client.get(url).content.decode()
    Message.objects.filter(pk=later.pk).update(sent_at=timezone.now() - datetime.timedelta(hours=1))
    html = client.get(url).content.decode()
    assert f'id="message-{later.pk}"' in html
    assert later_retract not in html


def test_the_kept_composer_is_the_one_rendered_afresh_with_this_pages_token_and_a_new_key(world):
    from django.template.loader import render_to_string
    from django.utils import translation

    from messaging.forms import MessageForm

    thread = world.guardian_thread(recipients=[world.teacher])
    messaging_fragments.forget_all()
    client = Client()
    sign_in(client, world.parent)
    url = reverse("messaging:thread", args=[thread.pk])

    def composer(html: str) -> str:
        start = html.index(f'<div id="composer-{thread.pk}"')
        return html[start : html.index("</form>", start)]

    def blanked(html: str) -> str:
        html = re.sub(r'name="client_key" value="[^"]+"', 'name="client_key" value=""', html)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)

    pages = [client.get(url).content.decode() for _view in range(2)]
    assert messaging_fragments._composers  # kept after the first
    keys = [re.search(r'name="client_key" value="([^"]+)"', composer(html)).group(1) for html in pages]
    assert keys[0] != keys[1]
    for html in pages:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', composer(html)).group(1)
        assert token == re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)  # the page's own
        assert "mark" not in composer(html).lower()
    with translation.override(world.parent.preferred_language):
        fresh = render_to_string(
            "messaging/thread.html#composer",
            {"conversation": thread, "form": MessageForm(conversation_id=thread.pk), "csrf_token": "t"},
        )
    assert blanked(composer(pages[1])) == blanked(composer(fresh))


def test_the_compiled_checks_answer_as_the_orm_does(world):
    from accounts import policies as people

    thread = world.guardian_thread(recipients=[world.teacher, world.sendco])
    far = world.far_thread()
    everyone = [
        world.parent,
        world.co_parent,
        world.no_rights_parent,
        world.other_parent,
        world.teacher,
        world.other_teacher,
        world.sendco,
        world.far_parent,
        world.far_teacher,
    ]
    for person in everyone:
        for conversation in (thread, far):
            visible = policies.conversations_visible_to(person).filter(pk=conversation.pk).exists()
            if visible:
                found = policies.access_conversation(user=person, conversation_id=conversation.pk)
                assert (found.pk, found.school, found.pupil) == (
                    conversation.pk,
                    conversation.school,
                    conversation.pupil,
                )
            else:
                with pytest.raises(Http404):
                    policies.access_conversation(user=person, conversation_id=conversation.pk)
            staff = people.is_staff_at(user=person, school=conversation.school_id)
            assert policies.is_staff_side(user=person, conversation=conversation) == staff
    for bad in (0, -1, 2**63, "x", None):
        with pytest.raises(Http404):
            policies.access_conversation(user=world.parent, conversation_id=bad)
    # A participant withdrawn is refused at once.
    world.sendco.memberships.update(is_active=False)
    with pytest.raises(Http404):
        policies.access_conversation(user=world.sendco, conversation_id=thread.pk)


def test_what_each_person_is_reads_the_same_for_any_number_of_people(world):
    everyone = [world.parent, world.co_parent, world.teacher, world.sendco, world.leader, world.office]
    roles = selectors.roles_of(school=world.school, pupil=world.child, user_ids=[person.pk for person in everyone])
    assert roles == {
        world.parent.pk: "Visible's mother",
        world.co_parent.pk: "Visible's father",
        world.teacher.pk: "class teacher",
        world.sendco.pk: "SENDCO",
        world.leader.pk: "school leader",
        world.office.pk: "school office",
    }
    assert selectors.roles_of(school=world.school, pupil=world.child, user_ids=[world.sendco.pk]) == {
        world.sendco.pk: "SENDCO"
    }
    assert selectors.roles_of(school=world.school, pupil=None, user_ids=[world.teacher.pk, world.parent.pk]) == {
        world.teacher.pk: "teacher"
    }
