"""Announcements from the outside: HTTP posts and pages, outbox jobs run as workers would, against
PostgreSQL. Who may post to what, who may read what, who receives the fan-out (decided when it
runs), read and answer figures, reminders to just the families who have not answered, scheduled
posts, private replies, and query counts constant in the number of families."""

import base64
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ClassGroup, Guardianship
from hub.models import OutboxEntry
from messaging.announcements import effects, services
from messaging.announcements.models import Announcement, AnnouncementReceipt
from messaging.models import Conversation
from tests import factories
from tests.messaging import world as messaging_world
from tests.messaging.world import sign_in

outside = messaging_world.outside
world = messaging_world.world


@pytest.fixture(autouse=True)
def translations(monkeypatch) -> list[tuple[int, str]]:
    """Translation jobs recorded, not run (the engines have their own tests)."""
    seen = []
    monkeypatch.setattr(effects, "translate", lambda pk, language: seen.append((pk, language)))
    return seen


def own_class():
    return ClassGroup.objects.get(name="Own class")


def secret_class():
    return ClassGroup.objects.get(name="Secretclass")


def post(client, *, workers, **fields):
    """Post the new-announcement form; `workers` runs what the post recorded, as workers would."""
    data = {"title": "Trip to the museum", "body": "We go on Friday.", "response": "none", **fields}
    data.setdefault("school", client.school_id)
    data.setdefault("audience", "classes")
    with workers(execute=True):
        return client.post(reverse("messaging:announcement_new"), data)


@pytest.fixture
def as_user(client, world):
    def sign(user):
        sign_in(client, user)
        client.school_id = world.school.pk
        return client

    return sign


def recipients_of(outside) -> set[int]:
    return {call["user"].pk for call in outside.notifications}


# --- who may post to what ------------------------------------------------------------------


def test_a_teacher_posts_to_their_own_class(world, outside, as_user, django_capture_on_commit_callbacks):
    client = as_user(world.teacher)
    response = post(client, workers=django_capture_on_commit_callbacks, class_groups=[own_class().pk])
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:announcement", args=[announcement.pk])
    # The child's two guardians with viewing rights; not the one without, not another class's family.
    assert recipients_of(outside) == {world.parent.pk, world.co_parent.pk}
    assert {call["kind"] for call in outside.notifications} == {"announcement"}


def test_a_teacher_cannot_post_to_another_class_the_school_or_another_school(
    world, as_user, django_capture_on_commit_callbacks
):
    client = as_user(world.teacher)
    far_class = factories.ClassGroupFactory(school=world.far_school, name="Farclass")
    for fields in (
        {"class_groups": [secret_class().pk]},
        {"class_groups": [far_class.pk]},
        {"audience": "school"},
        {"audience": "classes", "class_groups": [own_class().pk], "urgent": "on", "school": world.far_school.pk},
    ):
        response = post(client, workers=django_capture_on_commit_callbacks, **fields)
        assert response.status_code == 422, fields
        assert b"govuk-error-summary" in response.content
    assert not Announcement.objects.exists()
    # The service refuses the same, whatever a form would have offered.
    for kwargs in ({"audience": "classes", "class_group_ids": [secret_class().pk]}, {"audience": "school"}):
        with pytest.raises(PermissionDenied):
            services.announcement_post(author=world.teacher, school_id=world.school.pk, title="x", body="y", **kwargs)
    with pytest.raises(PermissionDenied):
        services.announcement_post(
            author=world.teacher,
            school_id=world.far_school.pk,
            audience="classes",
            class_group_ids=[far_class.pk],
            title="x",
            body="y",
        )


def test_a_family_cannot_open_the_form(world, as_user):
    client = as_user(world.parent)
    assert client.get(reverse("messaging:announcement_new")).status_code == 404


def test_leaders_and_the_office_post_to_any_class_a_year_group_or_the_whole_school(
    world, outside, as_user, django_capture_on_commit_callbacks
):
    client = as_user(world.leader)
    assert post(client, workers=django_capture_on_commit_callbacks, audience="school").status_code == 302
    assert recipients_of(outside) == {world.parent.pk, world.co_parent.pk, world.other_parent.pk}
    outside.notifications.clear()
    client = as_user(world.office)
    response = post(client, workers=django_capture_on_commit_callbacks, class_groups=[secret_class().pk])
    assert response.status_code == 302
    assert recipients_of(outside) == {world.other_parent.pk}
    outside.notifications.clear()
    world.other_child.year_group = "Year 5"
    world.other_child.save()
    response = post(client, workers=django_capture_on_commit_callbacks, audience="year_group", year_group="Year 5")
    assert response.status_code == 302
    assert recipients_of(outside) == {world.other_parent.pk}


