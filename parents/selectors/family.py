"""What every dashboard page reads: the family, the chosen child, minutes per day, streaks."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Sum
from django.db.models.functions import TruncDate
from django.utils import formats, timezone

from accounts.models import Pupil, User
from messaging import selectors as messaging
from parents import policies
from progress.insights import policies as insight_policies
from progress.models import (
    ActivitySession,
    InsightSeen,
)

# How far back a streak is counted: a longer one shows as "at least this many days".
STREAK_LOOKBACK_DAYS = 100
DEADLINE_WINDOW_DAYS = 7
SUMMARY_PERIODS = (7, 14)
TIMELINE_DAYS = 28
MOOD_HISTORY = 10
LIST_LIMIT = 50
SESSION_KEY = "parents.child_id"


# --- the family, the chosen child --------------------------------------------------------------


def family_of(user: User) -> list[Pupil]:
    """The user's children for the selector and the cards, eldest first (one query)."""
    return list(policies.children_visible_to(user).select_related("school").order_by("date_of_birth", "pk"))


def chosen_child(children: list[Pupil], chosen_id) -> Pupil | None:
    """The child remembered in the session, if still one of `children` (rights can be withdrawn)."""
    return next((child for child in children if str(child.pk) == str(chosen_id)), None)


def today_for(user: User) -> datetime.date:
    return timezone.localdate(timezone=user.zone)


def start_of(day: datetime.date, user: User) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=user.zone)


def minutes_by_day(*, user: User, pupil_ids: list[int], since: datetime.date) -> dict[int, dict[datetime.date, int]]:
    """{pupil id: {day: minutes}} from `since` to now, days on the reader's clock: one grouped query."""
    rows = (
        ActivitySession.objects.live()
        .filter(pupil_id__in=pupil_ids, started_at__gte=start_of(since, user))
        .annotate(day=TruncDate("started_at", tzinfo=user.zone))
        .order_by()
        .values("pupil_id", "day")
        .annotate(minutes=Sum("minutes"))
    )
    found: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for row in rows:
        found[row["pupil_id"]][row["day"]] = row["minutes"]
    return found


@dataclass(frozen=True)
class Streak:
    days: int
    at_least: bool  # longer than the days looked back
    longest: int  # the longest run within the days looked back


def streak_of(active_days, today: datetime.date, lookback: int = STREAK_LOOKBACK_DAYS) -> Streak:
    """Consecutive active days up to today (or up to yesterday, while today has no activity yet:
    a streak is not broken before the day is over), and the longest run looked back over."""
    active = set(active_days)
    day = today if today in active else today - datetime.timedelta(days=1)
    current = 0
    while day in active and current < lookback:
        current += 1
        day -= datetime.timedelta(days=1)
    longest = run = 0
    for offset in range(lookback, -1, -1):
        if today - datetime.timedelta(days=offset) in active:
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    return Streak(days=current, at_least=current >= lookback, longest=longest)


def days_ending(end: datetime.date, count: int) -> list[datetime.date]:
    return [end - datetime.timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def day_label(day: datetime.date) -> str:
    return formats.date_format(day, "D j")


def unread_by_child(user: User) -> dict[int, int]:
    """Unread messages per child, from messaging's inbox (the reader's unread counts per
    conversation): one query, however many conversations."""
    counts: dict[int, int] = defaultdict(int)
    for pupil_id, unread in messaging.inbox_for(user).filter(unread__gt=0).values_list("pupil_id", "unread"):
        if pupil_id is not None:
            counts[pupil_id] += unread
    return counts


def open_insights(user: User, pupil_ids: list[int]):
    """Current insights of these children that `user` may see and has not dismissed."""
    dismissed = InsightSeen.objects.filter(insight=OuterRef("pk"), user=user, dismissed_at__isnull=False)
    return (
        insight_policies.insights_visible_to(user)
        .filter(pupil_id__in=pupil_ids, resolved_at__isnull=True)
        .exclude(Exists(dismissed))
    )


def consents_waiting_for(user: User) -> list:
    """Consent requests waiting for this guardian's answer. The consent matrix arrives with issue 10:
    until then there are none; the urgent banner already shows whatever this returns."""
    return []
