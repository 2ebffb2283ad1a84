"""The messaging summary at the top of a member of staff's home page, from the outside: what needs
their reply (and stops needing it once they reply), what is unread, how their recent announcements
are read, all decided from current access; nothing of it on a parent's home; and a query count
that does not grow with the number of conversations or announcements."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ClassGroup, Guardianship, Membership
from messaging.announcements import effects
from messaging.announcements.models import Announcement
from messaging.models import Participant
from tests import factories
from tests.messaging import world as messaging_world
from tests.messaging.world import sign_in

outside = messaging_world.outside
world = messaging_world.world

NOTHING_TO_REPLY = "Nothing needs your reply."


@pytest.fixture(autouse=True)
def translations(monkeypatch):
    """Announcement translation jobs recorded, not run (the engines have their own tests)."""
    monkeypatch.setattr(effects, "translate", lambda pk, language: None)


def home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def summary(html: str) -> str:
    """The summary's section of the home page ("" when there is none)."""
    start = html.find('id="home-messages"')
    if start == -1:
        return ""
    return html[start : html.index("</section>", start)]


def needing_reply(html: str) -> list[str]:
    """The subjects named under "Needs your reply", in order."""
    start = html.find('id="home-needs-reply"')
    if start == -1:
        return []
    listed = html[start : html.index("</ul>", start)]
    return re.findall(r'<a class="govuk-link" href="[^"]+"[^>]*>([^<]+)</a>', listed)


def reply(client, conversation, body="Thank you, see you tomorrow"):
    """As a person replies: the conversation opened, the message written in its composer (and,
    without JavaScript, the conversation shown again after it went)."""
    assert client.get(reverse("messaging:thread", args=[conversation.pk])).status_code == 200
    response = client.post(reverse("messaging:send", args=[conversation.pk]), {"body": body}, follow=True)
    assert response.status_code == 200


# --- conversations ------------------------------------------------------------------------------


def test_a_teacher_sees_a_conversation_that_needs_their_reply_with_its_link(client, world):
    thread = world.guardian_thread(subject="Reading book lost")
    sign_in(client, world.teacher)
    section = summary(home(client))
    assert "1 conversation needs your reply." in section
    assert needing_reply(section) == ["Reading book lost"]
    assert f'href="{reverse("messaging:thread", args=[thread.pk])}"' in section
    assert "With Pat Parent" in section
    # The inbox's own filters, as its filter form writes them.
    assert f'href="{reverse("messaging:inbox")}?needs_reply=on"' in section
    assert f'href="{reverse("messaging:inbox")}?unread=on"' in section
    assert "1 conversation has messages you have not read" in section
    # The page keeps its headings in order: the summary's h2 under the page's h1.
    assert '<h2 class="govuk-heading-m" id="home-messages-heading">Messages</h2>' in section


def test_after_replying_it_no_longer_needs_a_reply(client, world):
    thread = world.guardian_thread(subject="Reading book lost")
    kit = world.guardian_thread(subject="Swimming kit")
    sign_in(client, world.teacher)
    assert needing_reply(summary(home(client))) == ["Swimming kit", "Reading book lost"]

    reply(client, thread)
    section = summary(home(client))
    assert needing_reply(section) == ["Swimming kit"]
    assert "1 conversation needs your reply." in section

    reply(client, kit)
    section = summary(home(client))
    assert needing_reply(section) == []
    assert NOTHING_TO_REPLY in section
    # Opening a conversation (as replying from it does) reads it.
    assert "You have read every message." in section


def test_a_conversation_the_teacher_was_removed_from_is_neither_shown_nor_counted(client, world):
    thread = world.guardian_thread(subject="Reading book lost")
    sign_in(client, world.teacher)
    assert needing_reply(summary(home(client))) == ["Reading book lost"]

    Participant.objects.filter(conversation=thread, user=world.teacher).update(left_at=timezone.now())
    section = summary(home(client))
    assert "Reading book lost" not in section
    assert NOTHING_TO_REPLY in section
    assert "You have read every message." in section


