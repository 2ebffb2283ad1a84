"""Reads for the export pages, filtered by the acting user through `reports.policies`."""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import DataRequest, Pupil, User
from reports.models import Export, ExportKind
from reports.policies import exports_visible_to, pupils_for_family_reports

SHOWN = 50


@dataclass
class ExportsPage:
    children: list[Pupil]
    exports: list[Export]


def exports_page_for(*, user: User) -> ExportsPage:
    """The guardian's children they may export, and their own exports (those they asked for, and
    subject-access exports about them), newest first. Two queries, whatever the numbers."""
    children = list(pupils_for_family_reports(user).order_by("date_of_birth", "pk"))
    exports = list(
        exports_visible_to(user)
        .filter(Q(requested_by=user) | Q(kind=ExportKind.SUBJECT_ACCESS, subject=user))
        .select_related("pupil")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    return ExportsPage(children=children, exports=exports)


def exports_for_request(*, data_request: DataRequest) -> list[Export]:
    """The exports made for one data request, newest first (the caller checked who may see it)."""
    return list(Export.objects.filter(data_request=data_request).order_by("-created_at", "-pk"))
