"""Learning records: subjects, assessments, activity, awards, competency judgements, and the
observations families add from home (which join the school's record only once staff approve)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Curriculum, Pupil, School
from progress import frameworks


def evidence_path(instance, filename):
    """A random name under the pupil's folder, never the uploader's (served only through views
    that check access; the name people see is kept in `original_name`)."""
    return f"progress/{instance.pupil_id}/{uuid.uuid4().hex}"


class SoftDeleted(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)


class Subject(models.Model):
    """A school subject or CBC learning area (not a message's subject line)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = pgettext_lazy("school subject", "subject")
        verbose_name_plural = pgettext_lazy("school subject", "subjects")
        ordering = ["school", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="subject_unique_name")]

    def __str__(self):
        return self.name


class Assessment(models.Model):
    """One assessment result: a score out of a maximum, or a grade, on a date."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="assessments")
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=pgettext_lazy("school subject", "subject"),
    )
    title = models.CharField(_("title"), max_length=200)
    assessed_on = models.DateField(_("date"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("out of"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=16, blank=True)
    comment = models.TextField(_("teacher's comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["pupil", "assessed_on", "id"], name="assessment_pupil_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=False, max_score__isnull=False) | ~Q(grade=""),
                name="assessment_score_or_grade",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(max_score__gt=0, score__gte=0, score__lte=models.F("max_score")),
                name="assessment_score_within_max",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.assessed_on})"

    @property
    def percent(self) -> float | None:
        """A score as a percentage of its maximum (scores only: grades and levels never are)."""
        if self.score is None or not self.max_score:
            return None
        return float(self.score) * 100 / float(self.max_score)


class ActivityKind(models.TextChoices):
    LESSON = "lesson", _("Lesson")
    READING = "reading", _("Reading")
    PRACTICE = "practice", _("Practice")
    PROJECT = "project", _("Project work")
    OUTDOOR = "outdoor", _("Outdoor learning")
    OTHER = "other", _("Other")


class ActivitySession(models.Model):
    """A stretch of learning: when it started, how long, what."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="activity_sessions")
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("school subject", "subject"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices, default=ActivityKind.LESSON)
    started_at = models.DateTimeField(_("started"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("learning activity")
        verbose_name_plural = _("learning activities")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["pupil", "started_at", "id"], name="activity_pupil_started")]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1, minutes__lte=720), name="activity_minutes_range")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.minutes} min"


class AwardKind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    BADGE = "badge", _("Badge")


class Award(models.Model):
    """A certificate or badge a pupil earned."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="awards")
    kind = models.CharField(_("kind"), max_length=16, choices=AwardKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what it was for"), blank=True)
    awarded_on = models.DateField(_("awarded on"))
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("certificate or badge")
        verbose_name_plural = _("certificates and badges")
        ordering = ["-awarded_on", "-id"]
        indexes = [models.Index(fields=["pupil", "awarded_on"], name="award_pupil_date")]

    def __str__(self):
        return self.title


class CompetencyKind(models.TextChoices):
    CORE = "core", _("Core competency")
    STRAND = "strand", _("Subject strand")
    ARE = "are", _("Age-related expectation")
    ELG = "elg", _("Early learning goal")


class Scale(models.TextChoices):
    CBC_RUBRIC = "cbc_rubric", _("CBC rubric (EE, ME, AE, BE)")
    CBC_GRADE9 = "cbc_grade9", _("CBC Grade 9 (EE1 to BE2)")
    ENGLAND_ARE = "england_are", _("Working towards, expected, greater depth")
    EYFS_ELG = "eyfs_elg", _("Emerging, expected")


class Competency(models.Model):
    """Something a framework judges: a CBC core competency or subject strand, an England
    age-related expectation, an EYFS early learning goal. Built-in ones have no school."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="competencies")
    framework = models.CharField(_("framework"), max_length=16, choices=Curriculum.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=CompetencyKind.choices)
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    subject = models.ForeignKey(
        Subject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="strands",
        verbose_name=pgettext_lazy("school subject", "subject"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["framework", "kind", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], condition=Q(school__isnull=True), name="competency_builtin_code"
            ),
            models.UniqueConstraint(
                fields=["school", "code"], condition=Q(school__isnull=False), name="competency_school_code"
            ),
        ]

    def __str__(self):
        return str(self.label)

    @property
    def label(self):
        """A built-in competency's name in the reader's language; a school's own as written."""
        if self.school_id is None and self.code in frameworks.BUILT_IN_NAMES:
            return frameworks.BUILT_IN_NAMES[self.code]
        return self.name


class CompetencyJudgement(models.Model):
    """A teacher's judgement of a pupil against a competency, as a level code on a scale."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="competency_judgements")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="judgements")
    scale = models.CharField(_("scale"), max_length=16, choices=Scale.choices)
    level = models.CharField(_("level"), max_length=4)
    judged_on = models.DateField(_("date"))
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("competency judgement")
        verbose_name_plural = _("competency judgements")
        ordering = ["-judged_on", "-id"]
        indexes = [models.Index(fields=["pupil", "judged_on", "id"], name="judgement_pupil_date")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scale="cbc_rubric", level__in=["EE", "ME", "AE", "BE"])
                    | Q(scale="cbc_grade9", level__in=["EE1", "EE2", "ME1", "ME2", "AE1", "AE2", "BE1", "BE2"])
                    | Q(scale="england_are", level__in=["WTS", "EXS", "GDS"])
                    | Q(scale="eyfs_elg", level__in=["EMG", "EXP"])
                ),
                name="judgement_level_on_scale",
            )
        ]

    def __str__(self):
        return f"{self.competency}: {self.level}"

    @property
    def level_info(self) -> frameworks.Level | None:
        return frameworks.level(self.scale, self.level)


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a teacher")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Not added")


class Observation(models.Model):
    """What a family saw at home (a note, a photo, a short video or audio). Staff approve it before
    it joins the school's record; until then only the family and the pupil's staff see it."""

    class Media(models.TextChoices):
        NONE = "", _("No file")
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="observations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("what you saw"))
    observed_on = models.DateField(_("date"), default=timezone.localdate)
    file = models.FileField(upload_to=evidence_path, blank=True)
    media = models.CharField(_("file kind"), max_length=8, choices=Media.choices, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("note to the family"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleted.as_manager()

    class Meta:
        verbose_name = _("observation from home")
        verbose_name_plural = _("observations from home")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["pupil", "created_at", "id"], name="observation_pupil_created"),
            models.Index(fields=["status", "created_at"], name="observation_status"),
        ]

    def __str__(self):
        return self.note[:60]
