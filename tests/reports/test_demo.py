"""The reports demo: Urban Home School's automatic sending, and Grace Mwangi's two ready weekly
reports (with their PDFs); seeding again adds nothing."""

from django.core.management import call_command

from accounts.models import User
from hub.models import OutboxEntry
from reports import demo
from reports.models import JobStatus, Report, ReportBatch, ReportSetting
from reports.policies import reports_visible_to


def _counts() -> dict:
    return {model.__name__: model.objects.count() for model in (Report, ReportBatch, ReportSetting, OutboxEntry)}


def test_grace_has_two_ready_weekly_reports_and_a_second_seed_adds_nothing(db, django_capture_on_commit_callbacks):
    # The seed's jobs run when it commits, as in the demo.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", quiet=True)
    grace = User.objects.get(email=demo.GUARDIAN_EMAIL)
    reports = list(reports_visible_to(grace).select_related("pupil").order_by("pupil__first_name"))
    assert [r.pupil.first_name for r in reports] == ["Jabari", "Neema"]
    for report in reports:
        assert (report.kind, report.status) == ("weekly", JobStatus.READY), report.failure_reason
        with report.pdf.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    assert ReportSetting.objects.filter(school__slug=demo.URBAN, send_to_families=True).count() == 2
    first = _counts()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", quiet=True)
    assert _counts() == first
