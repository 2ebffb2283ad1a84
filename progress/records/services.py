"""Every write to learning records: recording and removing assessments, activity, certificates
and badges and competency judgements; observations from home, added by a family and reviewed by
staff.

Each function is keyword-only and atomic, checks who is acting (PermissionDenied), refuses bad
values with a RecordsError whose text is the sentence to show, and writes an audit entry.
Notifications go through the outbox (handlers in `progress.records.effects`), so a rolled-back
write notifies nobody and the recipients are whoever may see the observation when it is sent.
The same thing sent twice within minutes by the same person (a double tap, a form sent again
after a timeout) is recorded once: the second call returns the first row.
"""

import datetime
from decimal import Decimal

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.models import Pupil, User
from hub import outbox
from progress import frameworks
from progress.models import (
    ActivityKind,
    ActivitySession,
    Assessment,
    Award,
    AwardKind,
    Competency,
    CompetencyJudgement,
    CompetencyKind,
    Observation,
    ReviewStatus,
    Subject,
)
from progress.records import policies

# Outbox effects (handlers in progress.records.effects).
OBSERVATION_ADDED = "progress.observation_added"
OBSERVATION_REVIEWED = "progress.observation_reviewed"

# The scales each framework judges on; the kinds of competency each scale fits.
FRAMEWORK_SCALES = {"kenya_cbc": ("cbc_rubric", "cbc_grade9"), "england": ("england_are", "eyfs_elg")}
KIND_SCALES = {
    CompetencyKind.CORE: ("cbc_rubric", "cbc_grade9"),
    CompetencyKind.STRAND: ("cbc_rubric", "cbc_grade9"),
    CompetencyKind.ARE: ("england_are",),
    CompetencyKind.ELG: ("eyfs_elg",),
}

# Short names of the scales, for sentences ("level 'XX' is not on the CBC rubric scale (...)").
SCALE_NAMES = {
    "cbc_rubric": gettext_lazy("CBC rubric"),
    "cbc_grade9": gettext_lazy("CBC Grade 9"),
    "england_are": gettext_lazy("age-related expectations"),
    "eyfs_elg": gettext_lazy("early learning goals"),
}

