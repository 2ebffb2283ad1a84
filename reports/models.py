"""Reports (weekly, monthly, term summary, transcript, portfolio) and exports (a child's portfolio
as a zip, and the subject-access export of everything held about a family).

Both are made by background jobs with visible progress: created QUEUED in the request, then a
Celery job (`reports.tasks`) fills them in, counting `done_steps` of `total_steps`, and ends READY
(with its stored file) or FAILED (with a reason a person can read, and a retry). A report is one
recipient's copy: the family's, or the school's, because consent decides what each may see.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ClassGroup, DataRequest, Pupil, School


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly report")
    MONTHLY = "monthly", _("Monthly report")
    TERM = "term", _("Term summary")
    TRANSCRIPT = "transcript", _("Transcript")
    PORTFOLIO = "portfolio", _("Portfolio")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    GENERATING = "generating", _("Generating")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Copy(models.TextChoices):
    """Whose copy a report is: what a parent refused to share with school staff is not in the
    school's copy, and the family's copy holds everything the family may see."""

    FAMILY = "family", _("The family's copy")
    SCHOOL = "school", _("The school's copy")


def report_path(instance, filename):
    """A random name: nothing about the child can be read from the path (served only through a
    view that checks access)."""
    return f"reports/{instance.school_id}/{uuid.uuid4().hex}.pdf"


def export_path(instance, filename):
    return f"exports/{instance.school_id}/{uuid.uuid4().hex}.zip"


class Job(models.Model):
    """What reports and exports share: the job's state and progress."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done_steps = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("asked for"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The form's idempotency key: "Generate" pressed twice makes one.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.READY, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.READY:
            return 100
        if not self.total_steps:
            return 0
        return min(99, int(100 * self.done_steps / self.total_steps))


class ReportBatch(models.Model):
    """Reports staff generated for a whole class (or `manage.py generate_reports` for a school)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="report_batches")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("batch of reports")
        verbose_name_plural = _("batches of reports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start}–{self.period_end}"


class Report(Job):
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="reports", verbose_name=_("pupil"))
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    copy = models.CharField(_("copy for"), max_length=8, choices=Copy.choices, default=Copy.FAMILY)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"), help_text=_("The last day the report covers."))
    language = models.CharField(_("language"), max_length=16, default="en")
    batch = models.ForeignKey(ReportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    # The figures and words the page and the PDF show, computed once by the job (so the page and
    # the PDF always agree, and a report reads the same next year).
    content = models.JSONField(default=dict, blank=True)
    narrative = models.TextField(_("summary"), blank=True)
    narrative_source = models.CharField(max_length=12, blank=True)  # "template" or "model"
    pdf = models.FileField(upload_to=report_path, blank=True)
    pdf_pages = models.PositiveSmallIntegerField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_end", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["pupil", "copy", "-period_end", "-id"], name="report_pupil_time_idx"),
            models.Index(fields=["status", "created_at"], name="report_status_idx"),
        ]
        constraints = [
            # One live copy of one report: a school-wide run repeated for the same period
            # regenerates nothing that is already there.
            models.UniqueConstraint(
                fields=["pupil", "kind", "copy", "period_start", "period_end", "language"],
                condition=Q(deleted_at__isnull=True),
                name="report_one_live_copy",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.pupil} ({self.period_start}–{self.period_end})"


class ReportSetting(models.Model):
    """Which kinds of report a school sends to families by itself, and when."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="report_settings")
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    send_to_families = models.BooleanField(_("send to families automatically"), default=False)
    # Weekly: the day of the week it goes (0 Monday); monthly: the day of the month (1–28);
    # term and transcript: sent on the end date of a term the school sets in `send_on`.
    weekday = models.PositiveSmallIntegerField(_("day of the week"), null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    send_on = models.DateField(_("send on"), null=True, blank=True)

    class Meta:
        verbose_name = _("report setting")
        verbose_name_plural = _("report settings")
        constraints = [models.UniqueConstraint(fields=["school", "kind"], name="report_setting_unique_kind")]

    def __str__(self):
        return f"{self.school}: {self.get_kind_display()}"


class ExportKind(models.TextChoices):
    PORTFOLIO = "portfolio", _("Portfolio (zip)")
    SUBJECT_ACCESS = "subject_access", _("Everything we hold about you (subject access)")


class Export(Job):
    """A zip made by a job: a child's approved portfolio with an index page, or a subject-access
    export answering a data request. Downloadable until `expires_at`, then its file is deleted."""

    kind = models.CharField(_("kind"), max_length=16, choices=ExportKind.choices)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data_request = models.ForeignKey(
        DataRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="exports"
    )
    file = models.FileField(upload_to=export_path, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"
