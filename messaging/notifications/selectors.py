"""Reads for the notification pages: each filtered to the signed-in person's own rows."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from accounts.models import Pupil, User
from accounts.policies import children_of
from hub.compiled_sql import reused_count, reused_objects, reused_rows
from messaging.models import Notification, QuietHours
from messaging.notifications import delivery, targets
from messaging.notifications.kinds import NotificationKind, all_kinds

INBOX_PAGE_SIZE = 20


def notifications_for(user: User) -> QuerySet[Notification]:
    """The person's notifications about what they may still see: one about a child or a
    conversation they lost is hidden (and answers 404), as it is never emailed or texted."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).filter(targets.still_visible(user))


# The header badge counts up to this many and then says "99+ unread": its count asks the
# visibility rules of each unread notification, on every page, so for someone who reads their
# school's news by email and never opens the notifications page it would grow all year.
BADGE_MOST = 99


def unread_count_for(user: User, *, most: int | None = None) -> int:
    """How many of the person's visible notifications are unread (0 for anonymous); with `most`,
    at most `most + 1` of them are counted (the badge: `BADGE_MOST`).

    Most of the time nothing is: one look-up on the (user, read_at) index says so, and the rules
    deciding what is still visible (19 KB of SQL) are asked only when something is unread. Their
    plan is prepared, but PostgreSQL still sets up its few hundred nodes at every run, even when
    no row reaches them (3 ms a count here), and this runs on every page and after every read."""
    if not user.is_authenticated:
        return 0
    anything_unread = reused_rows(
        user.pk,
        shape=("notifications.any_unread",),
        # Any one, in no order (the model's newest-first would read them all to find the newest).
        build=lambda user_id: (
            Notification.objects.filter(user_id=user_id, read_at__isnull=True).order_by().values_list("pk")[:1]
        ),
    )
    if not anything_unread:
        return 0

    def unread(user_id: int) -> QuerySet[Notification]:
        # The rules in the query's own WHERE (`targets.rules`), so that they are asked of the
        # unread alone (and stop at the LIMIT), not of every notification the person ever had.
        visible = targets.rules(User(pk=user_id))
        # No order (the model's newest-first would read and sort them all before the LIMIT).
        rows = Notification.objects.filter(user_id=user_id, read_at__isnull=True).filter(visible)
        return rows.order_by().values("pk")

    if most is None:
        return reused_count(user.pk, shape=("notifications.unread", *targets.rules_shape()), build=unread)
    return reused_count(
        user.pk,
        # The LIMIT is written into the SQL: one statement per `most`.
        shape=("notifications.unread", most, *targets.rules_shape()),
        build=lambda user_id: unread(user_id)[: most + 1],
    )


def badge_count_for(user: User) -> int:
    """The header badge's count: `unread_count_for`, counting no further than BADGE_MOST + 1."""
    return unread_count_for(user, most=BADGE_MOST)


class _Visible:
    """The person's visible notifications, newest first, as Paginator reads a list (its count and
    a slice of it), each read by SQL compiled once per process: the rules are 19 KB of SQL that
    PostgreSQL would otherwise plan afresh for both, at every view of the page
    (`hub.db.planned_cursor`). Still decided from current rows at every request."""

    ordered = True  # newest first (Paginator warns about unordered lists)

    def __init__(self, user: User):
        self.user_id = user.pk

    @staticmethod
    def _all(user_id: int) -> QuerySet[Notification]:
        return notifications_for(User(pk=user_id)).order_by("-created_at", "-id")

    def count(self) -> int:
        return reused_count(
            self.user_id,
            shape=("notifications.visible", *targets.rules_shape()),
            build=lambda user_id: self._all(user_id).values("pk"),
        )

    def __getitem__(self, window: slice) -> list[Notification]:
        start, stop = window.start or 0, window.stop
        if stop is not None and stop <= start:
            return []  # the empty first page of no notifications: nothing to read
        return reused_objects(
            Notification,
            self.user_id,
            # LIMIT and OFFSET are written into the SQL: one statement per page of the list.
            shape=("notifications.page", start, stop, *targets.rules_shape()),
            build=lambda user_id: self._all(user_id)[start:stop],
            related=("pupil",),
        )


def inbox_page_for(user: User, *, page_number: int | str | None = 1) -> Page:
    """A page of the person's notifications, newest first; an out-of-range page gives the last one.

    Two queries whatever the page size: the count and the page (with the child it is about).
    """
    if not user.is_authenticated:
        return Paginator(Notification.objects.none(), INBOX_PAGE_SIZE).get_page(page_number)
    return Paginator(_Visible(user), INBOX_PAGE_SIZE).get_page(page_number)


@dataclass(frozen=True)
class NotificationSettings:
    preferences: delivery.Preferences
    children: list[Pupil]
    quiet_hours: QuietHours | None
    # The kinds this person is offered (each kind's app decides: safeguarding alerts only reach
    # designated safeguarding leads), in the order the apps declare them.
    kinds: list[NotificationKind]


def notification_settings_for(user: User) -> NotificationSettings:
    """What the preferences page shows: choices made, the person's children, their quiet hours."""
    return NotificationSettings(
        preferences=delivery.preferences_of(user),
        children=list(children_of(user).order_by("first_name", "last_name")),
        quiet_hours=QuietHours.objects.filter(user=user).first(),
        kinds=[kind for kind in all_kinds() if kind.is_offered_to(user)],
    )
