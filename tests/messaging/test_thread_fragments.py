"""The thread page keeps each message's rendered fragment, and never shows a stale one: whatever
changes what a message shows (a receipt, a translation arriving, a retraction, a new name) is
seen on the next view."""

import datetime
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message, StoredTranslation
from messaging.templatetags import messaging_fragments
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in


def page(user, conversation) -> str:
    client = Client()
    sign_in(client, user)
    response = client.get(reverse("messaging:thread", args=[conversation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def settled(conversation):
    """Past the retract window: its fragments can be kept."""
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Message.objects.filter(conversation=conversation).update(sent_at=an_hour_ago)


def reads_english(user):
    user.preferred_language = "en-gb"
    user.save(update_fields=["preferred_language"])


def test_what_changes_a_message_shows_on_the_next_view(world):
    reads_english(world.parent)
    thread = world.guardian_thread(body="Hola, gracias por la reunión", recipients=[world.teacher])
    settled(thread)
    message = thread.messages.get()

    assert "Not read yet" in page(world.parent, thread)
    assert page(world.parent, thread).count("Not read yet") == 1  # kept, the same
    # The teacher reads it: the parent's next view says so.
    first_view = page(world.teacher, thread)
    assert "Hola, gracias por la reunión" in first_view
    assert "Read by" in page(world.parent, thread)

    # A translation arrives: the teacher (English) now reads it translated.
    StoredTranslation.objects.create(
        content_object=message,
        field="body",
        language="en",
        body="Hello, thanks for the meeting",
        engine="test",
        source_language="es",
    )
    assert "Hello, thanks for the meeting" in page(world.teacher, thread)

    # The parent changes their name: the teacher sees the new one.
    world.parent.display_name = "Pat Renamed"
    world.parent.save(update_fields=["display_name"])
    assert "Pat Renamed" in page(world.teacher, thread)

    # Retracted: gone from everyone's next view.
    Message.objects.filter(pk=message.pk).update(retracted_at=timezone.now())
    assert "Hello, thanks for the meeting" not in page(world.teacher, thread)


def test_a_message_that_may_still_be_retracted_is_kept_without_any_pages_token(world):
    """Kept with a mark where the token goes: no page's token is ever kept to be given to another
    page (tests/messaging/test_thread_rows.py shows each page gets its own)."""
    reads_english(world.parent)
    messaging_world_thread = world.guardian_thread(body="Just sent", recipients=[world.teacher])
    messaging_fragments.forget_all()
    shown = page(world.parent, messaging_world_thread)
    assert "Retract" in shown
    kept = [html for html in messaging_fragments._kept.values() if "Retract" in html]
    assert len(kept) == 1
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', kept[0]).group(1)
    assert token == messaging_fragments._CSRF_MARK
    assert token not in shown


def test_the_retract_form_carries_the_pages_token_and_a_pushed_one_relies_on_htmx(world, recwarn):
    """On the page, the form posts without JavaScript, so it carries the CSRF field; a fragment
    pushed over the socket has no request (htmx sends the page's token in a header), so it has no
    field, and rendering it warns of nothing."""
    from messaging import live

    reads_english(world.parent)
    thread = world.guardian_thread(body="Just sent", recipients=[world.teacher])
    message = thread.messages.get()
    on_page = page(world.parent, thread)
    retract = on_page[on_page.index(reverse("messaging:retract", args=[message.pk])) :]
    assert 'name="csrfmiddlewaretoken"' in retract[: retract.index("</form>")]
    pushed = live.new_message_html(message_id=message.pk, reader=world.parent)
    assert "Retract" in pushed
    assert "csrfmiddlewaretoken" not in pushed
    assert not [w for w in recwarn if "csrf_token" in str(w.message) or "format_html" in str(w.message)]
