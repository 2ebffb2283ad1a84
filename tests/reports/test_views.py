"""The report pages from the outside: who gets what (the family's guardian 200; another household,
another school, a co-parent without the "reports" scope 404; anonymous to sign-in), what a parent
sees while a report is made and when it is ready or failed, the PDF, the filters and pages of the
list, and a teacher's class batches."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import AuditEntry, TOTPDevice
from accounts.policies import requires_two_factor
from reports.models import Copy, JobStatus, Report, ReportBatch
from tests.conftest import force_verified_login
from tests.reports.pages_kit import FAKE_PDF, finish, withdraw_reports_scope


def _report(pupil, *, kind="weekly", copy=Copy.FAMILY, end=dt.date(2026, 11, 22), status=JobStatus.QUEUED, **extra):
    start = end - dt.timedelta(days=6)
    return Report.objects.create(
        school=pupil.school,
        pupil=pupil,
        kind=kind,
        copy=copy,
        period_start=start,
        period_end=end,
        status=status,
        **extra,
    )


def _signed_in(client, user):
    """Signed in, past the second factor where the person's role needs one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and requires_two_factor(user):
        force_verified_login(client, user)
        return client
    client.force_login(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _body(response) -> str:
    return response.content.decode()


# --- Who may see what ---------------------------------------------------------------------------


def _urls(report):
    return [
        reverse("reports:detail", args=[report.public_id]),
        reverse("reports:progress", args=[report.public_id]),
        reverse("reports:pdf", args=[report.public_id]),
    ]


def test_the_family_s_guardian_opens_their_report_and_its_pdf(client, household):
    report = finish(_report(household.child))
    _signed_in(client, household.parent)
    for url in _urls(report):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["other_parent", "far_parent", "co_parent_without_scope", "teacher", "far_teacher"])
def test_anyone_else_guessing_the_report_gets_404(client, household, who):
    report = finish(_report(household.child))
    if who == "co_parent_without_scope":
        withdraw_reports_scope(household.co_parent, household.child)
        user = household.co_parent
    else:
        user = getattr(household, who)
    _signed_in(client, user)
    for url in [*_urls(report), reverse("reports:retry", args=[report.public_id])]:
        method = client.post if url.endswith("/retry/") else client.get
        response = method(url)
        assert response.status_code == 404, (who, url)
        assert "Neema" not in _body(response)


