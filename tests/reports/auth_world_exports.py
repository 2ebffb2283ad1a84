"""Exports for the resolver walk (tests/test_authorization.py): another family's portfolio export
at the first school, and a portfolio and a subject-access export at the other school, all ready
with a file, and a data request at the other school. Their pages would name "Secretfamily" or
"Farschool" if they leaked. Exports are named by public id (a UUID), so those are the values."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import DataRequest
from reports.models import Export, ExportKind, JobStatus

PARAMETER_MODELS = {"export_id": Export, "request_id": DataRequest}


def _ready(**fields) -> Export:
    export = Export.objects.create(
        status=JobStatus.READY,
        finished_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=7),
        **fields,
    )
    export.file.save("export.zip", ContentFile(b"PK Secretfamily Farschool"), save=True)
    return export


def forbidden_rows(world) -> dict:
    far_request = DataRequest.objects.create(
        school=world.other_school,
        requester=world.far_parent,
        kind="access",
        details="Farschool copy please",
        received_at=timezone.now(),
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    exports = [
        _ready(
            kind=ExportKind.PORTFOLIO, school=world.school, pupil=world.other_child, requested_by=world.other_parent
        ),
        _ready(
            kind=ExportKind.PORTFOLIO, school=world.other_school, pupil=world.far_pupil, requested_by=world.far_parent
        ),
        _ready(
            kind=ExportKind.SUBJECT_ACCESS,
            school=world.other_school,
            pupil=world.far_pupil,
            subject=world.far_parent,
            data_request=far_request,
        ),
    ]
    return {Export: [export.public_id for export in exports], DataRequest: [far_request.pk]}
