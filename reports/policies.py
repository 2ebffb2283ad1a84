"""Who may see which reports and exports. The only place these rules live; every answer is read
from the database on each call, so a withdrawn viewing right counts from the next request.

- A family's copy of a report: the pupil's guardians with viewing rights and the "reports" scope.
- The school's copy: staff who teach or support the pupil (consent already shaped its content).
- A portfolio export: the guardian who asked for it, while they still have the "reports" scope.
- A subject-access export: the person it is about (the requester of the data request), and the
  school's data protection lead who answers it.
- A class's batch of reports: those who oversee the class (teach it, or hold a whole-school role
  at its school); a school-wide batch: those with a whole-school role at that school.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.models import ClassGroup, Membership, Pupil, Role, User
from progress.insights.policies import class_groups_overseen_by
from reports.models import Copy, Export, ExportKind, Report, ReportBatch

SCOPE = "reports"


def reports_visible_to(user: User) -> QuerySet[Report]:
    if not user.is_authenticated:
        return Report.objects.none()
    family = people.viewing_guardianships(SCOPE).filter(guardian=user).values("pupil_id")
    staff = people.pupils_supported_by(user).values("pk")
    return Report.objects.filter(deleted_at__isnull=True).filter(
        Q(copy=Copy.FAMILY, pupil_id__in=family) | Q(copy=Copy.SCHOOL, pupil_id__in=staff)
    )


def access_report(*, user: User, report_id, for_update: bool = False) -> Report:
    """The report (by its public id) if `user` may see it; otherwise Http404, whatever the reason."""
    try:
        report = reports_visible_to(user).select_related("pupil", "school").get(public_id=report_id)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(report, "pupil", "school") if for_update else report


def pupils_for_family_reports(user: User) -> QuerySet[Pupil]:
    """The user's children whose reports they may see and ask for."""
    return people.children_with_scope(user=user, scope=SCOPE)


def exports_visible_to(user: User) -> QuerySet[Export]:
    if not user.is_authenticated:
        return Export.objects.none()
    family = people.viewing_guardianships(SCOPE).filter(guardian=user).values("pupil_id")
    # Read from the memberships now (not the menu's per-request facts): a lead who lost the role
    # loses the exports with it.
    dpl_schools = Membership.objects.filter(user=user, is_active=True, role=Role.DPL).values("school_id")
    return Export.objects.filter(
        Q(kind=ExportKind.PORTFOLIO, requested_by=user, pupil_id__in=family)
        | Q(kind=ExportKind.SUBJECT_ACCESS, subject=user)
        | Q(kind=ExportKind.SUBJECT_ACCESS, school_id__in=dpl_schools)
    )


def access_export(*, user: User, export_id, for_update: bool = False) -> Export:
    try:
        export = exports_visible_to(user).select_related("school").get(public_id=export_id)
    except (Export.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(export, "school") if for_update else export


def classes_for_reports(user: User) -> QuerySet[ClassGroup]:
    return class_groups_overseen_by(user).select_related("school").order_by("name", "pk")


def access_class_for_reports(*, user: User, class_id, for_update: bool = False) -> ClassGroup:
    """One of `user`'s classes; otherwise Http404 (another class, another school, a parent)."""
    try:
        class_group = class_groups_overseen_by(user).select_related("school").get(pk=class_id)
    except (ClassGroup.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(class_group, "school") if for_update else class_group


def batches_visible_to(user: User) -> QuerySet[ReportBatch]:
    if not user.is_authenticated:
        return ReportBatch.objects.none()
    whole_school = Membership.objects.filter(user=user, is_active=True, role__in=people.WHOLE_SCHOOL_ROLES).values(
        "school_id"
    )
    return ReportBatch.objects.filter(
        Q(class_group__in=class_groups_overseen_by(user).values("pk"))
        | Q(class_group__isnull=True, school_id__in=whole_school)
    )


def access_batch(
    *, user: User, batch_id, for_update: bool = False, batches: QuerySet[ReportBatch] | None = None
) -> ReportBatch:
    """The batch if `user` may see it; otherwise Http404. `batches` lets a page ask for more
    (progress counts) in the same query; it must come from `batches_visible_to(user)`."""
    candidates = batches_visible_to(user) if batches is None else batches
    try:
        batch = candidates.select_related("class_group", "school").get(pk=batch_id)
    except (ReportBatch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(batch, "class_group", "school") if for_update else batch
