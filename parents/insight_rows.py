"""A small stand-in for `progress.insights.selectors` while that part is being built: the open
Insight rows of a child for one reader, and their counts. Same names and keywords as the real
module, so the dashboard switches by changing one import (see parents.selectors)."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import Pupil, User
from progress.models import Insight, InsightSeen


def _open_for(user: User) -> Q:
    dismissed = InsightSeen.objects.filter(insight=OuterRef("pk"), user=user, dismissed_at__isnull=False)
    return Q(resolved_at__isnull=True) & ~Q(Exists(dismissed))


def insights_for(*, user: User, pupil: Pupil) -> QuerySet[Insight]:
    """The child's unresolved insights this reader has not dismissed, newest first, with `read`."""
    read = InsightSeen.objects.filter(insight=OuterRef("pk"), user=user)
    return (
        Insight.objects.filter(_open_for(user), pupil=pupil).annotate(read=Exists(read)).order_by("-raised_at", "-id")
    )


def open_insight_counts(*, user: User, pupils) -> dict[int, int]:
    """{pupil id: open insights not dismissed by `user`}, one query however many pupils."""
    ids = [getattr(pupil, "pk", pupil) for pupil in pupils]
    rows = (
        Insight.objects.filter(_open_for(user), pupil_id__in=ids)
        .order_by()
        .values("pupil_id")
        .annotate(count=Count("pk"))
    )
    return {row["pupil_id"]: row["count"] for row in rows}


def patterns_for(*, pupil: Pupil) -> list:
    return []


def tips_for(*, pupil: Pupil) -> list:
    return []


def plans_for(*, pupil: Pupil) -> list:
    return []


def narrative_for(*, user: User, pupil: Pupil):
    return None