MAX_NOTE_CHARS = 5000
MB = 1024 * 1024
# Observation files: the type sniffed from the first bytes decides the kind, and each kind has
# its own limit (settings may lower or raise them).
EVIDENCE_TYPES = {
    Observation.Media.PHOTO: {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic"},
    Observation.Media.VIDEO: {"video/mp4", "video/quicktime", "video/webm", "video/3gpp", "video/x-m4v"},
    Observation.Media.AUDIO: {"audio/mpeg", "audio/mp4", "audio/ogg", "audio/x-wav", "audio/aac", "audio/amr"},
}
DEFAULT_EVIDENCE_LIMITS = {
    Observation.Media.PHOTO: 5 * MB,
    Observation.Media.VIDEO: 20 * MB,
    Observation.Media.AUDIO: 10 * MB,
}


class RecordsError(Exception):
    """A refusal the person can act on; `str(error)` is the sentence to show."""


class EvidenceRejected(RecordsError):
    """The file is of a type not taken, or too big."""


# --- checks ----------------------------------------------------------------------------------


def _require_recorder(user: User, pupil: Pupil) -> None:
    if not policies.can_record_for(user=user, pupil=pupil):
        raise PermissionDenied


def scales_for(school) -> tuple[str, ...]:
    """The scales the school's framework judges on."""
    return FRAMEWORK_SCALES.get(school.curriculum, ())


def scale_label(scale: str) -> str:
    return str(SCALE_NAMES.get(scale, scale))


def level_problem(scale: str, level: str) -> str | None:
    """The sentence saying why `level` is not on `scale`, or None when it is."""
    if scale not in frameworks.SCALES:
        return _("'%(scale)s' is not a scale Homeroom knows.") % {"scale": scale}
    if frameworks.level(scale, level) is None:
        codes = ", ".join(found.code for found in reversed(frameworks.SCALES[scale]))
        return _("level '%(level)s' is not on the %(scale)s scale (%(codes)s)") % {
            "level": level,
            "scale": scale_label(scale),
            "codes": codes,
        }
    return None


def judgement_problem(*, pupil: Pupil, competency: Competency, scale: str, level: str) -> str | None:
    """Why this judgement cannot be recorded for `pupil` (a sentence), or None when it can."""
    school = pupil.school
    if competency.school_id not in (None, school.pk):
        return _("That competency is not one of this school's.")
    if competency.framework != school.curriculum:
        return _("That competency belongs to another curriculum framework.")
    if scale not in scales_for(school):
        return _("The %(scale)s scale is not used with this school's curriculum.") % {"scale": scale_label(scale)}
    if scale not in KIND_SCALES.get(competency.kind, ()):
        return _("%(competency)s is not judged on the %(scale)s scale.") % {
            "competency": competency.label,
            "scale": scale_label(scale),
        }
    return level_problem(scale, level)


def assessment_problem(
    *, score: Decimal | None, max_score: Decimal | None, grade: str, subject: Subject, pupil: Pupil
) -> str | None:
    if subject.school_id != pupil.school_id:
        return _("That subject is not taught at this pupil's school.")
    if score is None and max_score is None and not grade:
        return _("Give a score out of a maximum, or a grade.")
    if (score is None) != (max_score is None):
        return _("Give both the score and what it is out of.")
    if max_score is not None and max_score <= 0:
        return _("What the score is out of must be more than 0.")
    if score is not None and (score < 0 or score > max_score):
        return _("The score must be between 0 and %(max)s.") % {"max": max_score}
    return None


# The same thing recorded twice within this time (a double tap on a slow phone, a form sent
# again after a timeout) is taken to be one: the first one is returned, nothing new is written.
REPEAT_WINDOW = datetime.timedelta(minutes=10)


def _just_recorded(model: type[Model], **same) -> Model | None:
    """The live row of `model` with the same values written in the last REPEAT_WINDOW, if any."""
    since = timezone.now() - REPEAT_WINDOW
    return model.objects.live().filter(created_at__gte=since, **same).order_by("-created_at").first()


def _check(problem: str | None) -> None:
    if problem:
        raise RecordsError(problem[:1].upper() + problem[1:])


# --- recording -------------------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    user: User,
    pupil: Pupil,
    subject: Subject,
    title: str,
    assessed_on: datetime.date,
    score: Decimal | None = None,
    max_score: Decimal | None = None,
    grade: str = "",
    comment: str = "",
) -> Assessment:
    """Record an assessment result (a score out of a maximum, or a grade). Refuses someone who
    does not teach or support the pupil (PermissionDenied) and a subject of another school, a
    missing or out-of-range score (RecordsError)."""
    _require_recorder(user, pupil)
    title, grade = (title or "").strip(), (grade or "").strip()
    if not title:
        raise RecordsError(_("Give the assessment a title."))
    _check(assessment_problem(score=score, max_score=max_score, grade=grade, subject=subject, pupil=pupil))
    values = {
        "pupil": pupil,
        "subject": subject,
        "title": title[:200],
        "assessed_on": assessed_on,
        "score": score,
        "max_score": max_score,
        "grade": grade[:16],
        "recorded_by": user,
    }
    repeat = _just_recorded(Assessment, **values)
    if repeat is not None:
        return repeat
    assessment = Assessment.objects.create(**values, comment=(comment or "").strip())
    audit.record(actor=user, action="assessment.recorded", target=assessment, school=pupil.school_id)
    return assessment


@transaction.atomic
def activity_record(
    *,
    user: User,
    pupil: Pupil,
    started_at: datetime.datetime,
    minutes: int,
    kind: str = ActivityKind.LESSON,
    subject: Subject | None = None,
) -> ActivitySession:
    """Record a stretch of learning (1 to 720 minutes)."""
    _require_recorder(user, pupil)
    if kind not in ActivityKind.values:
        raise RecordsError(_("Choose what kind of learning it was."))
    if not 1 <= int(minutes) <= 720:
        raise RecordsError(_("Minutes must be between 1 and 720."))
    if subject is not None and subject.school_id != pupil.school_id:
        raise RecordsError(_("That subject is not taught at this pupil's school."))
    values = {
        "pupil": pupil,
        "subject": subject,
        "kind": kind,
        "started_at": started_at,
        "minutes": int(minutes),
        "recorded_by": user,
    }
    repeat = _just_recorded(ActivitySession, **values)
    if repeat is not None:
        return repeat
    activity = ActivitySession.objects.create(**values)
    audit.record(actor=user, action="activity.recorded", target=activity, school=pupil.school_id)
    return activity


