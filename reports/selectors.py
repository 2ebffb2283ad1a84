"""What the report pages read, filtered by the acting user (`reports.policies`), with a constant
number of queries per page whatever the number of reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ClassGroup, Pupil, User
from reports.models import Copy, JobStatus, Report, ReportBatch, ReportKind
from reports.policies import access_batch, batches_visible_to, pupils_for_family_reports, reports_visible_to

PAGE_SIZE = 20

# The list's "period" filter: how far back the reports' last day may be.
PERIODS = {
    "4w": (_("The last 4 weeks"), dt.timedelta(weeks=4)),
    "3m": (_("The last 3 months"), dt.timedelta(days=92)),
    "12m": (_("The last 12 months"), dt.timedelta(days=366)),
}


@dataclass
class ListPage:
    children: list[Pupil]
    page: Page
    child: Pupil | None
    kind: str
    period: str


def children_for_reports(user: User) -> QuerySet[Pupil]:
    return pupils_for_family_reports(user).order_by("first_name", "last_name", "pk")


def report_list_page(*, user: User, child_id=None, kind: str = "", period: str = "", page=1) -> ListPage:
    """The user's family copies, newest first, filtered by child, kind and period (values not
    offered are ignored), one page of PAGE_SIZE. Three queries whatever the number of reports:
    the children, the count, the page (pupils joined)."""
    children = list(children_for_reports(user))
    child = next((c for c in children if str(c.pk) == str(child_id)), None)
    reports = (
        reports_visible_to(user)
        .filter(copy=Copy.FAMILY, pupil__in=[c.pk for c in children])
        .select_related("pupil")
        .order_by("-period_end", "-created_at", "-pk")
    )
    if child is not None:
        reports = reports.filter(pupil=child)
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    else:
        kind = ""
    if period in PERIODS:
        reports = reports.filter(period_end__gte=timezone.localdate() - PERIODS[period][1])
    else:
        period = ""
    paginator = Paginator(reports, PAGE_SIZE)
    return ListPage(children=children, page=paginator.get_page(page), child=child, kind=kind, period=period)


# --- Staff: classes and batches (who may see them: reports.policies) ----------------------------


def _with_progress(batches: QuerySet[ReportBatch]) -> QuerySet[ReportBatch]:
    live = Q(reports__deleted_at__isnull=True)
    return batches.annotate(
        total=Count("reports", filter=live),
        ready=Count("reports", filter=live & Q(reports__status=JobStatus.READY)),
        failed=Count("reports", filter=live & Q(reports__status=JobStatus.FAILED)),
    )


def recent_batches_for(user: User, *, class_group: ClassGroup | None = None, limit: int = 10) -> list[ReportBatch]:
    """The latest batches of `user`'s classes (and school-wide ones they may see), or of one
    class, with progress. One query."""
    batches = _with_progress(batches_visible_to(user))
    if class_group is not None:
        batches = batches.filter(class_group=class_group)
    return list(batches.select_related("class_group", "school").order_by("-created_at", "-pk")[:limit])


def batch_page(*, user: User, batch_id) -> tuple[ReportBatch, list[Report]]:
    """The batch with its progress (`total`, `ready`, `failed`) and its reports (pupils joined);
    Http404 for a batch `user` may not see. Two queries."""
    batch = access_batch(
        user=user, batch_id=batch_id, batches=_with_progress(batches_visible_to(user)).select_related("requested_by")
    )
    reports = list(
        batch.reports.filter(deleted_at__isnull=True)
        .select_related("pupil")
        .order_by("pupil__last_name", "pupil__first_name", "pk")
    )
    return batch, reports
