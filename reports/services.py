"""Asking for reports: a parent for one child, staff for a class, a school's automatic sending and
the operators' school-wide run. Every write is here, in a transaction, audited, with the job
recorded in the outbox (`"reports.generate"`, handled by `reports.effects`) so a report asked for
is generated even when the broker is down at that moment.

A report is one live copy per (pupil, kind, copy, period, language) (`report_one_live_copy`):
asking again for the same period returns the copy that exists (ready, in progress or failed, with
its "Try again"); nothing is generated twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts import policies as people
from accounts.models import ClassGroup, Pupil, School, User
from hub import outbox
from progress.insights.policies import class_groups_overseen_by
from reports.models import Copy, JobStatus, Report, ReportBatch, ReportKind, ReportSetting
from reports.periods import period_for
from reports.policies import SCOPE

logger = logging.getLogger(__name__)

# Outbox effects: the job (handler in reports.effects) and the family's "ready" notice for a
# report nobody in the family asked for (handler in reports.delivery).
GENERATE = "reports.generate"
READY_NOTICE = "reports.ready_notice"


class ReportRefused(Exception):
    """A report that cannot be asked for; `.message` is a sentence for the person asking."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def school_today(school: School, *, now: dt.datetime | None = None) -> dt.date:
    """The date at the school now (a Nairobi family's Monday starts three hours before London's)."""
    now = now or timezone.now()
    return now.astimezone(school.zone).date()


def _kind(kind: str) -> str:
    if kind not in ReportKind.values:
        raise ReportRefused(_("Choose a kind of report."))
    return kind


def _live_copy(*, pupil: Pupil, kind: str, copy: str, start: dt.date, end: dt.date, language: str):
    return Report.objects.filter(
        pupil=pupil,
        kind=kind,
        copy=copy,
        period_start=start,
        period_end=end,
        language=language,
        deleted_at__isnull=True,
    ).first()


def _queue(report: Report, *, key: str | None = None) -> None:
    outbox.record(GENERATE, target=report, key=key)


def _create_or_existing(**fields) -> tuple[Report, bool]:
    """Create the report, or return the live copy another request made a moment earlier (the
    unique constraint decides; the insert waited for that request's commit, so its row is visible)."""
    try:
        with transaction.atomic():  # a savepoint: only this insert rolls back
            return Report.objects.create(**fields), True
    except IntegrityError:
        client_key = fields.get("client_key")
        if client_key:
            existing = Report.objects.filter(client_key=client_key, requested_by=fields.get("requested_by")).first()
            if existing is not None:
                return existing, False
        existing = _live_copy(
            pupil=fields["pupil"],
            kind=fields["kind"],
            copy=fields["copy"],
            start=fields["period_start"],
            end=fields["period_end"],
            language=fields["language"],
        )
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def request_report(
    *, user: User, pupil: Pupil, kind: str, on: dt.date | None = None, client_key: str | None = None
) -> Report:
    """The family's copy of `kind` for `pupil`, for the period `on` (default: today at the school)
    falls in, in `user`'s language, queued for generation.

    The same `client_key` (the form's idempotency key) returns the report it made the first time;
    a live copy for the same period is returned, not duplicated (a failed one is retried with
    `retry_report`). Refuses (PermissionDenied) a user who is not a guardian of the pupil with the
    "reports" scope, and (ReportRefused) an unknown kind.
    """
    if client_key:
        existing = Report.objects.filter(client_key=client_key, requested_by=user).first()
        if existing is not None:
            return existing
        if Report.objects.filter(client_key=client_key).exists():
            client_key = None  # someone else's key (copied, or guessed): it names nothing of theirs here
    if not people.is_guardian_of(user=user, pupil=pupil, scope=SCOPE):
        raise PermissionDenied
    kind = _kind(kind)
    school = pupil.school
    start, end = period_for(kind, school=school, on=on or school_today(school), pupil=pupil)
    language = user.preferred_language or settings.LANGUAGE_CODE
    existing = _live_copy(pupil=pupil, kind=kind, copy=Copy.FAMILY, start=start, end=end, language=language)
    if existing is not None:
        return existing
    report, created = _create_or_existing(
        school=school,
        requested_by=user,
        pupil=pupil,
        kind=kind,
        copy=Copy.FAMILY,
        period_start=start,
        period_end=end,
        language=language,
        client_key=client_key or None,
    )
    if created:
        audit.record(actor=user, action="report.requested", target=report, school=school.pk, kind=kind, pupil=pupil.pk)
        _queue(report)
    return report