@transaction.atomic
def award_record(
    *, user: User, pupil: Pupil, kind: str, title: str, awarded_on: datetime.date, description: str = ""
) -> Award:
    """Record a certificate or a badge the pupil earned."""
    _require_recorder(user, pupil)
    if kind not in AwardKind.values:
        raise RecordsError(_("Choose a certificate or a badge."))
    title = (title or "").strip()
    if not title:
        raise RecordsError(_("Give the certificate or badge a title."))
    values = {"pupil": pupil, "kind": kind, "title": title[:200], "awarded_on": awarded_on, "awarded_by": user}
    repeat = _just_recorded(Award, **values)
    if repeat is not None:
        return repeat
    award = Award.objects.create(**values, description=(description or "").strip())
    audit.record(actor=user, action="award.recorded", target=award, school=pupil.school_id)
    return award


@transaction.atomic
def judgement_record(
    *,
    user: User,
    pupil: Pupil,
    competency: Competency,
    scale: str,
    level: str,
    judged_on: datetime.date,
    comment: str = "",
) -> CompetencyJudgement:
    """Record a competency judgement as a level code on a scale of the school's framework.
    Refuses a level off the scale, a scale of another framework, a competency of another school."""
    _require_recorder(user, pupil)
    level = (level or "").strip().upper()
    _check(judgement_problem(pupil=pupil, competency=competency, scale=scale, level=level))
    values = {
        "pupil": pupil,
        "competency": competency,
        "scale": scale,
        "level": level,
        "judged_on": judged_on,
        "recorded_by": user,
    }
    repeat = _just_recorded(CompetencyJudgement, **values)
    if repeat is not None:
        return repeat
    judgement = CompetencyJudgement.objects.create(**values, comment=(comment or "").strip())
    audit.record(
        actor=user,
        action="judgement.recorded",
        target=judgement,
        school=pupil.school_id,
        competency=competency.code,
        level=level,
    )
    return judgement


def _soft_delete(user: User, record: Model, action: str):
    """Mark `record` (a learning record) deleted, once, with an audit entry; staff who teach or
    support the pupil only."""
    record = type(record).objects.select_for_update().select_related("pupil").get(pk=record.pk)
    _require_recorder(user, record.pupil)
    if record.deleted_at is None:
        record.deleted_at = timezone.now()
        record.save(update_fields=["deleted_at"])
        audit.record(actor=user, action=action, target=record, school=record.pupil.school_id)
    return record


@transaction.atomic
def assessment_delete(*, user: User, assessment: Assessment) -> Assessment:
    return _soft_delete(user, assessment, "assessment.deleted")


@transaction.atomic
def activity_delete(*, user: User, activity: ActivitySession) -> ActivitySession:
    return _soft_delete(user, activity, "activity.deleted")


@transaction.atomic
def award_delete(*, user: User, award: Award) -> Award:
    return _soft_delete(user, award, "award.deleted")


@transaction.atomic
def judgement_delete(*, user: User, judgement: CompetencyJudgement) -> CompetencyJudgement:
    return _soft_delete(user, judgement, "judgement.deleted")


# --- observations from home ------------------------------------------------------------------


def evidence_limits() -> dict[str, int]:
    return {**DEFAULT_EVIDENCE_LIMITS, **getattr(settings, "PROGRESS_EVIDENCE_MAX_BYTES", {})}


def _megabytes(size: int) -> str:
    return f"{size / MB:g}"