def test_an_urgent_announcement_is_a_school_alert_and_only_leaders_send_one(
    world, outside, as_user, django_capture_on_commit_callbacks
):
    client = as_user(world.leader)
    post(client, workers=django_capture_on_commit_callbacks, audience="school", urgent="on", title="Closed today")
    assert {(call["kind"], call["urgent"]) for call in outside.notifications} == {("school_alert", True)}
    assert str(outside.notifications[0]["title"]) == "Urgent: Closed today"
    with pytest.raises(PermissionDenied):
        services.announcement_post(
            author=world.teacher,
            school_id=world.school.pk,
            audience="classes",
            class_group_ids=[own_class().pk],
            urgent=True,
            title="x",
            body="y",
        )


# --- who may read what ---------------------------------------------------------------------


def test_a_family_sees_only_announcements_for_their_childrens_classes_and_school(
    world, as_user, django_capture_on_commit_callbacks
):
    post(
        as_user(world.teacher),
        workers=django_capture_on_commit_callbacks,
        class_groups=[own_class().pk],
        title="Own trip",
    )
    post(
        as_user(world.other_teacher),
        workers=django_capture_on_commit_callbacks,
        class_groups=[secret_class().pk],
        title="Secretclass trip",
    )
    own = Announcement.objects.get(title="Own trip")
    secret = Announcement.objects.get(title="Secretclass trip")
    far = services.announcement_post(
        author=factories.MembershipFactory(school=world.far_school, role="leader").user,
        school_id=world.far_school.pk,
        audience="school",
        title="Farschool news",
        body="Elsewhere",
    )
    client = as_user(world.parent)
    listing = client.get(reverse("messaging:announcements")).content.decode()
    assert "Own trip" in listing
    assert "Secretclass" not in listing
    assert "Farschool" not in listing
    assert client.get(reverse("messaging:announcement", args=[own.pk])).status_code == 200
    for guessed in (secret.pk, far.pk, 10**9):
        assert client.get(reverse("messaging:announcement", args=[guessed])).status_code == 404
        assert client.get(reverse("messaging:announcement_figures", args=[guessed])).status_code == 404
        assert (
            client.post(reverse("messaging:announcement_answer", args=[guessed]), {"answer": "yes"}).status_code == 404
        )
    # A family does not see the figures of the announcement they may read.
    assert client.get(reverse("messaging:announcement_figures", args=[own.pk])).status_code == 404
    # A teacher of another class neither reads it nor follows it up; leaders do both.
    other = as_user(world.other_teacher)
    assert other.get(reverse("messaging:announcement", args=[own.pk])).status_code == 404
    assert other.get(reverse("messaging:announcement_figures", args=[own.pk])).status_code == 404
    assert "Own trip" not in other.get(reverse("messaging:announcements")).content.decode()
    assert as_user(world.leader).get(reverse("messaging:announcement_figures", args=[own.pk])).status_code == 200


def test_a_guardian_whose_rights_are_withdrawn_after_posting_does_not_receive_it(
    world, outside, as_user, django_capture_on_commit_callbacks
):
    client = as_user(world.teacher)
    with django_capture_on_commit_callbacks() as committed:
        client.post(
            reverse("messaging:announcement_new"),
            {
                "school": world.school.pk,
                "audience": "classes",
                "class_groups": [own_class().pk],
                "title": "Trip",
                "body": "Friday",
                "response": "none",
            },
        )
    announcement = Announcement.objects.get()
    # Rights withdrawn after the post, before the fan-out job runs.
    Guardianship.objects.filter(guardian=world.co_parent).update(can_view=False)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in committed:
            callback()
    assert recipients_of(outside) == {world.parent.pk}
    assert set(AnnouncementReceipt.objects.values_list("guardian_id", flat=True)) == {world.parent.pk}
    assert as_user(world.co_parent).get(reverse("messaging:announcement", args=[announcement.pk])).status_code == 404


# --- read and answer figures, reminders ---------------------------------------------------


@pytest.fixture
def trip(world, as_user, django_capture_on_commit_callbacks):
    """A yes/no permission slip from the teacher to their class, delivered."""
    post(
        as_user(world.teacher),
        workers=django_capture_on_commit_callbacks,
        class_groups=[own_class().pk],
        response="yes_no",
        question="May your child come on the trip?",
    )
    return Announcement.objects.get()


def figures(client, announcement) -> str:
    response = client.get(reverse("messaging:announcement_figures", args=[announcement.pk]))
    assert response.status_code == 200
    return response.content.decode()


