"""Report rows nobody at the first school (or in the first family) may see, for the resolver walk
(tests/test_authorization.py): the far school's pupil's ready family copy and school copy (with a
stored PDF), its class batch, and the other family's report at the first school, each carrying a
marker that must never show. Report URLs name reports by public id (a UUID): the walk's integer
ids do not resolve, which is itself the 404 a guesser gets; batches are named by integer id."""

import datetime as dt

from django.core.files.base import ContentFile

from reports.models import Copy, JobStatus, Report, ReportBatch

PARAMETER_MODELS: dict = {"report_id": Report, "batch_id": ReportBatch}


def _ready(pupil, *, copy, summary, batch=None) -> Report:
    report = Report(
        school=pupil.school,
        pupil=pupil,
        kind="weekly",
        copy=copy,
        period_start=dt.date(2026, 11, 16),
        period_end=dt.date(2026, 11, 22),
        status=JobStatus.READY,
        narrative=summary,
        content={"activity": {"minutes": 42, "days": 2}},
        batch=batch,
    )
    report.pdf.save("far.pdf", ContentFile(b"%PDF-1.7 " + summary.encode()), save=False)
    report.save()
    return report


def forbidden_rows(world) -> dict:
    batch = ReportBatch.objects.create(
        school=world.other_school,
        class_group=world.far_class,
        kind="weekly",
        period_start=dt.date(2026, 11, 16),
        period_end=dt.date(2026, 11, 22),
        requested_by=world.far_teacher,
    )
    reports = [
        _ready(world.far_pupil, copy=Copy.FAMILY, summary="Farschool family report"),
        _ready(world.far_pupil, copy=Copy.SCHOOL, summary="Farschool school report", batch=batch),
        _ready(world.other_child, copy=Copy.FAMILY, summary="Secretfamily report"),
    ]
    return {Report: [report.pk for report in reports], ReportBatch: [batch.pk]}
