"""Asking for reports: a parent for a child (once per period, once per click), a retry of a failed
one, a teacher for their own class, the school's automatic sending on its day only and once, and
the family told when an automatic report is ready."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import AuditEntry
from hub.models import OutboxEntry
from messaging.models import Notification
from reports import services
from reports.delivery import READY_KIND
from reports.models import Copy, JobStatus, Report, ReportBatch, ReportSetting
from tests.reports.pages_kit import finish, withdraw_reports_scope

# A Wednesday: the weekly report covers Monday 16 to Sunday 22 November.
WEDNESDAY = dt.date(2026, 11, 25)


def test_a_parent_asks_for_a_weekly_report_of_last_week(household, fake_job):
    with fake_job.committed():
        report = services.request_report(user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY)
    assert (report.period_start, report.period_end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert report.copy == Copy.FAMILY
    assert report.status == JobStatus.QUEUED
    assert report.language == "en-gb"
    assert report.requested_by == household.parent
    assert fake_job.runs == [report.pk]  # the job was asked for (run at commit)
    assert AuditEntry.objects.filter(action="report.requested", target_id=str(report.pk)).exists()


def test_the_same_key_twice_makes_one_report(household, fake_job):
    with fake_job.committed():
        first = services.request_report(
            user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY, client_key="key-123456789"
        )
    with fake_job.committed():
        again = services.request_report(
            user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY, client_key="key-123456789"
        )
    assert again.pk == first.pk
    assert Report.objects.count() == 1
    assert fake_job.runs == [first.pk]


def test_asking_again_for_the_same_period_returns_the_existing_copy(household, fake_job):
    fake_job.outcome = "ready"
    with fake_job.committed():
        first = services.request_report(user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY)
    # Another day of the same week, another click (a new key): the same report, ready already.
    with fake_job.committed():
        again = services.request_report(
            user=household.parent,
            pupil=household.child,
            kind="weekly",
            on=WEDNESDAY + dt.timedelta(days=2),
            client_key="other-key-1",
        )
    assert again.pk == first.pk
    assert again.status == JobStatus.READY
    assert len(fake_job.runs) == 1
    # The next week is another report.
    with fake_job.committed():
        later = services.request_report(
            user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY + dt.timedelta(days=7)
        )
    assert later.pk != first.pk


def test_a_guardian_without_the_reports_scope_cannot_ask(household, fake_job):
    withdraw_reports_scope(household.co_parent, household.child)
    with pytest.raises(PermissionDenied):
        services.request_report(user=household.co_parent, pupil=household.child, kind="weekly", on=WEDNESDAY)
    with pytest.raises(PermissionDenied):
        services.request_report(user=household.other_parent, pupil=household.child, kind="weekly", on=WEDNESDAY)
    assert not Report.objects.exists()


def test_an_unknown_kind_is_refused_with_a_sentence(household, fake_job):
    with pytest.raises(services.ReportRefused) as refusal:
        services.request_report(user=household.parent, pupil=household.child, kind="yearly", on=WEDNESDAY)
    assert str(refusal.value.message) == "Choose a kind of report."


def test_a_failed_report_is_tried_again_once(household, fake_job):
    fake_job.outcome = "failed"
    with fake_job.committed():
        report = services.request_report(user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY)
    report.refresh_from_db()
    assert report.status == JobStatus.FAILED
    fake_job.outcome = "ready"
    with fake_job.committed():
        retried = services.retry_report(user=household.parent, report=report)
    retried.refresh_from_db()
    assert retried.status == JobStatus.READY
    assert fake_job.runs == [report.pk, report.pk]
    # A second click on "Try again" after it is ready changes nothing and asks for no job.
    with fake_job.committed():
        services.retry_report(user=household.parent, report=retried)
    assert fake_job.runs == [report.pk, report.pk]
    assert AuditEntry.objects.filter(action="report.retried").count() == 1


def test_a_teacher_generates_the_school_s_copies_for_their_class(household, fake_job):
    with fake_job.committed():
        batch = services.generate_for_class(
            user=household.teacher, class_group=household.class_group, kind="weekly", on=WEDNESDAY
        )
    reports = list(batch.reports.order_by("pupil__first_name"))
    assert [r.pupil for r in reports] == [household.second_child, household.child]
    assert {r.copy for r in reports} == {Copy.SCHOOL}
    assert (batch.period_start, batch.period_end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    # Again: the same batch, nothing new.
    with fake_job.committed():
        again = services.generate_for_class(
            user=household.teacher, class_group=household.class_group, kind="weekly", on=WEDNESDAY
        )
    assert again.pk == batch.pk
    assert Report.objects.count() == 2
    assert len(fake_job.runs) == 2


def test_generating_a_class_again_retries_its_failed_reports(household, fake_job):
    fake_job.outcome = "failed"
    with fake_job.committed():
        batch = services.generate_for_class(
            user=household.teacher, class_group=household.class_group, kind="weekly", on=WEDNESDAY
        )
    fake_job.outcome = "ready"
    with fake_job.committed():
        services.generate_for_class(
            user=household.teacher, class_group=household.class_group, kind="weekly", on=WEDNESDAY
        )
    assert set(batch.reports.values_list("status", flat=True)) == {JobStatus.READY}


def test_a_teacher_cannot_generate_for_a_class_they_do_not_teach(household, fake_job):
    for user, group in [(household.teacher, household.other_class), (household.far_teacher, household.class_group)]:
        with pytest.raises(PermissionDenied):
            services.generate_for_class(user=user, class_group=group, kind="weekly", on=WEDNESDAY)
    assert not ReportBatch.objects.exists()


def test_a_school_run_makes_the_families_copies_once(household, fake_job):
    with fake_job.committed():
        batch, made = services.generate_for_school(school=household.school, kind="monthly", on=WEDNESDAY)
    assert made == 3  # Neema, Jabari and the other family's child
    assert (batch.period_start, batch.period_end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert set(batch.reports.values_list("copy", flat=True)) == {Copy.FAMILY}
    with fake_job.committed():
        again, made_again = services.generate_for_school(school=household.school, kind="monthly", on=WEDNESDAY)
    assert (again.pk, made_again) == (batch.pk, 0)
    assert Report.objects.count() == 3


def _weekly_on_mondays(school) -> ReportSetting:
    return ReportSetting.objects.create(school=school, kind="weekly", send_to_families=True, weekday=0)


def _at_noon_utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


def test_automatic_sending_goes_on_the_school_s_day_only_and_once(household, fake_job):
    _weekly_on_mondays(household.school)
    ReportSetting.objects.create(school=household.school, kind="monthly", send_to_families=False, day_of_month=23)
    with fake_job.committed():
        made = services.send_due_reports(now=_at_noon_utc(dt.date(2026, 11, 24)))
    assert made == 0  # a Tuesday
    assert not Report.objects.exists()
    monday = _at_noon_utc(dt.date(2026, 11, 23))
    with fake_job.committed():
        made = services.send_due_reports(now=monday)
    assert made == 3
    with fake_job.committed():
        made = services.send_due_reports(now=monday)
    assert made == 0  # the second run the same day
    assert Report.objects.count() == 3
    assert set(Report.objects.values_list("kind", flat=True)) == {"weekly"}  # monthly is switched off


def test_the_school_s_day_is_its_own_date(household, fake_job):
    """At 22:30 UTC on Sunday it is already Monday in Nairobi."""
    _weekly_on_mondays(household.school)
    with fake_job.committed():
        made = services.send_due_reports(now=dt.datetime(2026, 11, 22, 22, 30, tzinfo=dt.UTC))
    assert made == 3


def test_monthly_and_dated_settings(household):
    monthly = ReportSetting(school=household.school, kind="monthly", send_to_families=True, day_of_month=1)
    assert services.is_due(monthly, today=dt.date(2026, 12, 1))
    assert not services.is_due(monthly, today=dt.date(2026, 12, 2))
    term = ReportSetting(school=household.school, kind="term", send_to_families=True, send_on=dt.date(2026, 11, 30))
    assert services.is_due(term, today=dt.date(2026, 11, 30))
    assert not services.is_due(term, today=dt.date(2026, 12, 1))
    assert not services.is_due(
        ReportSetting(school=household.school, kind="weekly", send_to_families=True), today=WEDNESDAY
    )


def test_the_family_is_told_once_when_an_automatic_report_is_ready(household, fake_job):
    fake_job.outcome = "ready"
    _weekly_on_mondays(household.school)
    with fake_job.committed():
        services.send_due_reports(now=_at_noon_utc(dt.date(2026, 11, 23)))
    report = Report.objects.get(pupil=household.child)
    told = Notification.objects.filter(kind=READY_KIND, target_id=report.pk)
    assert set(told.values_list("user_id", flat=True)) == {household.parent.pk, household.co_parent.pk}
    notice = told.get(user=household.parent)
    assert "Neema Mwangi" in notice.title
    assert notice.url == f"/reports/{report.public_id}/"
    # The other family hears nothing about Neema.
    assert not Notification.objects.filter(user=household.other_parent, target_id=report.pk).exists()


def test_the_notice_goes_to_those_with_the_scope_when_it_is_delivered(household, fake_job):
    """Recipients are decided when the report is ready, not when it was queued."""
    _weekly_on_mondays(household.school)
    with fake_job.committed():
        services.send_due_reports(now=_at_noon_utc(dt.date(2026, 11, 23)))  # the job leaves them queued
    report = Report.objects.get(pupil=household.child)
    withdraw_reports_scope(household.co_parent, household.child)
    finish(report)
    entry = OutboxEntry.objects.get(effect=services.READY_NOTICE, object_id=report.pk)
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=entry.created_at)
    from hub import outbox

    assert outbox.run(entry.pk) == "done"
    told = set(Notification.objects.filter(kind=READY_KIND, target_id=report.pk).values_list("user_id", flat=True))
    assert told == {household.parent.pk}
    # Run again (a worker killed after the commit): nobody is told twice.
    OutboxEntry.objects.filter(pk=entry.pk).update(status="pending", next_attempt_at=entry.created_at)
    outbox.run(entry.pk)
    assert Notification.objects.filter(kind=READY_KIND, target_id=report.pk).count() == 1


def test_the_notice_waits_while_the_report_is_made(household, fake_job):
    _weekly_on_mondays(household.school)
    with fake_job.committed():
        services.send_due_reports(now=_at_noon_utc(dt.date(2026, 11, 23)))
    entry = OutboxEntry.objects.filter(effect=services.READY_NOTICE).first()
    entry.refresh_from_db()
    assert entry.status == "pending"  # tried, not ready: it comes back later
    assert "NotReadyYet" in entry.last_error
    assert not Notification.objects.filter(kind=READY_KIND).exists()


def test_a_report_the_parent_asked_for_sends_no_notice(household, fake_job):
    fake_job.outcome = "ready"
    with fake_job.committed():
        services.request_report(user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY)
    assert not OutboxEntry.objects.filter(effect=services.READY_NOTICE).exists()
    assert not Notification.objects.filter(kind=READY_KIND).exists()


def test_a_rolled_back_request_asks_for_nothing(household, fake_job):
    def ask_then_fail():
        with transaction.atomic():
            services.request_report(user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY)
            raise RuntimeError("the page failed after the write")

    with fake_job.committed(), pytest.raises(RuntimeError):
        ask_then_fail()
    assert not Report.objects.exists()
    assert fake_job.runs == []


def test_someone_else_s_key_names_nothing_of_theirs(household, fake_job):
    with fake_job.committed():
        theirs = services.request_report(
            user=household.other_parent,
            pupil=household.other_child,
            kind="weekly",
            on=WEDNESDAY,
            client_key="k-shared-1",
        )
        mine = services.request_report(
            user=household.parent, pupil=household.child, kind="weekly", on=WEDNESDAY, client_key="k-shared-1"
        )
    assert mine.pk != theirs.pk
    assert mine.pupil == household.child


def test_one_school_s_trouble_does_not_stop_the_others(household, fake_job, monkeypatch):
    _weekly_on_mondays(household.school)
    far_school = household.far_child.school
    far_school.time_zone = "Africa/Nairobi"
    far_school.save()
    _weekly_on_mondays(far_school)
    real = services.generate_for_school

    def troubled(*, school, **kwargs):
        if school.pk == household.school.pk:
            raise RuntimeError("a lock timed out")
        return real(school=school, **kwargs)

    monkeypatch.setattr(services, "generate_for_school", troubled)
    with fake_job.committed():
        made = services.send_due_reports(now=_at_noon_utc(dt.date(2026, 11, 23)))
    assert made == 1
    assert list(Report.objects.values_list("pupil", flat=True)) == [household.far_child.pk]
