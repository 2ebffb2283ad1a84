"""`manage.py generate_reports` for a whole school: every current pupil's copy, once."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.models import Copy, Report, ReportBatch


def _run(*args) -> str:
    out = StringIO()
    call_command("generate_reports", *args, stdout=out)
    return out.getvalue()


def test_a_whole_school_gets_its_weekly_reports_once(household, fake_job):
    with fake_job.committed():
        said = _run("--school", household.school.slug, "--kind", "weekly", "--period", "2026-11-25")
    reports = Report.objects.filter(school=household.school)
    assert reports.count() == 3  # Neema, Jabari and the other family's child
    assert set(reports.values_list("copy", "period_start", "period_end").distinct()) == {
        (Copy.FAMILY, dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    }
    assert "queued 3 new report(s)" in said
    assert len(fake_job.runs) == 3
    assert not Report.objects.filter(school=household.far_child.school).exists()

    with fake_job.committed():
        again = _run("--school", household.school.slug, "--kind", "weekly", "--period", "2026-11-27")
    assert "queued 0 new report(s)" in again
    assert Report.objects.count() == 3
    assert ReportBatch.objects.count() == 1
    assert len(fake_job.runs) == 3


def test_the_school_s_copies_on_request(household, fake_job):
    with fake_job.committed():
        _run("--school", household.school.slug, "--kind", "monthly", "--period", "2026-11-25", "--copy", "school")
    assert set(Report.objects.values_list("copy", flat=True)) == {Copy.SCHOOL}


def test_an_unknown_school_or_kind_is_refused(household):
    with pytest.raises(CommandError, match="No school"):
        _run("--school", "nowhere", "--kind", "weekly")
    with pytest.raises(CommandError):
        _run("--school", household.school.slug, "--kind", "yearly")
    assert not Report.objects.exists()