def test_a_conversation_at_another_school_counts_only_while_the_teacher_is_staff_there(client, world):
    far = world.far_thread()  # Farschool private: the far parent writes to the far teacher
    # The teacher takes part, but holds no role at that school and does not teach the pupil.
    Participant.objects.create(conversation=far, user=world.teacher)
    sign_in(client, world.teacher)
    section = summary(home(client))
    assert "Farschool private" not in section
    assert NOTHING_TO_REPLY in section

    # Staff there, teaching the pupil: it is theirs to answer ...
    membership = factories.MembershipFactory(user=world.teacher, school=world.far_school)
    ClassGroup.objects.get(school=world.far_school).staff.add(world.teacher)
    assert needing_reply(summary(home(client))) == ["Farschool private"]

    # ... until that membership ends, from the next request on.
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    section = summary(home(client))
    assert "Farschool private" not in section
    assert NOTHING_TO_REPLY in section
    assert "You have read every message." in section


def test_a_parents_home_shows_no_summary(client, world):
    thread = world.guardian_thread(subject="Reading book lost")
    sign_in(client, world.teacher)
    reply(client, thread)  # now the parent's turn to reply
    sign_in(client, world.parent)
    html = home(client)
    assert "Visible Childname" in html  # their own home, as before
    assert summary(html) == ""
    assert "Needs your reply" not in html
    assert "Reading book lost" not in html


# --- announcements --------------------------------------------------------------------------


def post_announcement(client, world, capture, **fields):
    data = {
        "school": world.school.pk,
        "audience": "classes",
        "class_groups": [ClassGroup.objects.get(name="Own class").pk],
        "title": "Trip to the museum",
        "body": "We go on Friday.",
        "response": "none",
        **fields,
    }
    with capture(execute=True):
        response = client.post(reverse("messaging:announcement_new"), data)
    assert response.status_code == 302
    return Announcement.objects.get(title=data["title"])


def figure(html: str, name: str) -> str:
    start = html.index(f'id="figure-{name}"')
    return html[html.index(">", start) + 1 : html.index("<", start)]


def test_an_announcements_read_figure_is_the_one_its_figures_page_shows(
    client, world, django_capture_on_commit_callbacks
):
    sign_in(client, world.teacher)
    trip = post_announcement(
        client,
        world,
        django_capture_on_commit_callbacks,
        title="Museum trip",
        response="yes_no",
        question="May your child come?",
    )
    sign_in(client, world.parent)
    client.get(reverse("messaging:announcement", args=[trip.pk]))
    client.post(reverse("messaging:announcement_answer", args=[trip.pk]), {"answer": "yes"})
    sign_in(client, world.co_parent)
    client.get(reverse("messaging:announcement", args=[trip.pk]))
    # The co-parent's viewing right is withdrawn after they read it: neither page counts them now.
    Guardianship.objects.filter(guardian=world.co_parent).update(can_view=False)

    sign_in(client, world.teacher)
    figures = client.get(reverse("messaging:announcement_figures", args=[trip.pk])).content.decode()
    read, recipients, answered = figure(figures, "read"), figure(figures, "recipients"), figure(figures, "answered")
    assert (read, recipients, answered) == ("1", "1", "1")
    section = summary(home(client))
    line = section[section.index(f'id="home-announcement-{trip.pk}-read"') :]
    line = line[: line.index("</span>")]
    assert f"{read} of {recipients} family has read it" in line
    assert f"{answered} of {recipients} family has answered" in line
    assert f'href="{reverse("messaging:announcement_figures", args=[trip.pk])}"' in section
    assert "Museum trip" in section


