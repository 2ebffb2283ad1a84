"""The export pages in the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
the world's parent gets a ready portfolio export of their child (with an approved item), one still
being made (the progress region), and a subject-access export answering their data request; the
school's data protection lead opens the start page for that request."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import DataRequest
from progress.models import PortfolioItem
from reports.exports import jobs
from reports.models import Export, ExportKind, JobStatus

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _dpl(world):
    if getattr(world, "dpl", None) is None:
        world.dpl = world.staff("Dana Dataprotection", "dpl")
    return world.dpl


def candidates(world) -> dict:
    PortfolioItem.objects.create(
        pupil=world.child,
        kind="work",
        title="Volcano model",
        description="Made from clay at home.",
        file=SimpleUploadedFile("volcano.png", PNG, content_type="image/png"),
        original_name="volcano.png",
        content_type="image/png",
        status="approved",
        added_by=world.teacher,
    )
    ready = Export.objects.create(
        kind=ExportKind.PORTFOLIO, school=world.school, pupil=world.child, requested_by=world.parent
    )
    jobs.run_export(ready.pk)
    making = Export.objects.create(
        kind=ExportKind.PORTFOLIO,
        school=world.school,
        pupil=world.child,
        requested_by=world.parent,
        status=JobStatus.GENERATING,
        done_steps=1,
        total_steps=3,
        started_at=timezone.now(),
    )
    request = DataRequest.objects.create(
        school=world.school,
        requester=world.parent,
        kind="access",
        details="A copy of everything, please.",
        received_at=timezone.now(),
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    subject_access = Export.objects.create(
        kind=ExportKind.SUBJECT_ACCESS,
        school=world.school,
        subject=world.parent,
        data_request=request,
        requested_by=_dpl(world),
    )
    jobs.run_export(subject_access.pk)
    return {
        "export_id": [str(ready.public_id), str(making.public_id), str(subject_access.public_id)],
        "request_id": [request.pk],
    }


def roles(world) -> dict:
    return {"dpl": _dpl(world)}