def figure(html: str, name: str) -> str:
    start = html.index(f'id="figure-{name}"')
    return html[html.index(">", start) + 1 : html.index("<", start)]


def test_read_and_answer_figures(world, trip, as_user):
    parent = as_user(world.parent)
    assert (
        "May your child come on the trip?"
        in parent.get(reverse("messaging:announcement", args=[trip.pk])).content.decode()
    )
    response = parent.post(reverse("messaging:announcement_answer", args=[trip.pk]), {"answer": "yes"})
    assert response.status_code == 302
    as_user(world.co_parent).get(reverse("messaging:announcement", args=[trip.pk]))
    # A made-up answer is refused.
    bad = as_user(world.co_parent).post(reverse("messaging:announcement_answer", args=[trip.pk]), {"answer": "maybe"})
    assert bad.status_code == 422

    html = figures(as_user(world.teacher), trip)
    assert (figure(html, "recipients"), figure(html, "delivered"), figure(html, "read"), figure(html, "answered")) == (
        "2",
        "2",
        "2",
        "1",
    )
    pending = html[html.index('id="announcement-pending"') :]
    assert "Cam Coparent" in pending
    assert "Pat Parent" not in pending
    assert "Visible Childname" in pending  # the family's child, so the teacher knows who it is
    answers = html[html.index('id="announcement-answers"') : html.index('id="announcement-pending"')]
    assert 'Yes</dt><dd class="govuk-summary-list__value">1' in answers