def test_anonymous_visitors_are_sent_to_sign_in(client, household):
    report = finish(_report(household.child))
    batch = ReportBatch.objects.create(
        school=household.school,
        class_group=household.class_group,
        kind="weekly",
        period_start=report.period_start,
        period_end=report.period_end,
    )
    urls = [
        reverse("reports:list"),
        *_urls(report),
        reverse("reports:classes"),
        reverse("reports:class", args=[household.class_group.pk]),
        reverse("reports:batch", args=[batch.pk]),
        reverse("reports:batch_progress", args=[batch.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"] or "login" in response["Location"], url


def test_a_teacher_sees_the_school_s_copy_not_the_family_s(client, household):
    school_copy = finish(_report(household.child, copy=Copy.SCHOOL))
    family_copy = finish(_report(household.child, copy=Copy.FAMILY))
    force_verified_login(client, household.teacher)
    assert client.get(reverse("reports:detail", args=[school_copy.public_id])).status_code == 200
    assert client.get(reverse("reports:pdf", args=[school_copy.public_id])).status_code == 200
    assert client.get(reverse("reports:detail", args=[family_copy.public_id])).status_code == 404


# --- The list and the "Generate a report" form ----------------------------------------------------


def test_the_list_shows_the_family_s_reports_newest_first_and_not_another_family_s(client, household):
    older = finish(_report(household.child, end=dt.date(2026, 11, 15)))
    newer = _report(household.second_child, end=dt.date(2026, 11, 22))
    _report(household.other_child)
    _report(household.child, copy=Copy.SCHOOL, end=dt.date(2026, 11, 8))
    _signed_in(client, household.parent)
    body = _body(client.get(reverse("reports:list")))
    assert "Secretfamily" not in body
    links = re.findall(r'href="/reports/([0-9a-f-]{36})/"', body)
    assert links == [str(newer.public_id), str(older.public_id)]
    assert body.count("Download PDF") == 1  # only the ready one has a PDF
    assert "Generate a report" in body


def test_the_list_filters_by_child_kind_and_period(client, household):
    neema_weekly = _report(household.child, end=dt.date(2026, 11, 22))
    neema_monthly = _report(household.child, kind="monthly", end=dt.date(2026, 10, 31))
    jabari = _report(household.second_child, end=dt.date(2026, 11, 22))
    long_ago = _report(household.child, end=dt.date(2024, 1, 7))
    _signed_in(client, household.parent)

    def shown(**query):
        body = _body(client.get(reverse("reports:list"), query))
        return set(re.findall(r'href="/reports/([0-9a-f-]{36})/"', body))

    everything = {str(r.public_id) for r in (neema_weekly, neema_monthly, jabari, long_ago)}
    assert shown() == everything
    assert shown(child=household.child.pk) == everything - {str(jabari.public_id)}
    assert shown(kind="monthly") == {str(neema_monthly.public_id)}
    assert str(long_ago.public_id) not in shown(period="12m")
    # Another family's child in the URL filters nothing (and tells nothing).
    assert shown(child=household.other_child.pk) == everything
    assert shown(kind="junk", period="junk") == everything


def test_the_list_is_paginated(client, household):
    for weeks in range(23):
        _report(household.child, end=dt.date(2026, 11, 22) - dt.timedelta(weeks=weeks))
    _signed_in(client, household.parent)
    first = _body(client.get(reverse("reports:list"), {"kind": "weekly"}))
    assert len(re.findall(r'href="/reports/([0-9a-f-]{36})/"', first)) == 20
    assert "kind=weekly&amp;page=2" in first
    second = _body(client.get(reverse("reports:list"), {"kind": "weekly", "page": 2}))
    assert len(re.findall(r'href="/reports/([0-9a-f-]{36})/"', second)) == 3


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:list"))
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_few_and_many_reports(client, household):
    _signed_in(client, household.parent)
    finish(_report(household.child))
    few = _list_queries(client)
    for weeks in range(1, 40):
        report = _report(
            household.child if weeks % 2 else household.second_child,
            end=dt.date(2026, 11, 22) - dt.timedelta(weeks=weeks),
        )
        if weeks % 3 == 0:
            finish(report)
    many = _list_queries(client)
    assert many == few, (few, many)
    assert few <= 14


def test_a_parent_generates_a_report_and_lands_on_its_page(client, household, fake_job):
    _signed_in(client, household.parent)
    form = {"pupil": household.child.pk, "kind": "weekly", "client_key": "click-123456789"}
    with fake_job.committed():
        response = client.post(reverse("reports:list"), form)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.public_id])
    assert (report.pupil, report.kind, report.copy, report.requested_by) == (
        household.child,
        "weekly",
        Copy.FAMILY,
        household.parent,
    )
    # Pressed twice: the same report, asked for once.
    with fake_job.committed():
        again = client.post(reverse("reports:list"), form)
    assert again["Location"] == response["Location"]
    assert Report.objects.count() == 1
    assert fake_job.runs == [report.pk]


def test_the_form_comes_back_with_its_errors(client, household, fake_job):
    _signed_in(client, household.parent)
    response = client.post(
        reverse("reports:list"), {"pupil": household.other_child.pk, "kind": "", "client_key": "k-12345678"}
    )
    assert response.status_code == 422
    body = _body(response)
    assert "There is a problem" in body
    assert "Choose which child the report is about." in body
    assert "Choose a kind of report." in body
    assert "<title>Error:" in body
    assert "Secretfamily" not in body
    assert not Report.objects.exists()


def test_a_co_parent_without_the_scope_is_not_offered_the_child(client, household, fake_job):
    withdraw_reports_scope(household.co_parent, household.child)
    _signed_in(client, household.co_parent)
    body = _body(client.get(reverse("reports:list")))
    assert "Jabari" in body
    assert "Neema" not in body
    response = client.post(reverse("reports:list"), {"pupil": household.child.pk, "kind": "weekly"})
    assert response.status_code == 422
    assert not Report.objects.exists()


# --- One report: progress, ready, failed, the PDF ---------------------------------------------------


def test_a_queued_report_shows_its_progress_and_polls_for_more(client, household):
    report = _report(household.child)
    _signed_in(client, household.parent)
    body = _body(client.get(reverse("reports:detail", args=[report.public_id])))
    assert 'role="status"' in body
    assert "Queued" in body
    progress_url = reverse("reports:progress", args=[report.public_id])
    assert f'hx-get="{progress_url}"' in body
    assert 'hx-trigger="every 2s"' in body
    assert "Download PDF" not in body

    report.status, report.done_steps, report.total_steps = JobStatus.GENERATING, 3, 6
    report.save()
    fragment = _body(client.get(progress_url))
    assert "Generating 3 of 6" in fragment
    assert "<html" not in fragment
    assert "every 2s" in fragment  # still polling


def test_the_progress_stops_polling_when_the_report_is_ready(client, household):
    report = finish(_report(household.child))
    _signed_in(client, household.parent)
    fragment = _body(client.get(reverse("reports:progress", args=[report.public_id])))
    assert "Your report is ready" in fragment
    assert "hx-get" not in fragment
    assert reverse("reports:pdf", args=[report.public_id]) in fragment
    page = _body(client.get(reverse("reports:detail", args=[report.public_id])))
    assert "Neema learned for 120 minutes on 4 days this week." in page
    assert "Download PDF" in page
    assert "hx-get" not in page


def test_a_failed_report_says_why_and_can_be_tried_again(client, household, fake_job):
    report = finish(_report(household.child), status=JobStatus.FAILED, reason="The records could not be read.")
    _signed_in(client, household.parent)
    page = _body(client.get(reverse("reports:detail", args=[report.public_id])))
    assert "Failed" in page
    assert "The records could not be read." in page
    assert "Try again" in page
    assert "hx-get" not in page
    fake_job.outcome = "ready"
    with fake_job.committed():
        response = client.post(reverse("reports:retry", args=[report.public_id]))
    assert response["Location"] == reverse("reports:detail", args=[report.public_id])
    report.refresh_from_db()
    assert report.status == JobStatus.READY
    assert client.get(reverse("reports:retry", args=[report.public_id])).status_code == 405


def test_the_pdf_is_downloaded_as_a_named_attachment_and_audited(client, household):
    report = finish(_report(household.child))
    _signed_in(client, household.parent)
    response = client.get(reverse("reports:pdf", args=[report.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="neema-mwangi-weekly-2026-11-16-2026-11-22.pdf"'
    assert b"".join(response.streaming_content) == FAKE_PDF
    entry = AuditEntry.objects.get(action="report.downloaded")
    assert (entry.actor_id, entry.target_id) == (household.parent.pk, str(report.pk))


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.GENERATING, JobStatus.FAILED])
def test_no_pdf_before_the_report_is_ready(client, household, status):
    report = _report(household.child, status=status)
    _signed_in(client, household.parent)
    assert client.get(reverse("reports:pdf", args=[report.public_id])).status_code == 404
    assert not AuditEntry.objects.filter(action="report.downloaded").exists()


# --- Staff: a class's reports ---------------------------------------------------------------------


def test_a_teacher_generates_for_their_class_and_watches_the_batch(client, household, fake_job):
    force_verified_login(client, household.teacher)
    classes = _body(client.get(reverse("reports:classes")))
    assert "Grade 3" in classes
    assert "Grade 6" not in classes
    page = client.get(reverse("reports:class", args=[household.class_group.pk]))
    assert page.status_code == 200
    with fake_job.committed():
        response = client.post(reverse("reports:class", args=[household.class_group.pk]), {"kind": "weekly"})
    batch = ReportBatch.objects.get()
    assert response["Location"] == reverse("reports:batch", args=[batch.pk])
    body = _body(client.get(response["Location"]))
    assert "0 of 2 ready" in body
    assert f'hx-get="{reverse("reports:batch_progress", args=[batch.pk])}"' in body
    assert "Neema Mwangi" in body
    assert "Jabari Mwangi" in body
    finish(batch.reports.get(pupil=household.child))
    fragment = _body(client.get(reverse("reports:batch_progress", args=[batch.pk])))
    assert "1 of 2 ready" in fragment
    assert "every 2s" in fragment
    finish(batch.reports.get(pupil=household.second_child), status=JobStatus.FAILED)
    fragment = _body(client.get(reverse("reports:batch_progress", args=[batch.pk])))
    assert "1 of 2 ready, 1 failed" in fragment
    assert "hx-get" not in fragment


def test_another_class_and_its_batches_answer_404(client, household, fake_job):
    force_verified_login(client, household.far_teacher)
    with fake_job.committed():
        client.post(reverse("reports:class", args=[household.class_group.pk]), {"kind": "weekly"})
    assert not ReportBatch.objects.exists()
    force_verified_login(client, household.teacher)
    for class_group in (household.other_class,):
        assert client.get(reverse("reports:class", args=[class_group.pk])).status_code == 404
        assert client.post(reverse("reports:class", args=[class_group.pk]), {"kind": "weekly"}).status_code == 404
    assert not ReportBatch.objects.exists()
    with fake_job.committed():
        client.post(reverse("reports:class", args=[household.class_group.pk]), {"kind": "weekly"})
    batch = ReportBatch.objects.get()
    for user in (household.far_teacher, household.parent):
        client = _signed_in(Client(), user)
        assert client.get(reverse("reports:batch", args=[batch.pk])).status_code == 404
        assert client.get(reverse("reports:batch_progress", args=[batch.pk])).status_code == 404
    assert client.get(reverse("reports:classes")).status_code == 404  # a parent has no classes


def test_the_class_form_comes_back_with_its_error(client, household, fake_job):
    force_verified_login(client, household.teacher)
    response = client.post(reverse("reports:class", args=[household.class_group.pk]), {"kind": "daily"})
    assert response.status_code == 422
    body = _body(response)
    assert "There is a problem" in body
    assert "Choose a kind of report." in body
    assert not ReportBatch.objects.exists()


def test_trying_the_failed_ones_again_retries_that_batch_s_own_period(client, household, fake_job):
    """A batch of an earlier week: its failed reports are queued again for that week, nothing is
    made for the week current today, and other people's guesses at the button answer 404."""
    from reports import services

    earlier = dt.date(2026, 10, 14)
    with fake_job.committed():
        batch = services.generate_for_class(
            user=household.teacher, class_group=household.class_group, kind="weekly", on=earlier
        )
    failed = finish(batch.reports.get(pupil=household.second_child), status=JobStatus.FAILED)
    finish(batch.reports.get(pupil=household.child))
    force_verified_login(client, household.teacher)
    assert "Try the failed ones again" in _body(client.get(reverse("reports:batch", args=[batch.pk])))
    for user in (household.far_teacher, household.parent):
        assert _signed_in(Client(), user).post(reverse("reports:batch_retry", args=[batch.pk])).status_code == 404
    failed.refresh_from_db()
    assert failed.status == JobStatus.FAILED
    fake_job.runs.clear()
    with fake_job.committed():
        response = client.post(reverse("reports:batch_retry", args=[batch.pk]))
    assert response["Location"] == reverse("reports:batch", args=[batch.pk])
    failed.refresh_from_db()
    assert failed.status == JobStatus.QUEUED
    assert (failed.period_start, failed.period_end) == (batch.period_start, batch.period_end)
    assert fake_job.runs == [failed.pk]
    assert ReportBatch.objects.count() == 1
    assert Report.objects.count() == 2
