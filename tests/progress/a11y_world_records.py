"""Values for the every-page accessibility walk (tests/browser/test_every_page_accessible.py): one of
each learning record of the walk's child, and an observation from home waiting for review (with
a photo), so the record page, the family's list and the review queue show real rows."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from progress.models import ActivitySession, Assessment, Award, Competency, CompetencyJudgement, Observation, Subject

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def candidates(world) -> dict:
    child, school = world.child, world.school
    subject = Subject.objects.create(school=school, name="Mathematics")
    assessment = Assessment.objects.create(
        pupil=child,
        subject=subject,
        title="Times tables",
        assessed_on=datetime.date(2026, 10, 1),
        score=18,
        max_score=20,
    )
    activity = ActivitySession.objects.create(pupil=child, subject=subject, started_at=timezone.now(), minutes=30)
    award = Award.objects.create(pupil=child, kind="badge", title="Kind friend", awarded_on=datetime.date(2026, 10, 2))
    competency = Competency.objects.filter(school__isnull=True, framework=school.curriculum).first()
    scale, level = ("england_are", "EXS") if school.curriculum == "england" else ("cbc_rubric", "ME")
    if competency.kind == "elg":
        scale, level = "eyfs_elg", "EXP"
    judgement = CompetencyJudgement.objects.create(
        pupil=child, competency=competency, scale=scale, level=level, judged_on=datetime.date(2026, 10, 3)
    )
    waiting = Observation.objects.create(
        pupil=child,
        author=world.parent,
        note="Counted the stairs to twenty",
        file=SimpleUploadedFile("stairs.jpg", JPEG),
        media="photo",
        content_type="image/jpeg",
        original_name="stairs.jpg",
    )
    Observation.objects.create(
        pupil=child,
        author=world.parent,
        note="Made a kite",
        status="approved",
        reviewed_by=world.teacher,
        review_note="Lovely",
    )
    return {
        "assessment_id": [assessment.pk],
        "activity_id": [activity.pk],
        "award_id": [award.pk],
        "judgement_id": [judgement.pk],
        "observation_id": [waiting.pk],
    }
