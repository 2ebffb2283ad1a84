"""Who sees which learning records, asked of the policies directly (the pages are tested from the
outside in test_records_views.py): every access function answers 404 for what is not seen, with
or without a row lock."""

import pytest
from django.db import transaction
from django.http import Http404

from accounts.models import Guardianship
from progress.records import policies
from tests.progress import factories_records as rf


@pytest.fixture
def w(db):
    world = rf.RecordsWorld()
    world.records = {
        "assessment": rf.AssessmentFactory(pupil=world.child, subject=world.subject),
        "activity": rf.ActivitySessionFactory(pupil=world.child),
        "award": rf.AwardFactory(pupil=world.child),
        "judgement": rf.CompetencyJudgementFactory(pupil=world.child),
        "observation": rf.ObservationFactory(pupil=world.child, author=world.parent),
    }
    return world


ACCESS = {
    "assessment": policies.access_assessment,
    "activity": policies.access_activity,
    "award": policies.access_award,
    "judgement": policies.access_judgement,
    "observation": policies.access_observation,
}


@pytest.mark.parametrize("noun", sorted(ACCESS))
@pytest.mark.parametrize("for_update", [False, True])
def test_the_family_and_the_pupils_staff_see_a_record_and_nobody_else(w, noun, for_update):
    record = w.records[noun]
    access = ACCESS[noun]
    for user in (w.parent, w.teacher, w.sendco):
        with transaction.atomic():
            assert access(user=user, **{f"{noun}_id": record.pk}, for_update=for_update).pk == record.pk
    for user in (w.other_parent, w.other_teacher, w.far_teacher, w.far_parent):
        with transaction.atomic(), pytest.raises(Http404):
            access(user=user, **{f"{noun}_id": record.pk}, for_update=for_update)
    with pytest.raises(Http404):
        access(user=w.parent, **{f"{noun}_id": "not-a-number"})


def test_a_guardian_without_viewing_rights_sees_nothing(w):
    Guardianship.objects.filter(guardian=w.parent).update(can_view=False)
    assert not policies.assessments_visible_to(w.parent).exists()
    assert not policies.observations_visible_to(w.parent).exists()
    assert not policies.can_add_observation(user=w.parent, pupil=w.child)


def test_a_removed_record_is_seen_by_nobody(w):
    from django.utils import timezone

    assessment = w.records["assessment"]
    assessment.deleted_at = timezone.now()
    assessment.save()
    with pytest.raises(Http404):
        policies.access_assessment(user=w.teacher, assessment_id=assessment.pk)


def test_the_review_queue_holds_waiting_observations_of_the_pupils_one_teaches(w):
    rf.ObservationFactory(pupil=w.other_child, author=w.other_parent)
    rf.ObservationFactory(pupil=w.child, author=w.parent, status="approved")
    assert list(policies.observations_to_review_for(w.teacher)) == [w.records["observation"]]
    assert policies.observations_to_review_for(w.sendco).count() == 2
    assert not policies.observations_to_review_for(w.parent).exists()


def test_every_visibility_query_passes_through_the_consent_seam(w, monkeypatch):
    """The consent matrix will filter in `readable`: withholding everything there empties every list."""
    monkeypatch.setattr(policies, "readable", lambda user, records, **kwargs: records.none())
    for visible_to in (
        policies.assessments_visible_to,
        policies.activity_visible_to,
        policies.awards_visible_to,
        policies.judgements_visible_to,
        policies.observations_visible_to,
        policies.observations_to_review_for,
    ):
        assert not visible_to(w.teacher).exists(), visible_to.__name__