def evidence_check(upload) -> tuple[str, str]:
    """The kind (photo, video, audio) and sniffed content type of `upload`; RecordsError when it
    is another type or bigger than its kind allows (EvidenceRejected). The type comes from the file's first bytes,
    never from its name or the browser's claim."""
    limits = evidence_limits()
    largest = max(limits.values())
    if upload.size > largest:
        raise EvidenceRejected(
            _("%(name)s is too big: the largest file you can add is %(size)s MB.")
            % {"name": upload.name, "size": _megabytes(largest)}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    mime = guessed.mime if guessed else ""
    media = next((media for media, types in EVIDENCE_TYPES.items() if mime in types), None)
    if media is None:
        raise EvidenceRejected(
            _("%(name)s cannot be added: add a photo (JPEG, PNG, HEIC), a short video (MP4, MOV) or a recording.")
            % {"name": upload.name}
        )
    if upload.size > limits[media]:
        raise EvidenceRejected(
            _("%(name)s is too big: a %(kind)s can be up to %(size)s MB.")
            % {"name": upload.name, "kind": Observation.Media(media).label.lower(), "size": _megabytes(limits[media])}
        )
    return media, mime


@transaction.atomic
def observation_add(
    *, user: User, pupil: Pupil, note: str, observed_on: datetime.date | None = None, upload=None
) -> Observation:
    """A guardian with viewing rights adds what they saw at home (a note and optionally one photo,
    short video or recording). It waits for the pupil's staff, who are notified."""
    if not policies.can_add_observation(user=user, pupil=pupil):
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise RecordsError(_("Write what you saw."))
    if len(note) > MAX_NOTE_CHARS:
        raise RecordsError(_("Keep your note under %(count)s characters.") % {"count": MAX_NOTE_CHARS})
    today = timezone.localdate()
    observed_on = observed_on or today
    if observed_on > today:
        raise RecordsError(_("The date cannot be in the future."))
    media, mime = evidence_check(upload) if upload else ("", "")
    repeat = _just_recorded(
        Observation,
        pupil=pupil,
        author=user,
        note=note,
        observed_on=observed_on,
        original_name=(upload.name or "")[:255] if upload else "",
    )
    if repeat is not None:
        return repeat
    observation = Observation(
        pupil=pupil,
        author=user,
        note=note,
        observed_on=observed_on,
        media=media,
        content_type=mime,
        original_name=(upload.name or "")[:255] if upload else "",
    )
    if upload:
        observation.file.save(upload.name or "evidence", upload, save=False)
    observation.save()
    audit.record(
        actor=user, action="observation.added", target=observation, school=pupil.school_id, media=media or None
    )
    outbox.record(OBSERVATION_ADDED, target=observation)
    return observation


@transaction.atomic
def observation_review(*, user: User, observation: Observation, approve: bool, note: str = "") -> Observation:
    """Staff who teach or support the pupil approve an observation (it joins the record) or decline
    it, with a note to the family, who are notified. Refuses one already reviewed (RecordsError)."""
    observation = Observation.objects.select_for_update().get(pk=observation.pk)
    if not policies.can_record_for(user=user, pupil=observation.pupil_id):
        raise PermissionDenied
    if observation.deleted_at is not None or observation.status != ReviewStatus.PENDING:
        raise RecordsError(_("This observation has already been looked at."))
    observation.status = ReviewStatus.APPROVED if approve else ReviewStatus.DECLINED
    observation.reviewed_by = user
    observation.reviewed_at = timezone.now()
    observation.review_note = (note or "").strip()[:MAX_NOTE_CHARS]
    observation.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit.record(
        actor=user,
        action="observation.approved" if approve else "observation.declined",
        target=observation,
        school=Pupil.objects.filter(pk=observation.pupil_id).values_list("school_id", flat=True).first(),
    )
    outbox.record(OBSERVATION_REVIEWED, target=observation)
    return observation


@transaction.atomic
def observation_withdraw(*, user: User, observation: Observation) -> Observation:
    """Its author takes back an observation that still waits for a teacher (soft delete)."""
    observation = Observation.objects.select_for_update().select_related("pupil").get(pk=observation.pk)
    if not policies.can_withdraw_observation(user=user, observation=observation):
        raise PermissionDenied
    if observation.deleted_at is None:
        observation.deleted_at = timezone.now()
        observation.save(update_fields=["deleted_at"])
        audit.record(actor=user, action="observation.withdrawn", target=observation, school=observation.pupil.school_id)
    return observation