@transaction.atomic
def retry_report(*, user: User, report: Report) -> Report:
    """Queue a failed report again, with a fresh set of attempts. A report that is not failed
    (retried a moment ago by another click, or ready) is returned as it is."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != JobStatus.FAILED:
        return report
    report.status = JobStatus.QUEUED
    report.done_steps = 0
    report.failure_reason = ""
    report.attempts = 0
    report.started_at = None
    report.finished_at = None
    report.save(update_fields=["status", "done_steps", "failure_reason", "attempts", "started_at", "finished_at"])
    audit.record(actor=user, action="report.retried", target=report, school=report.school_id)
    # A new key: the first generation's entry is done (or failed) and must not swallow this one.
    _queue(report, key=f"retry:{uuid.uuid4().hex}")
    return report


@transaction.atomic
def retry_failed_in_batch(*, user: User, batch: ReportBatch) -> int:
    """Queue again every failed report of `batch`, each for its own period (the batch's, not
    the one current today), with fresh attempts. Returns how many were queued; reports that are
    no longer failed (retried a moment ago, or ready) are left as they are."""
    failed = list(
        batch.reports.filter(status=JobStatus.FAILED, deleted_at__isnull=True).select_for_update().order_by("pk")
    )
    for report in failed:
        retry_report(user=user, report=report)
    audit.record(actor=user, action="report.batch_retried", target=batch, school=batch.school_id, retried=len(failed))
    return len(failed)


# --- Many at once: a class, a school -----------------------------------------------------------


def _family_language(pupil: Pupil) -> str:
    """The language of a copy nobody in the family asked for: the primary contact's (with the
    "reports" scope), else any such guardian's, else the site's."""
    guardian = (
        people.viewing_guardianships(SCOPE)
        .filter(pupil=pupil, guardian__is_active=True)
        .order_by("-is_primary_contact", "pk")
        .values_list("guardian__preferred_language", flat=True)
        .first()
    )
    return guardian or settings.LANGUAGE_CODE


def _fill_batch(*, batch: ReportBatch, pupils, copy: str, actor: User | None, on: dt.date) -> tuple[int, int]:
    """Make each pupil's live copy in `batch` unless one exists; queue failed ones in the batch
    again. Returns (made, retried)."""
    made = retried = 0
    for pupil in pupils:
        start, end = period_for(batch.kind, school=batch.school, on=on, pupil=pupil)
        language = settings.LANGUAGE_CODE if copy == Copy.SCHOOL else _family_language(pupil)
        existing = _live_copy(pupil=pupil, kind=batch.kind, copy=copy, start=start, end=end, language=language)
        if existing is not None:
            if existing.batch_id == batch.pk and existing.status == JobStatus.FAILED:
                retry_report(user=actor, report=existing)
                retried += 1
            continue
        report, created = _create_or_existing(
            school=batch.school,
            requested_by=actor,
            pupil=pupil,
            kind=batch.kind,
            copy=copy,
            period_start=start,
            period_end=end,
            language=language,
            batch=batch,
        )
        if created:
            _queue(report)
            if copy == Copy.FAMILY and actor is None:
                # Nobody in the family is watching this one being made: they are told when it is ready.
                outbox.record(READY_NOTICE, target=report)
            made += 1
    return made, retried


def _batch_period(kind: str, *, school: School, on: dt.date, pupils) -> tuple[dt.date, dt.date]:
    if kind != ReportKind.TRANSCRIPT:
        return period_for(kind, school=school, on=on)
    # Each pupil's transcript starts at their own first record: the batch spans them all.
    starts = [period_for(kind, school=school, on=on, pupil=pupil)[0] for pupil in pupils]
    return (min(starts) if starts else on), on


@transaction.atomic
def generate_for_class(*, user: User, class_group: ClassGroup, kind: str, on: dt.date | None = None) -> ReportBatch:
    """The school's copy of `kind` for every current pupil of `class_group`, as one batch.

    Asked again for the same class, kind and period, it returns the same batch, adds only the
    copies still missing (a pupil who joined) and queues its failed ones again. Refuses
    (PermissionDenied) staff who neither teach the class nor hold a whole-school role at its school.
    """
    class_group = ClassGroup.objects.select_for_update().select_related("school").get(pk=class_group.pk)
    if not class_groups_overseen_by(user).filter(pk=class_group.pk).exists():
        raise PermissionDenied
    kind = _kind(kind)
    school = class_group.school
    on = on or school_today(school)
    pupils = list(class_group.pupils.current().select_related("school").order_by("last_name", "first_name", "pk"))
    start, end = _batch_period(kind, school=school, on=on, pupils=pupils)
    batch = ReportBatch.objects.filter(
        school=school, class_group=class_group, kind=kind, period_start=start, period_end=end
    ).first()
    if batch is None:
        batch = ReportBatch.objects.create(
            school=school, class_group=class_group, kind=kind, period_start=start, period_end=end, requested_by=user
        )
    made, retried = _fill_batch(batch=batch, pupils=pupils, copy=Copy.SCHOOL, actor=user, on=on)
    audit.record(
        actor=user,
        action="report.class_generated",
        target=batch,
        school=school.pk,
        kind=kind,
        class_group=class_group.pk,
        made=made,
        retried=retried,
    )
    return batch


@transaction.atomic
def generate_for_school(
    *, school: School, kind: str, on: dt.date | None = None, copy: str = Copy.FAMILY, actor: User | None = None
) -> tuple[ReportBatch, int]:
    """`copy` of `kind` for every current pupil of `school` (the operators' command and the
    automatic sending), as one batch without a class. A second run for the same period makes
    nothing new (and queues failed ones again). Families are told when a copy made for them is
    ready. Returns the batch and how many reports it made now."""
    school = School.objects.select_for_update().get(pk=school.pk)
    kind = _kind(kind)
    if copy not in Copy.values:
        raise ReportRefused(_("Choose whose copy to make."))
    on = on or school_today(school)
    pupils = list(Pupil.objects.current().filter(school=school).select_related("school").order_by("pk"))
    start, end = _batch_period(kind, school=school, on=on, pupils=pupils)
    batch = ReportBatch.objects.filter(
        school=school, class_group__isnull=True, kind=kind, period_start=start, period_end=end
    ).first()
    if batch is None:
        batch = ReportBatch.objects.create(
            school=school, kind=kind, period_start=start, period_end=end, requested_by=actor
        )
    made, retried = _fill_batch(batch=batch, pupils=pupils, copy=copy, actor=actor, on=on)
    if made or retried:
        audit.record(
            actor=actor,
            action="report.school_generated",
            target=batch,
            school=school.pk,
            kind=kind,
            copy=copy,
            made=made,
            retried=retried,
        )
    return batch, made


# --- Automatic sending ---------------------------------------------------------------------------


def is_due(setting: ReportSetting, *, today: dt.date) -> bool:
    """Whether the school sends `setting.kind` to families on `today` (the school's date)."""
    if not setting.send_to_families:
        return False
    if setting.kind == ReportKind.WEEKLY:
        return setting.weekday is not None and today.weekday() == setting.weekday
    if setting.kind == ReportKind.MONTHLY:
        return setting.day_of_month is not None and today.day == setting.day_of_month
    return setting.send_on is not None and today == setting.send_on


def send_due_reports(*, now: dt.datetime | None = None) -> int:
    """The daily run: for each school setting due today at that school, the families' copies for
    every pupil (once: a second run the same day makes nothing new). Returns how many it made.
    One school's trouble does not stop the others (each school is its own transaction)."""
    made = 0
    settings_due = ReportSetting.objects.filter(send_to_families=True).select_related("school").order_by("pk")
    for setting in settings_due:
        if not is_due(setting, today=school_today(setting.school, now=now)):
            continue
        try:
            _batch, count = generate_for_school(
                school=setting.school, kind=setting.kind, on=school_today(setting.school, now=now), copy=Copy.FAMILY
            )
        except Exception:  # one school's trouble is logged; tomorrow's run finds what is missing
            logger.exception("reports: automatic %s reports for school %s failed", setting.kind, setting.school_id)
            continue
        made += count
    return made
