"""The inbox reads its page, people and newest messages as rows (SQL compiled once per process)
and builds a conversation only when its kept card misses: every card it shows is the card the
ORM's conversations (`inbox_for` with `attach_previews`) show, for every filter and page, and
access is still decided from current rows at every request."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Guardianship
from messaging import selectors
from messaging.models import Conversation, Message, Participant, StoredTranslation
from messaging.services import conversations as conversation_services
from messaging.services import messages as message_services
from messaging.templatetags import messaging_fragments
from tests import factories
from tests.messaging import world as messaging_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nothing_kept")]

outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in


def translate(target, field, language, words, source):
    StoredTranslation.objects.create(
        content_object=target, field=field, language=language, body=words, engine="test", source_language=source
    )


@pytest.fixture
def inboxes(world):
    """Conversations of every kind a card tells apart: translated subjects and previews (one
    translation impossible, one still to come), unread, muted, closed, retracted, about no pupil,
    with someone who left, and one its reader left."""
    world.teacher.preferred_language = "en"
    world.teacher.save(update_fields=["preferred_language"])
    trip = world.guardian_thread(subject="Excursión del viernes", body="Hola, gracias", recipients=[world.teacher])
    translate(trip, "subject", "en", "Friday's trip", "es")
    translate(trip.messages.get(), "body", "en", "Hello, thanks", "es")
    lunch = world.guardian_thread(
        subject="Lunch money", starter=world.teacher, body="Please send it", recipients=[world.parent, world.sendco]
    )
    translate(lunch, "subject", "es", "Dinero del almuerzo", "en")
    translate(lunch.messages.get(), "body", "es", "", "en")  # no engine covers the pair
    pending = world.guardian_thread(subject="Reading books", starter=world.teacher, recipients=[world.parent])
    message_services.message_send(sender=world.parent, conversation=pending, body="Mañana por favor")
    muted = world.guardian_thread(subject="Muted one", recipients=[world.teacher, world.sendco])
    conversation_services.conversation_mute(user=world.teacher, conversation=muted, muted=True)
    conversation_services.conversation_mute(user=world.parent, conversation=muted, muted=True)
    closed = world.guardian_thread(subject="Closed one")
    conversation_services.conversation_close(user=world.teacher, conversation=closed)
    retracted = world.guardian_thread(subject="Retracted one")
    oops = message_services.message_send(sender=world.teacher, conversation=retracted, body="Oops")
    Message.objects.filter(pk=oops.pk).update(retracted_at=timezone.now())
    read = world.guardian_thread(subject="Read one")
    message_services.conversation_mark_read(user=world.teacher, conversation=read)
    office = conversation_services.conversation_start(
        starter=world.parent,
        kind=Conversation.Kind.SUPPORT,
        school=world.school,
        subject="Office question",
        body="Where is the form?",
        recipient_ids=[world.office.pk],
    )
    left = world.guardian_thread(subject="Someone left", recipients=[world.teacher, world.sendco])
    Participant.objects.filter(conversation=left, user=world.sendco).update(left_at=timezone.now())
    gone = world.guardian_thread(subject="The parent left")
    Participant.objects.filter(conversation=gone, user=world.parent).update(left_at=timezone.now())
    return {
        "trip": trip,
        "lunch": lunch,
        "pending": pending,
        "muted": muted,
        "office": office,
        "left": left,
        "gone": gone,
    }


def cards_from_orm(user, *, number=None, size=selectors.INBOX_PAGE_SIZE, **filters) -> tuple:
    found = selectors.inbox_for(user, subject_translations=False, **filters)
    page = selectors.page_of(selectors.with_newest_message(found), number, size)
    conversations = selectors.attach_previews(list(page.object_list), reader=user, with_subjects=True)
    return page.number, page.more, rendered(conversations, user)


def cards_from_rows(user, *, number=None, size=selectors.INBOX_PAGE_SIZE, **filters) -> tuple:
    page = selectors.inbox_page(user, number=number, size=size, **filters)
    assert all(isinstance(card, selectors.InboxCard) for card in page.object_list)
    return page.number, page.more, rendered([card.conversation for card in page.object_list], user)


def rendered(conversations, user) -> list[tuple[int, str]]:
    with translation.override(user.preferred_language):
        return [
            (conversation.pk, render_to_string(messaging_fragments.CARD, {"conversation": conversation, "user": user}))
            for conversation in conversations
        ]


FILTERS = [
    {},
    {"unread_only": True},
    {"needs_reply": True},
    {"unread_only": True, "needs_reply": True},
    {"query": "one"},  # a search: read through the ORM, the same columns
    {"query": "visible childname", "unread_only": True},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_the_rows_show_every_reader_the_cards_the_orm_conversations_show(world, inboxes, filters):
    for user in (world.parent, world.teacher, world.sendco, world.office, world.co_parent):
        from_orm = cards_from_orm(user, **filters)
        assert cards_from_rows(user, **filters) == from_orm
        # Twice: the second time from the SQL compiled the first time.
        assert cards_from_rows(user, **filters) == from_orm


def test_the_cards_show_translations_mutes_and_retractions(world, inboxes):
    teachers = dict(cards_from_rows(world.teacher)[2])
    assert "Friday&#x27;s trip" in teachers[inboxes["trip"].pk]
    assert "Hello, thanks" in teachers[inboxes["trip"].pk]
    assert "Muted" in teachers[inboxes["muted"].pk]
    assert "Message retracted" in "".join(teachers.values())
    assert "Pat Parent" in teachers[inboxes["left"].pk]
    assert "Sid Sendco" not in teachers[inboxes["left"].pk]
    parents = dict(cards_from_rows(world.parent)[2])
    assert "Dinero del almuerzo" in parents[inboxes["lunch"].pk]
    assert "Please send it" in parents[inboxes["lunch"].pk]  # no translation possible: as written
    assert "Mañana por favor" in parents[inboxes["pending"].pk]
    assert inboxes["gone"].pk not in parents


def test_the_child_filter_and_its_choices_answer_as_the_orm_does(world, inboxes):
    second = factories.PupilFactory(school=world.school, first_name="Second", last_name="Childname")
    factories.GuardianshipFactory(guardian=world.parent, pupil=second)
    about_second = conversation_services.conversation_start(
        starter=world.parent,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=second,
        subject="About the sibling",
        body="Hello",
        recipient_ids=[world.leader.pk],
    )

    children = selectors.inbox_children(world.parent)
    assert [(pupil.pk, pupil.full_name) for pupil in children] == [
        (second.pk, "Second Childname"),
        (world.child.pk, "Visible Childname"),
    ]
    for pupil in (world.child, second, world.other_child):
        from_orm = cards_from_orm(world.parent, pupil_id=pupil.pk)
        assert cards_from_rows(world.parent, pupil_id=pupil.pk) == from_orm
    assert [pk for pk, _card in cards_from_rows(world.parent, pupil_id=second.pk)[2]] == [about_second.pk]
    assert cards_from_rows(world.parent, pupil_id=world.other_child.pk)[2] == []


def test_pages_of_rows_are_the_orm_pages_and_an_old_link_gets_the_last(world, inboxes):
    user = world.teacher
    everything = cards_from_rows(user)[2]
    assert len(everything) == 9
    seen = []
    for number in (1, 2, 3, 4, 9, "x", None, 0):
        from_orm = cards_from_orm(user, number=number, size=3)
        assert cards_from_rows(user, number=number, size=3) == from_orm
        if number in (1, 2, 3):
            seen.extend(from_orm[2])
    # Every conversation once, in order, on the first three pages.
    assert seen == everything
    assert cards_from_rows(user, number=9, size=3)[:2] == (3, False)
    assert cards_from_rows(user, number=2, size=3)[:2] == (2, True)
    # A page past those compiled, through the ORM.
    assert cards_from_rows(user, number=selectors.COMPILED_INBOX_PAGES + 1, size=1) == cards_from_orm(
        user, number=selectors.COMPILED_INBOX_PAGES + 1, size=1
    )


def test_a_conversation_the_reader_left_or_may_no_longer_see_is_gone_at_the_next_request(world, inboxes):
    before = [pk for pk, _card in cards_from_rows(world.teacher)[2]]
    assert inboxes["trip"].pk in before
    assert inboxes["gone"].pk in before
    assert inboxes["gone"].pk not in [pk for pk, _card in cards_from_rows(world.parent)[2]]

    Participant.objects.filter(conversation=inboxes["trip"], user=world.teacher).update(left_at=timezone.now())
    assert [pk for pk, _card in cards_from_rows(world.teacher)[2]] == [pk for pk in before if pk != inboxes["trip"].pk]

    # The parent's viewing rights withdrawn: their conversations about the child go at once, and
    # the school office's with them (a family writes to the office of a school their child is at).
    assert inboxes["lunch"].pk in [pk for pk, _card in cards_from_rows(world.parent)[2]]
    assert inboxes["office"].pk in [pk for pk, _card in cards_from_rows(world.parent)[2]]
    Guardianship.objects.filter(guardian=world.parent, pupil=world.child).update(can_view=False)
    assert cards_from_rows(world.parent)[2] == []
    assert cards_from_rows(world.parent) == cards_from_orm(world.parent)


def test_a_kept_card_shows_a_translation_a_name_and_a_newcomer_as_they_arrive(client, world, inboxes):
    sign_in(client, world.parent)
    pending = inboxes["pending"]
    message_services.message_send(sender=world.teacher, conversation=pending, body="See you tomorrow")

    def card() -> str:
        body = client.get(reverse("messaging:inbox")).content.decode()
        start = body.index(f'id="inbox-conversation-{pending.pk}"')
        return body[start : body.index("</li>", start)]

    assert "See you tomorrow" in card()
    translate(pending.messages.latest("sent_at"), "body", "es", "Hasta mañana", "en")
    assert "Hasta mañana" in card()
    translate(pending, "subject", "es", "Libros de lectura", "en")
    assert "Libros de lectura" in card()
    world.teacher.display_name = "Tess Renamed"
    world.teacher.save(update_fields=["display_name"])
    assert "Tess Renamed" in card()
    Participant.objects.create(conversation=pending, user=world.sendco)
    assert "Sid Sendco" in card()