def test_a_reminder_reaches_only_the_families_who_have_not_answered(
    world, trip, outside, as_user, django_capture_on_commit_callbacks
):
    as_user(world.parent).post(reverse("messaging:announcement_answer", args=[trip.pk]), {"answer": "no"})
    outside.notifications.clear()
    teacher = as_user(world.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = teacher.post(reverse("messaging:announcement_remind", args=[trip.pk]))
    assert response.status_code == 302
    assert recipients_of(outside) == {world.co_parent.pk}
    assert str(outside.notifications[0]["title"]).startswith("Reminder:")
    # A family may not remind, and a teacher who did not post it may not either.
    assert as_user(world.parent).post(reverse("messaging:announcement_remind", args=[trip.pk])).status_code == 404
    assert (
        as_user(world.other_teacher).post(reverse("messaging:announcement_remind", args=[trip.pk])).status_code == 404
    )


def test_reading_marks_the_announcements_notifications_read(
    world, as_user, monkeypatch, django_capture_on_commit_callbacks
):
    from messaging.models import Notification
    from messaging.services import notify_bridge

    # The real notifications engine this time.
    monkeypatch.setattr(notify_bridge, "notify", messaging_world_notify())
    monkeypatch.setattr(notify_bridge, "notify_many", messaging_world_notify_many())
    post(as_user(world.teacher), workers=django_capture_on_commit_callbacks, class_groups=[own_class().pk])
    announcement = Announcement.objects.get()
    assert Notification.objects.filter(user=world.parent, read_at__isnull=True, kind="announcement").count() == 1
    as_user(world.parent).get(reverse("messaging:announcement", args=[announcement.pk]))
    assert not Notification.objects.filter(user=world.parent, read_at__isnull=True, kind="announcement").exists()


def messaging_world_notify():
    from messaging.notifications import notify

    return notify


def messaging_world_notify_many():
    from messaging.notifications import notify_many

    return notify_many


# --- translation, scheduling, replies -----------------------------------------------------


def test_translated_once_per_language_and_shown_labelled(world, trip, translations, as_user):
    spanish = factories.UserFactory(display_name="Second Spanish", preferred_language="es")
    factories.GuardianshipFactory(guardian=spanish, pupil=world.child)
    assert translations == [(trip.pk, "es")]
    assert OutboxEntry.objects.filter(effect=services.TRANSLATE).count() == 1
    from messaging.models import StoredTranslation

    for field, text in (("title", "Excursión al museo"), ("body", "Vamos el viernes.")):
        StoredTranslation.objects.create(
            content_object=trip, field=field, language="es", body=text, engine="test", source_language="en"
        )
    html = as_user(world.parent).get(reverse("messaging:announcement", args=[trip.pk])).content.decode()
    assert "Excursión al museo" in html
    assert "Vamos el viernes." in html
    assert 'lang="es"' in html
    original = as_user(world.parent).get(reverse("messaging:announcement", args=[trip.pk]) + "?original=1")
    assert "We go on Friday." in original.content.decode()


def test_a_scheduled_announcement_goes_out_at_its_time(world, outside, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        announcement = services.announcement_post(
            author=world.teacher,
            school_id=world.school.pk,
            audience="classes",
            class_group_ids=[own_class().pk],
            title="Sports day",
            body="Next week",
            send_at=timezone.now() + datetime.timedelta(hours=1),
        )
    assert outside.notifications == []
    assert services.announcements_dispatch_due() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.announcements_dispatch_due(now=timezone.now() + datetime.timedelta(hours=2)) == 1
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT
    assert recipients_of(outside) == {world.parent.pk, world.co_parent.pk}


def test_a_family_replies_privately_in_an_ordinary_conversation(world, trip, as_user):
    client = as_user(world.parent)
    assert client.get(reverse("messaging:announcement_reply", args=[trip.pk])).status_code == 200
    response = client.post(reverse("messaging:announcement_reply", args=[trip.pk]), {"body": "¿Hay que llevar comida?"})
    conversation = Conversation.objects.get()
    assert response["Location"] == reverse("messaging:thread", args=[conversation.pk])
    assert conversation.pupil == world.child
    assert set(conversation.participants.values_list("user_id", flat=True)) == {world.parent.pk, world.teacher.pk}
    assert as_user(world.other_parent).get(reverse("messaging:announcement_reply", args=[trip.pk])).status_code == 404


# --- query counts --------------------------------------------------------------------------


def add_families(world, count: int):
    group = own_class()
    for number in range(count):
        child = factories.PupilFactory(school=world.school, first_name=f"Extra{number}")
        group.pupils.add(child)
        factories.GuardianshipFactory(guardian=factories.UserFactory(), pupil=child)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def page_queries(world, as_user, announcement) -> dict[str, int]:
    teacher = as_user(world.teacher)
    # Each person's first request after signing in also records their device (at most every five
    # minutes: accounts.settings.middleware); the pages' own cost is what is compared.
    teacher.get(reverse("messaging:announcements"))
    as_user(world.parent).get(reverse("messaging:announcements"))
    teacher = as_user(world.teacher)
    teacher.get(reverse("messaging:announcements"))
    return {
        "figures": queries(teacher, reverse("messaging:announcement_figures", args=[announcement.pk])),
        "staff list": queries(teacher, reverse("messaging:announcements")),
        "family list": queries(as_user(world.parent), reverse("messaging:announcements")),
    }


def test_list_and_figures_pages_cost_the_same_queries_for_3_or_40_families(
    world, as_user, django_capture_on_commit_callbacks
):
    teacher = as_user(world.teacher)
    for number in range(3):
        post(
            teacher,
            workers=django_capture_on_commit_callbacks,
            class_groups=[own_class().pk],
            title=f"News {number}",
            response="yes_no",
            question="Coming?",
        )
    announcement = Announcement.objects.first()
    few = page_queries(world, as_user, announcement)
    # 37 more families, each delivered (receipts), some read, one answered.
    add_families(world, 37)
    with django_capture_on_commit_callbacks(execute=True):
        services.announcement_remind(user=world.teacher, announcement=announcement)
    services.announcement_fanout(announcement_id=announcement.pk, after=0)
    assert AnnouncementReceipt.objects.filter(announcement=announcement).count() == 39
    AnnouncementReceipt.objects.filter(announcement=announcement, guardian__display_name__endswith="5").update(
        read_at=timezone.now()
    )
    many = page_queries(world, as_user, announcement)
    assert many == few
    assert few["figures"] <= 30
    assert few["family list"] <= 25
    assert few["staff list"] <= 25


PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def test_an_attached_file_reaches_the_audience_only(world, as_user, django_capture_on_commit_callbacks):
    client = as_user(world.teacher)
    upload = SimpleUploadedFile("consent-form.png", PNG, content_type="image/png")
    post(client, workers=django_capture_on_commit_callbacks, class_groups=[own_class().pk], attachment=upload)
    attachment = Announcement.objects.get().attachments.get()
    url = reverse("messaging:announcement_attachment", args=[attachment.pk])
    parent = as_user(world.parent)
    assert (
        "consent-form.png"
        in parent.get(reverse("messaging:announcement", args=[attachment.announcement_id])).content.decode()
    )
    response = parent.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert as_user(world.other_parent).get(url).status_code == 404


def test_a_rolled_back_post_announces_nothing(world, outside, django_capture_on_commit_callbacks):
    def post_then_fail():
        with transaction.atomic():
            services.announcement_post(
                author=world.teacher,
                school_id=world.school.pk,
                audience="classes",
                class_group_ids=[own_class().pk],
                title="Never sent",
                body="Rolled back",
            )
            raise RuntimeError("the request failed after the save")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        post_then_fail()
    assert not Announcement.objects.exists()
    assert not OutboxEntry.objects.filter(effect=services.FANOUT).exists()
    assert outside.notifications == []
