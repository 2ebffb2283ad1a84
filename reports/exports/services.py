"""Every write of the exports: asking for a child's portfolio zip, starting a subject-access export
from a data request, and deleting files whose time is up. The job that builds the zip is
`reports.exports.jobs.run_export`, run by the outbox effect "reports.export" after the commit."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.models import DataRequest, Pupil, User
from hub import outbox
from reports.models import Export, ExportKind, JobStatus

EXPORT = "reports.export"
LIVE = (JobStatus.QUEUED, JobStatus.GENERATING)


class ExportError(Exception):
    """A refusal a person can read (the view shows it as it is)."""


def expiry_from(finished: datetime.datetime) -> datetime.datetime:
    return finished + datetime.timedelta(days=settings.REPORTS_EXPORT_DAYS)


def is_expired(export: Export, *, now: datetime.datetime | None = None) -> bool:
    """A ready export whose time is up, or whose file is already gone."""
    if export.status != JobStatus.READY:
        return False
    return not export.file or (export.expires_at is not None and export.expires_at <= (now or timezone.now()))


def _earlier(*, user: User, client_key: str) -> Export | None:
    if not client_key:
        return None
    return Export.objects.filter(requested_by=user, client_key=client_key).first()


def _free_key(client_key: str) -> str | None:
    # The key is unique across all exports: a (vanishingly unlikely) clash with someone else's
    # key must not hand them this export, nor fail; the export is made without one.
    if not client_key or Export.objects.filter(client_key=client_key).exists():
        return None
    return client_key


@transaction.atomic
def portfolio_export_request(*, user: User, pupil: Pupil, client_key: str = "") -> Export:
    """Queue a zip of `pupil`'s approved portfolio for `user`, their guardian. The caller found the
    pupil through `reports.policies.pupils_for_family_reports`. The same form posted twice, or a
    second request while one for the same child is still being made, returns that one."""
    earlier = _earlier(user=user, client_key=client_key)
    if earlier is not None:
        return earlier
    live = Export.objects.filter(kind=ExportKind.PORTFOLIO, requested_by=user, pupil=pupil, status__in=LIVE).first()
    if live is not None:
        return live
    export = Export.objects.create(
        kind=ExportKind.PORTFOLIO,
        school_id=pupil.school_id,
        pupil=pupil,
        requested_by=user,
        client_key=_free_key(client_key),
    )
    audit.record(actor=user, action="export.requested", target=export, school=pupil.school_id, kind=export.kind)
    outbox.record(EXPORT, target=export)
    return export


@transaction.atomic
def subject_access_export_start(*, user: User, data_request: DataRequest, client_key: str = "") -> Export:
    """The school's data protection lead starts the export answering a subject-access request:
    everything held about the requester (and the child, or their children at the school). The
    caller checked `user` may answer it (`accounts.privacy.policies.access_data_request_to_answer`).
    Refuses (ExportError) a request that is not a subject-access request."""
    if data_request.kind != DataRequest.Kind.ACCESS:
        raise ExportError(_("Only a request for a copy of someone's data (subject access) is answered with an export."))
    earlier = _earlier(user=user, client_key=client_key)
    if earlier is not None:
        return earlier
    live = Export.objects.filter(kind=ExportKind.SUBJECT_ACCESS, data_request=data_request, status__in=LIVE).first()
    if live is not None:
        return live
    export = Export.objects.create(
        kind=ExportKind.SUBJECT_ACCESS,
        school_id=data_request.school_id,
        pupil_id=data_request.pupil_id,
        subject_id=data_request.requester_id,
        data_request=data_request,
        requested_by=user,
        client_key=_free_key(client_key),
    )
    audit.record(
        actor=user,
        action="export.requested",
        target=export,
        school=data_request.school_id,
        kind=export.kind,
        data_request=data_request.pk,
    )
    outbox.record(EXPORT, target=export)
    return export


def export_downloaded(*, user: User, export: Export) -> None:
    """Audit a download (the zip holds a family's data)."""
    audit.record(actor=user, action="export.downloaded", target=export, school=export.school_id, kind=export.kind)


STUCK_REASON = gettext_lazy("It took too long to make, so it was stopped. Please ask for a new one.")


def exports_tidy(*, now: datetime.datetime | None = None) -> dict:
    """The periodic clean-up: delete the files of exports whose time is up (the row stays, without
    its file, so the page can say it expired), and fail jobs running for longer than
    REPORTS_JOB_TIME_LIMIT (a worker killed mid-way and never retried), so none stays "generating".
    Returns how many of each."""
    now = now or timezone.now()
    deleted = 0
    expired = Export.objects.filter(status=JobStatus.READY, expires_at__lte=now).exclude(file="")
    for export_id in expired.values_list("pk", flat=True):
        deleted += _delete_file(export_id=export_id, now=now)
    limit = datetime.timedelta(seconds=settings.REPORTS_JOB_TIME_LIMIT)
    # Generous: a job retried by the outbox waits for its backoff before it starts again.
    stuck = Export.objects.filter(status__in=LIVE).filter(
        Q(started_at__lt=now - 4 * limit) | Q(started_at__isnull=True, created_at__lt=now - 4 * limit)
    )
    failed = stuck.update(status=JobStatus.FAILED, failure_reason=str(STUCK_REASON)[:300], finished_at=now)
    return {"deleted": deleted, "failed": failed}


@transaction.atomic
def _delete_file(*, export_id: int, now: datetime.datetime) -> int:
    export = Export.objects.select_for_update().filter(pk=export_id, expires_at__lte=now).exclude(file="").first()
    if export is None:
        return 0
    name = export.file.name
    # The row is changed first and the file deleted after the commit: a rollback never leaves a
    # row pointing at a file that is gone.
    export.file = ""
    export.save(update_fields=["file"])
    audit.record(actor=None, action="export.file_deleted", target=export, school=export.school_id, kind=export.kind)
    storage = Export._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))
    return 1
