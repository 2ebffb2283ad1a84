"""The notification pages from the outside: inbox, unread count, marking read, preferences."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from messaging.models import Notification, NotificationPreference, QuietHours
from messaging.notifications import kinds, services
from messaging.notifications.context_processors import unread_notifications
from tests import factories
from tests.messaging.notification_helpers import Kind

pytestmark = pytest.mark.django_db


def _notify(user, title="Hello", **fields):
    return services.notify(user=user, kind=fields.pop("kind", Kind.MESSAGE), title=title, **fields)


def _many(user, count):
    Notification.objects.bulk_create(
        Notification(user=user, kind=Kind.ANNOUNCEMENT, title=f"News {n}", body="Body", pupil=user.child)
        for n in range(count)
    )


def test_notify_puts_a_row_in_the_inbox_and_the_unread_count_goes_up(client, parent):
    client.force_login(parent)
    assert "You have no unread notifications." in client.get(reverse("notifications:inbox")).content.decode()

    _notify(parent, "Sports day moved to Friday", body="Bring a water bottle.", pupil=parent.child)

    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "You have 1 unread notification." in page
    assert "Sports day moved to Friday" in page
    assert "Bring a water bottle." in page
    assert "Unread" in page  # marked by text, not only colour
    assert f"About {parent.child.known_as}" in page
    assert page.count("<h1") == 1


def test_header_count_comes_from_the_context_processor_in_one_query_or_two(parent, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = parent
    # Nothing unread (most page views): one look-up, without the visibility rules.
    with django_assert_num_queries(1) as nothing_unread:
        assert unread_notifications(request) == {"unread_notifications": 0}
    assert "messaging_notification" in nothing_unread.captured_queries[0]["sql"]
    assert len(nothing_unread.captured_queries[0]["sql"]) < 1000

    _notify(parent)
    _notify(parent)
    with django_assert_num_queries(2):
        assert unread_notifications(request) == {"unread_notifications": 2}

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notifications(request) == {"unread_notifications": 0}


def test_the_badge_fragment_has_a_stable_id_and_says_the_count_in_words():
    html = render_to_string("messaging/notifications/partials/unread_badge.html", {"unread_notifications": 3})
    assert 'id="notification-badge"' in html
    assert "3 unread" in html
    assert "hx-swap-oob" not in html
    pushed = render_to_string(
        "messaging/notifications/partials/unread_badge.html", {"unread_notifications": 0, "oob": True}
    )
    assert 'hx-swap-oob="true"' in pushed
    assert "unread" not in pushed


def test_past_the_number_the_count_stops_at_the_badge_names_that_number(monkeypatch):
    from django.utils import translation

    from messaging.notifications import selectors

    monkeypatch.setattr(selectors, "BADGE_MOST", 9)
    badge = "messaging/notifications/partials/unread_badge.html"
    assert "9 unread" in render_to_string(badge, {"unread_notifications": 9})
    assert "9+ unread" in render_to_string(badge, {"unread_notifications": 10})
    with translation.override("pl"):
        assert "9+ nieprzeczytanych" in render_to_string(badge, {"unread_notifications": 10})


def test_the_new_count_is_pushed_to_open_pages_after_commit(parent, monkeypatch, django_capture_on_commit_callbacks):
    pushes = []
    monkeypatch.setattr(services, "push_to_users", lambda user_ids, **kwargs: pushes.append((list(user_ids), kwargs)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = _notify(parent)
    assert pushes == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert pushes[0][0] == [parent.pk]
    assert pushes[0][1]["data"] == {"unread": 1}
    assert 'id="notification-badge"' in pushes[0][1]["html"]
    assert "1 unread" in pushes[0][1]["html"]

    with django_capture_on_commit_callbacks(execute=True):
        services.notification_mark_read(user=parent, notification_id=notification.pk)
    assert pushes[-1][1]["data"] == {"unread": 0}


def test_the_badge_page_answers_the_fragment(client, parent):
    _notify(parent)
    client.force_login(parent)
    response = client.get(reverse("notifications:badge"))
    assert response.status_code == 200
    assert "1 unread" in response.content.decode()


def test_mark_read_then_go_where_the_notification_points(client, parent):
    notification = _notify(parent, url="/account/preferences/")
    client.force_login(parent)
    response = client.post(reverse("notifications:read", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/account/preferences/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "You have no unread notifications." in client.get(reverse("notifications:inbox")).content.decode()


def test_mark_read_without_a_link_returns_to_the_inbox(client, parent):
    notification = _notify(parent)
    client.force_login(parent)
    response = client.post(reverse("notifications:read", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_mark_read_is_post_only(client, parent):
    notification = _notify(parent)
    client.force_login(parent)
    assert client.get(reverse("notifications:read", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(client, parent):
    for _ in range(3):
        _notify(parent)
    someone_else = factories.UserFactory()
    _notify(someone_else)
    client.force_login(parent)

    response = client.post(reverse("notifications:read_all"), follow=True)

    assert "You have no unread notifications." in response.content.decode()
    assert not Notification.objects.filter(user=parent, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=someone_else, read_at__isnull=True).count() == 1


def test_nobody_can_mark_or_see_someone_elses_notification(client, parent):
    other_parent = factories.UserFactory()
    theirs = _notify(other_parent, "Private to them")
    client.force_login(parent)

    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[theirs.pk + 1000])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Private to them" not in client.get(reverse("notifications:inbox")).content.decode()


@pytest.mark.parametrize("name", ["inbox", "badge", "preferences", "read_all", "read"])
def test_anonymous_visitors_are_sent_to_sign_in(client, parent, name):
    notification = _notify(parent)
    url = reverse(f"notifications:{name}", args=[notification.pk] if name == "read" else [])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize("count", [5, 50])
def test_the_inbox_page_needs_the_same_few_queries_for_5_or_50(client, parent, count, django_assert_max_num_queries):
    _many(parent, count)
    client.force_login(parent)
    # 9 with something unread: the badge first asks whether anything is (one query) before counting.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200


def test_the_inbox_is_paginated_newest_first(client, parent):
    _many(parent, 25)
    newest = _notify(parent, "The newest one")
    client.force_login(parent)
    first = client.get(reverse("notifications:inbox")).content.decode()
    assert first.index("The newest one") < first.index("News")
    assert "Page 1 of 2" in first
    second = client.get(reverse("notifications:inbox"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second
    assert "The newest one" not in second
    assert client.get(reverse("notifications:inbox"), {"page": "junk"}).status_code == 200
    assert newest.pk


def test_the_compiled_pages_show_what_the_orm_would_and_lose_a_child_no_longer_linked(parent):
    """The page's count and rows are SQL compiled once per process: the same rows, in the same
    order, with the same child, as the ORM's; a child the parent is no longer linked to takes
    its notifications off at once."""
    from accounts.models import Guardianship
    from messaging.notifications import selectors

    other_child = factories.PupilFactory(school=parent.child.school)
    factories.GuardianshipFactory(guardian=parent, pupil=other_child)
    _many(parent, 23)
    Notification.objects.create(user=parent, kind=Kind.ANNOUNCEMENT, title="About the other child", pupil=other_child)
    _notify(parent, "No child")

    def orm_page(number):
        rows = selectors.notifications_for(parent).select_related("pupil").order_by("-created_at", "-id")
        return [(n.pk, n.title, n.pupil and n.pupil.first_name) for n in rows[(number - 1) * 20 : number * 20]]

    for number in (1, 2):
        page = selectors.inbox_page_for(parent, page_number=number)
        assert page.paginator.count == 25
        assert [(n.pk, n.title, n.pupil and n.pupil.first_name) for n in page.object_list] == orm_page(number)
    Guardianship.objects.filter(guardian=parent, pupil=other_child).delete()
    page = selectors.inbox_page_for(parent, page_number=1)
    assert page.paginator.count == 24
    assert "About the other child" not in [n.title for n in page.object_list]


# Preferences ------------------------------------------------------------------------------------


def _form_data(**overrides):
    data = {f"{kind.name}-{channel}": "instant" for kind in kinds.all_kinds() for channel in ("email", "sms")}
    data |= {"quiet_enabled": "", "quiet_start": "21:00", "quiet_end": "07:00"}
    data.update(overrides)
    return data


def test_preferences_page_shows_a_labelled_choice_per_kind_channel_and_child(client, parent):
    client.force_login(parent)
    response = client.get(reverse("notifications:preferences"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert 'name="message-email"' in page
    assert 'name="announcement-sms"' in page
    assert f'name="message-email-{parent.child.pk}"' in page
    assert f'name="account-email-{parent.child.pk}"' not in page
    assert 'for="id_message-email"' in page
    assert "Same as for all children" in page
    assert 'for="id_quiet_start"' in page


def test_staff_without_children_get_no_per_child_choices(client, teacher):
    client.force_login(teacher)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="message-email"' in page
    assert "Same as for all children" not in page


def test_saving_preferences_per_child_and_quiet_hours(client, parent):
    client.force_login(parent)
    data = _form_data(
        **{
            "message-email": "off",
            "school_alert-sms": "off",
            f"message-email-{parent.child.pk}": "daily",
            "quiet_enabled": "on",
            "quiet_start": "22:00",
            "quiet_end": "06:30",
        }
    )
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302

    saved = set(NotificationPreference.objects.filter(user=parent).values_list("kind", "channel", "pupil", "frequency"))
    assert ("message", "email", None, "off") in saved
    assert ("message", "email", parent.child.pk, "daily") in saved
    assert ("school_alert", "sms", None, "off") in saved
    # A choice equal to the default is not stored: the default keeps applying.
    assert ("account", "email", None, "instant") not in saved
    quiet = QuietHours.objects.get(user=parent)
    assert (quiet.start, quiet.end) == (datetime.time(22, 0), datetime.time(6, 30))

    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="22:00"' in page

    # Back to "same as for all children", and quiet hours off.
    client.post(
        reverse("notifications:preferences"),
        _form_data(**{"message-email": "off", f"message-email-{parent.child.pk}": ""}),
    )
    saved = set(NotificationPreference.objects.filter(user=parent).values_list("kind", "channel", "pupil", "frequency"))
    assert ("message", "email", parent.child.pk, "daily") not in saved
    assert not QuietHours.objects.filter(user=parent).exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"message-email": "sometimes"},
        {"quiet_enabled": "on", "quiet_start": "25:99"},
        {"quiet_enabled": "on", "quiet_start": "21:00", "quiet_end": "21:00"},
        {"quiet_enabled": "on", "quiet_start": "", "quiet_end": ""},
    ],
)
def test_bad_input_shows_the_error_summary_with_422_and_changes_nothing(client, parent, bad):
    QuietHours.objects.create(user=parent, start=datetime.time(20, 0), end=datetime.time(6, 0))
    client.force_login(parent)
    response = client.post(reverse("notifications:preferences"), _form_data(**{"announcement-email": "off", **bad}))
    assert response.status_code == 422
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "<title>Error:" in page
    assert not NotificationPreference.objects.filter(user=parent).exists()
    quiet = QuietHours.objects.get(user=parent)
    assert (quiet.start, quiet.end) == (datetime.time(20, 0), datetime.time(6, 0))


def test_a_guardian_cannot_set_choices_for_someone_elses_child(parent, school):
    from django.core.exceptions import PermissionDenied

    stranger = factories.PupilFactory(school=school)
    with pytest.raises(PermissionDenied):
        services.preferences_update(user=parent, choices={("message", "email", stranger.pk): "off"})
    assert not NotificationPreference.objects.exists()


def test_a_forged_field_for_another_child_is_ignored(client, parent, school):
    stranger = factories.PupilFactory(school=school)
    client.force_login(parent)
    response = client.post(reverse("notifications:preferences"), _form_data(**{f"message-email-{stranger.pk}": "off"}))
    assert response.status_code == 302
    assert not NotificationPreference.objects.filter(pupil=stranger).exists()


def test_only_a_dsl_is_offered_safeguarding_alert_choices(client):
    from tests import factories
    from tests.conftest import force_verified_login

    school = factories.SchoolFactory()
    parent = factories.UserFactory()
    factories.GuardianshipFactory(guardian=parent, pupil=factories.PupilFactory(school=school))
    dsl = factories.MembershipFactory(school=school, role="dsl").user

    client.force_login(parent)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="safeguarding-email"' not in page
    assert 'name="message-email"' in page

    client.logout()
    force_verified_login(client, dsl)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="safeguarding-email"' in page


def test_past_99_unread_the_badge_says_99_plus_and_the_notifications_page_says_how_many(client, parent):
    """A parent who reads the school's news by email and never opens the notifications page."""
    _many(parent, 120)
    client.force_login(parent)
    home = client.get(reverse("home")).content.decode()
    assert "99+ unread" in home
    assert "120 unread" not in home
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "You have 120 unread notifications." in page
    assert "99+ unread" in page  # its header badge too
    # The same in the parent's language.
    parent.preferred_language = "es"
    parent.save(update_fields=["preferred_language"])
    assert "99+ sin leer" in client.get(reverse("home")).content.decode()
    # Exactly 99 is still a number.
    Notification.objects.filter(pk__in=Notification.objects.filter(user=parent).values("pk")[:21]).update(
        read_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    assert "99 sin leer" in client.get(reverse("home")).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_the_badge_reads_no_more_rows_for_1000_unread_than_for_150(parent):
    """The badge is counted on every page: the visibility rules are asked of at most 100 unread
    notifications (PostgreSQL's own per-transaction statistics count the rows read)."""
    from messaging.notifications import selectors

    def notifications_read() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
                " WHERE relname = 'messaging_notification'"
            )
            row = cursor.fetchone()
            return row[0] if row else 0

    rows = {}
    for unread in (150, 1000):
        _many(parent, unread - Notification.objects.filter(user=parent).count())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE messaging_notification")
        before = notifications_read()
        assert selectors.badge_count_for(parent) == 100
        rows[unread] = notifications_read() - before
        assert selectors.unread_count_for(parent) == unread  # the notifications page's own count
    assert rows[1000] <= rows[150] + 10, rows
    assert rows[1000] < 250, rows
