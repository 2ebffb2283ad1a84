"""Learning-record rows for the resolver-walking authorization test (tests/test_authorization.py):
records of another school's pupil and of another family's child, whose ids every records URL is
tried with. Their text carries the walk's markers (Farschool, Secretfamily), so a page that shows
one fails the walk."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from progress import competencies
from progress.models import (
    ActivitySession,
    Assessment,
    Award,
    CompetencyJudgement,
    Observation,
    Subject,
)

PARAMETER_MODELS = {
    "assessment_id": Assessment,
    "activity_id": ActivitySession,
    "award_id": Award,
    "judgement_id": CompetencyJudgement,
    "observation_id": Observation,
}

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def _records_of(pupil, subject, word, author):
    assessment = Assessment.objects.create(
        pupil=pupil, subject=subject, title=f"{word} assessment", assessed_on=datetime.date(2026, 10, 1), grade="A"
    )
    activity = ActivitySession.objects.create(pupil=pupil, subject=subject, started_at=timezone.now(), minutes=30)
    award = Award.objects.create(
        pupil=pupil, kind="badge", title=f"{word} badge", awarded_on=datetime.date(2026, 10, 1)
    )
    judgement = CompetencyJudgement.objects.create(
        pupil=pupil,
        competency=competencies.built_in("READ"),
        scale="england_are",
        level="EXS",
        judged_on=datetime.date(2026, 10, 1),
        comment=f"{word} judgement",
    )
    pending = Observation.objects.create(
        pupil=pupil,
        author=author,
        note=f"{word} observation waiting",
        file=SimpleUploadedFile(f"{word}.jpg", JPEG),
        media="photo",
        content_type="image/jpeg",
        original_name=f"{word}.jpg",
    )
    approved = Observation.objects.create(
        pupil=pupil, author=author, note=f"{word} observation approved", status="approved"
    )
    return {
        Assessment: [assessment.pk],
        ActivitySession: [activity.pk],
        Award: [award.pk],
        CompetencyJudgement: [judgement.pk],
        Observation: [pending.pk, approved.pk],
    }


def forbidden_rows(world) -> dict:
    far_subject = Subject.objects.create(school=world.other_school, name="Farschool subject")
    far = _records_of(world.far_pupil, far_subject, "Farschool", world.far_parent)
    home_subject = Subject.objects.create(school=world.school, name="Home subject")
    other_family = _records_of(world.other_child, home_subject, "Secretfamily", world.other_parent)
    return {model: far[model] + other_family[model] for model in far}