def test_only_the_teachers_own_announcements_of_the_last_14_days_are_listed(
    client, world, django_capture_on_commit_callbacks
):
    sign_in(client, world.teacher)
    post_announcement(client, world, django_capture_on_commit_callbacks, title="Museum trip")
    old = post_announcement(client, world, django_capture_on_commit_callbacks, title="Harvest festival")
    Announcement.objects.filter(pk=old.pk).update(sent_at=timezone.now() - datetime.timedelta(days=15))
    sign_in(client, world.leader)
    post_announcement(client, world, django_capture_on_commit_callbacks, title="Leaders news", audience="school")

    sign_in(client, world.teacher)
    section = summary(home(client))
    assert "Museum trip" in section
    assert "0 of 2 families have read it" in section
    assert "Harvest festival" not in section
    assert "Leaders news" not in section

    sign_in(client, world.other_teacher)
    section = summary(home(client))
    assert "Museum trip" not in section
    assert "You have not sent an announcement in the last 14 days." in section


# --- query count --------------------------------------------------------------------------------


def home_queries(client) -> int:
    home(client)  # the first request after signing in also records the device; the day's SEND views
    with CaptureQueriesContext(connection) as captured:
        html = home(client)
    assert 'id="home-messages"' in html
    return len(captured.captured_queries)


def add(world, count: int, *, start: int):
    """`count` more conversations that need the teacher's reply, and as many announcements they sent."""
    own_class = ClassGroup.objects.get(name="Own class")
    for number in range(start, start + count):
        world.guardian_thread(subject=f"Question {number}")
        announcement = Announcement.objects.create(
            school=world.school,
            author=world.teacher,
            audience=Announcement.Audience.CLASSES,
            title=f"News {number}",
            body="Body",
            response=Announcement.Response.CONFIRM if number % 2 else Announcement.Response.NONE,
            status=Announcement.Status.SENT,
            sent_at=timezone.now(),
        )
        announcement.class_groups.add(own_class)


def test_the_home_page_costs_the_same_queries_for_2_or_30_conversations_and_announcements(client, world):
    add(world, 2, start=0)
    sign_in(client, world.teacher)
    few = home_queries(client)
    section = summary(home(client))
    assert "2 conversations need your reply." in section
    assert section.count('id="home-announcement-') == 2

    add(world, 28, start=2)
    many = home_queries(client)
    section = summary(home(client))
    assert "30 conversations need your reply." in section
    assert len(needing_reply(section)) == 3
    assert section.count('id="home-announcement-') == 5
    assert many == few, f"{few} queries for 2 of each, {many} for 30"
    assert few <= 17  # the page's own 10; 2 counts, 3 for the newest needing reply, 2 for the announcements


@pytest.mark.parametrize(
    ("language", "three_days_ago"),
    [("cy", "3 diwrnod yn ôl"), ("es", "hace 3 días"), ("pl", "3 dni temu"), ("sw", "siku 3 zilizopita")],
)
def test_how_long_ago_reads_in_every_ui_language(language, three_days_ago):
    # The summary's "how long ago" is Django's naturaltime, whose Welsh and Swahili catalogues
    # lack days, weeks, months and years ("3 days ago" showed in English): the project's have them.
    from django.contrib.humanize.templatetags.humanize import naturaltime
    from django.utils import translation

    with translation.override(language):
        shown = naturaltime(timezone.now() - datetime.timedelta(days=3, minutes=1))
    assert shown.replace("\xa0", " ") == three_days_ago  # Django keeps the number and its unit together


@pytest.mark.parametrize(
    ("language", "six_weeks_ago"),
    [
        ("cy", "1 mis, 2 wythnos yn ôl"),
        ("es", "hace 1 mes, 2 semanas"),
        ("pl", "1 miesiąc, 2 tygodnie temu"),
        ("sw", "mwezi 1, wiki 2 zilizopita"),
    ],
)
def test_two_units_of_how_long_ago_are_set_apart_in_every_ui_language(language, six_weeks_ago):
    # Django's Welsh catalogue separates the units with a bare comma ("1 mis,2 wythnos yn ôl").
    from django.contrib.humanize.templatetags.humanize import naturaltime
    from django.utils import translation

    with translation.override(language):
        shown = naturaltime(timezone.now() - datetime.timedelta(days=45, minutes=1))
    assert shown.replace("\xa0", " ") == six_weeks_ago
