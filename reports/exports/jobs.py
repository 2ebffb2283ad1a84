"""The export job: builds one export's zip, counting its steps as it goes, and stores it.

Run after the commit by the outbox effect "reports.export" (`reports.exports.effects`), outside
any transaction, so each step's count is committed at once and the export's page can show
"3 of 8". A step that fails leaves the export QUEUED with `attempts` counted and raises: the
outbox runs it again after a backoff, from the start (a fresh zip). After MAX_ATTEMPTS it ends
FAILED with a reason a person can read; it is never left "generating" (see also
`services.exports_tidy`, which fails jobs that ran too long).
"""

import json
import logging
import shutil
import tempfile
import zipfile

from django.conf import settings
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts import audit
from hub import outbox
from reports import pdf as report_pdf
from reports.exports import portfolio, subject_access
from reports.exports.delivery import EXPORT_READY
from reports.exports.services import expiry_from
from reports.models import Export, ExportKind, JobStatus
from reports.policies import pupils_for_family_reports

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class Unavailable(Exception):
    """The export may no longer be made (the guardian lost the right to see the child): it fails
    at once, without retries, with this sentence."""


def run_export(export_id: int) -> None:
    export = (
        Export.objects.select_related("pupil", "requested_by", "subject", "data_request").filter(pk=export_id).first()
    )
    if export is None or export.is_finished:
        return  # a repeated run after it finished does nothing
    Export.objects.filter(pk=export.pk).update(
        status=JobStatus.GENERATING, attempts=F("attempts") + 1, started_at=timezone.now(), done_steps=0
    )
    export.refresh_from_db(fields=["status", "attempts", "started_at", "done_steps"])
    language = _language_of(export)
    try:
        with translation.override(language), tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                if export.kind == ExportKind.PORTFOLIO:
                    _portfolio(export, archive, language)
                else:
                    _subject_access(export, archive, language)
            _store(export, spool)
    except Unavailable as refusal:
        _fail(export, str(refusal))
    except Exception as error:
        logger.warning("export %s failed at step %s (attempt %s)", export.pk, export.done_steps, export.attempts)
        with translation.override(language):
            if export.attempts >= MAX_ATTEMPTS:
                _fail(
                    export,
                    _(
                        "Something went wrong while making it (step %(step)s of %(total)s), and trying again did not help."
                    )
                    % {"step": export.done_steps + 1, "total": max(export.total_steps, export.done_steps + 1)},
                )
                return
            Export.objects.filter(pk=export.pk).update(
                status=JobStatus.QUEUED, failure_reason=_("Something went wrong; we are trying again.")[:300]
            )
        raise error


def _language_of(export: Export) -> str:
    person = export.subject if export.kind == ExportKind.SUBJECT_ACCESS else export.requested_by
    return getattr(person, "preferred_language", "") or settings.LANGUAGE_CODE


def _total(export: Export, total: int) -> None:
    export.total_steps = total
    Export.objects.filter(pk=export.pk).update(total_steps=total)


def _step_done(export: Export) -> None:
    export.done_steps += 1
    Export.objects.filter(pk=export.pk).update(done_steps=export.done_steps)


def add_item(archive: zipfile.ZipFile, item, name: str) -> None:
    """Copy one portfolio file into the zip (a module-level step, so a test can make it fail)."""
    with item.file.open("rb") as source, archive.open(name, "w") as target:
        shutil.copyfileobj(source, target)


def _portfolio(export: Export, archive: zipfile.ZipFile, language: str) -> None:
    user, pupil = export.requested_by, export.pupil
    if user is None or not pupils_for_family_reports(user).filter(pk=pupil.pk).exists():
        raise Unavailable(_("You can no longer see this child's portfolio, so the export was stopped."))
    items = list(portfolio.items_for_export(user=user, pupil=pupil))
    _total(export, len(items))
    entries = []
    for position, item in enumerate(items, start=1):
        name = ""
        if item.file:
            name = portfolio.readable_name(position, item)
            add_item(archive, item, name)
        entries.append(portfolio.Entry(item=item, filename=name))
        _step_done(export)
    archive.writestr(portfolio.INDEX_NAME, portfolio.index_html(pupil=pupil, entries=entries, language=language))


def _subject_access(export: Export, archive: zipfile.ZipFile, language: str) -> None:
    scope = subject_access.Scope(subject=export.subject, data_request=export.data_request)
    _total(export, len(subject_access.KINDS) + 1)
    counts = []
    for kind in subject_access.KINDS:
        rows = kind.collect(scope)
        archive.writestr(kind.filename, json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        counts.append({"label": str(kind.label), "filename": kind.filename, "count": len(rows)})
        _step_done(export)
    archive.writestr(subject_access.SUMMARY_NAME, summary_pdf(export=export, counts=counts, language=language))
    _step_done(export)


def summary_pdf(*, export: Export, counts: list[dict], language: str) -> bytes:
    """The readable summary: whose data, which school, each kind's count and file. A4, tagged (PDF/UA-1)."""
    data_request = export.data_request
    school = data_request.school
    with translation.override(language):
        html = render_to_string(
            "reports/exports/subject_access_summary.html",
            {
                "language": translation.get_language(),
                "subject": export.subject,
                "school": school,
                "data_request": data_request,
                "children": list(subject_access.Scope(subject=export.subject, data_request=data_request).children()),
                "counts": counts,
                "made_on": formats.date_format(timezone.localtime(timezone.now(), school.zone), "j F Y"),
            },
        )
    from weasyprint import HTML  # loaded only when a PDF is made (slow to import)

    return HTML(string=html).write_pdf(pdf_variant=report_pdf.PDF_VARIANT, font_config=report_pdf.font_configuration())


def _store(export: Export, spool) -> None:
    size = spool.tell()
    spool.seek(0)
    now = timezone.now()
    with transaction.atomic():
        export.file.save("export.zip", File(spool), save=False)
        export.size = size
        export.status = JobStatus.READY
        export.failure_reason = ""
        export.finished_at = now
        export.expires_at = expiry_from(now)
        export.done_steps = export.total_steps
        export.save(
            update_fields=["file", "size", "status", "failure_reason", "finished_at", "expires_at", "done_steps"]
        )
        audit.record(actor=None, action="export.ready", target=export, school=export.school_id, kind=export.kind)
        if export.kind == ExportKind.SUBJECT_ACCESS:
            # In the same transaction: announced if and only if it became ready.
            outbox.record(EXPORT_READY, target=export)


def _fail(export: Export, reason: str) -> None:
    Export.objects.filter(pk=export.pk).update(
        status=JobStatus.FAILED, failure_reason=reason[:300], finished_at=timezone.now()
    )
