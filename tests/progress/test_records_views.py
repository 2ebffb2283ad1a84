"""The learning-record pages from the outside: who sees what, who may record and review, and
what a guessed id answers (404, whatever the reason)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEntry
from progress.models import Assessment, CompetencyJudgement, Observation
from tests.progress import factories_records as rf
from tests.progress.factories_records import sign_in


@pytest.fixture
def w(db):
    world = rf.RecordsWorld()
    world.assessment = rf.AssessmentFactory(pupil=world.child, subject=world.subject, title="Owls spelling")
    world.other_assessment = rf.AssessmentFactory(
        pupil=world.other_child, subject=world.subject, title="Secretfamily spelling"
    )
    world.far_assessment = rf.AssessmentFactory(
        pupil=world.far_child, subject=world.far_subject, title="Farschool Kiswahili"
    )
    return world


def record_url(pupil):
    return reverse("progress:pupil_record", args=[pupil.pk])


def test_a_guardian_sees_their_own_childs_record_without_the_add_forms(client, w):
    rf.AwardFactory(pupil=w.child, title="Star reader")
    rf.CompetencyJudgementFactory(pupil=w.child, level="GDS")
    rf.ObservationFactory(pupil=w.child, author=w.parent, status="approved", note="Made a kite")
    rf.ObservationFactory(pupil=w.child, author=w.parent, status="pending", note="Still waiting")
    sign_in(client, w.parent)
    response = client.get(record_url(w.child))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Owls spelling" in body
    assert "7 out of 10" in body
    assert "Star reader" in body
    assert "GDS" in body
    assert "Working at greater depth" in body
    assert "Made a kite" in body
    assert "Still waiting" not in body  # the record holds approved observations only
    assert "Record an assessment" not in body
    assert "Secretfamily" not in body
    assert "Farschool" not in body


@pytest.mark.parametrize("who", ["parent", "teacher", "far_teacher", "far_parent"])
def test_another_familys_or_schools_pupil_answers_404(client, w, who):
    sign_in(client, getattr(w, who))
    pupil = w.far_child if who == "parent" or who == "teacher" else w.child
    if who == "parent":
        pupil = w.other_child
    assert client.get(record_url(pupil)).status_code == 404
    assert client.get(reverse("progress:observations", args=[pupil.pk])).status_code == 404


def test_a_teacher_of_another_class_gets_404_for_the_record_and_its_forms(client, w):
    sign_in(client, w.other_teacher)
    assert client.get(record_url(w.child)).status_code == 404
    response = client.post(
        reverse("progress:award_add", args=[w.child.pk]),
        {"award-kind": "badge", "award-title": "Sneaky", "award-awarded_on": "2026-11-01"},
    )
    assert response.status_code == 404
    assert client.post(reverse("progress:assessment_delete", args=[w.assessment.pk])).status_code == 404
    assert Assessment.objects.live().filter(pk=w.assessment.pk).exists()


def test_the_teacher_records_an_assessment_from_the_page(client, w):
    sign_in(client, w.teacher)
    page = client.get(record_url(w.child))
    assert "Record an assessment" in page.content.decode()
    response = client.post(
        reverse("progress:assessment_add", args=[w.child.pk]),
        {
            "assessment-subject": w.subject.pk,
            "assessment-title": "Fractions quiz",
            "assessment-assessed_on": "2026-11-03",
            "assessment-score": "9",
            "assessment-max_score": "12",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "The assessment is recorded." in body
    assert "Fractions quiz" in body
    assert "9 out of 12" in body


def test_a_bad_assessment_re_renders_with_an_error_summary(client, w):
    sign_in(client, w.teacher)
    response = client.post(
        reverse("progress:assessment_add", args=[w.child.pk]),
        {"assessment-subject": w.subject.pk, "assessment-title": "Nothing", "assessment-assessed_on": "2026-11-03"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Give a score out of a maximum, or a grade." in body
    assert "<title>Error:" in body


def test_the_teacher_records_a_judgement_on_the_schools_scale_only(client, w):
    sign_in(client, w.teacher)
    page = client.get(record_url(w.child)).content.decode()
    assert "england_are:GDS" in page
    assert "cbc_rubric" not in page
    read = rf.builtin_competency("READ")
    response = client.post(
        reverse("progress:judgement_add", args=[w.child.pk]),
        {"judgement-competency": read.pk, "judgement-level": "england_are:WTS", "judgement-judged_on": "2026-11-03"},
    )
    assert response.status_code == 302
    assert CompetencyJudgement.objects.get(pupil=w.child).level == "WTS"
    # A CBC level typed into the form is not on offer here.
    response = client.post(
        reverse("progress:judgement_add", args=[w.child.pk]),
        {"judgement-competency": read.pk, "judgement-level": "cbc_rubric:EE", "judgement-judged_on": "2026-11-03"},
    )
    assert response.status_code == 422
    assert CompetencyJudgement.objects.count() == 1


def test_the_teacher_removes_an_assessment(client, w):
    sign_in(client, w.teacher)
    response = client.post(reverse("progress:assessment_delete", args=[w.assessment.pk]), follow=True)
    assert "Removed from the record." in response.content.decode()
    assert "Owls spelling" not in response.content.decode()
    assert AuditEntry.objects.filter(action="assessment.deleted").exists()


def test_the_sendco_sees_every_pupil_of_the_school_but_not_another_school(client, w):
    sign_in(client, w.sendco)
    assert client.get(record_url(w.other_child)).status_code == 200
    assert client.get(record_url(w.far_child)).status_code == 404


# --- observations from home ----------------------------------------------------------------------


def observe(client, pupil, **extra):
    return client.post(
        reverse("progress:observation_new", args=[pupil.pk]),
        {"note": "Built a tower of 12 cups", "observed_on": "2026-11-01", **extra},
    )


def test_a_guardian_adds_an_observation_with_a_photo_and_sees_it_waiting(client, w):
    sign_in(client, w.parent)
    form = client.get(reverse("progress:observation_new", args=[w.child.pk]))
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()
    response = observe(client, w.child, file=SimpleUploadedFile("tower.html", rf.JPEG, content_type="text/html"))
    assert response.status_code == 302
    observation = Observation.objects.get()
    assert (observation.media, observation.content_type, observation.original_name) == (
        "photo",
        "image/jpeg",
        "tower.html",
    )
    assert observation.file.name != "tower.html"
    assert "tower" not in observation.file.name
    listing = client.get(response["Location"]).content.decode()
    assert "Built a tower of 12 cups" in listing
    assert "Waiting for a teacher" in listing
    file = client.get(reverse("progress:observation_file", args=[observation.pk]))
    assert file.status_code == 200
    assert file["Content-Type"] == "image/jpeg"
    assert file["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="observation.file_downloaded").exists()


def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_saved(client, w):
    sign_in(client, w.parent)
    response = observe(client, w.child, file=SimpleUploadedFile("photo.jpg", rf.PDF, content_type="image/jpeg"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "There is a problem" in body
    assert "photo.jpg cannot be added" in body
    assert not Observation.objects.exists()


def test_a_file_too_big_is_refused_and_nothing_is_saved(client, w, settings):
    settings.PROGRESS_EVIDENCE_MAX_BYTES = {"photo": 1024}
    sign_in(client, w.parent)
    big = SimpleUploadedFile("big.jpg", rf.JPEG + b"\x00" * 2048, content_type="image/jpeg")
    response = observe(client, w.child, file=big)
    assert response.status_code == 422
    assert "big.jpg is too big: a photo can be up to" in response.content.decode()
    assert not Observation.objects.exists()
    # Beyond the largest limit of any kind, whatever its type.
    settings.PROGRESS_EVIDENCE_MAX_BYTES = {"photo": 1024, "video": 2048, "audio": 1024}
    response = observe(client, w.child, file=SimpleUploadedFile("huge.mp4", rf.MP4 + b"\x00" * 4096))
    assert response.status_code == 422
    assert "huge.mp4 is too big" in response.content.decode()
    assert not Observation.objects.exists()


def test_a_video_and_a_recording_are_accepted(client, w):
    sign_in(client, w.parent)
    assert observe(client, w.child, file=SimpleUploadedFile("clip.mp4", rf.MP4)).status_code == 302
    assert observe(client, w.child, file=SimpleUploadedFile("song.mp3", rf.MP3)).status_code == 302
    assert sorted(Observation.objects.values_list("media", flat=True)) == ["audio", "video"]


def test_only_a_guardian_may_add_and_another_familys_child_answers_404(client, w):
    sign_in(client, w.parent)
    assert observe(client, w.other_child).status_code == 404
    assert observe(client, w.far_child).status_code == 404
    sign_in(client, w.teacher)
    assert client.get(reverse("progress:observation_new", args=[w.child.pk])).status_code == 404
    assert not Observation.objects.exists()


def test_the_review_queue_shows_only_pupils_the_teacher_teaches(client, w):
    mine = rf.ObservationFactory(pupil=w.child, author=w.parent, note="Owls at home")
    rf.ObservationFactory(pupil=w.other_child, author=w.other_parent, note="Secretfamily at home")
    rf.ObservationFactory(pupil=w.far_child, author=w.far_parent, note="Farschool at home")
    sign_in(client, w.teacher)
    body = client.get(reverse("progress:observations_review")).content.decode()
    assert "Owls at home" in body
    assert "Secretfamily" not in body
    assert "Farschool" not in body
    response = client.post(
        reverse("progress:observation_review", args=[mine.pk]),
        {"decision": "approve", "note": "Wonderful"},
        follow=True,
    )
    assert "Added to Lucia" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "approved"


def test_a_review_without_a_decision_re_renders_with_an_error(client, w):
    mine = rf.ObservationFactory(pupil=w.child, author=w.parent)
    sign_in(client, w.teacher)
    response = client.post(reverse("progress:observation_review", args=[mine.pk]), {"note": "?"})
    assert response.status_code == 422
    assert "Choose whether to add it to the record." in response.content.decode()


def test_another_classs_teacher_cannot_review_or_open_a_pending_observation(client, w):
    theirs = rf.ObservationFactory(
        pupil=w.child, author=w.parent, file=SimpleUploadedFile("x.jpg", rf.JPEG), media="photo"
    )
    sign_in(client, w.other_teacher)
    assert (
        client.post(reverse("progress:observation_review", args=[theirs.pk]), {"decision": "approve"}).status_code
        == 404
    )
    assert client.get(reverse("progress:observation_file", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"
    sign_in(client, w.far_parent)
    assert client.get(reverse("progress:observation_file", args=[theirs.pk])).status_code == 404


def test_a_parent_has_no_review_queue_and_staff_have_the_link(client, w):
    sign_in(client, w.parent)
    assert client.get(reverse("progress:observations_review")).status_code == 404
    assert "Observations to review" not in client.get(record_url(w.child)).content.decode()
    sign_in(client, w.teacher)
    assert "Observations to review" in client.get(record_url(w.child)).content.decode()


def test_the_author_withdraws_a_waiting_observation_from_the_list(client, w):
    mine = rf.ObservationFactory(pupil=w.child, author=w.parent, note="Oops, wrong child")
    sign_in(client, w.parent)
    response = client.post(reverse("progress:observation_withdraw", args=[mine.pk]), follow=True)
    assert "Your observation is withdrawn." in response.content.decode()
    assert "Oops, wrong child" not in response.content.decode()


def test_a_date_in_the_future_is_refused_on_its_field(client, w):
    sign_in(client, w.parent)
    response = client.post(
        reverse("progress:observation_new", args=[w.child.pk]), {"note": "Tomorrow", "observed_on": "2999-01-01"}
    )
    assert response.status_code == 422
    assert 'id="id_observed_on_error"' in response.content.decode()
    assert not Observation.objects.exists()


def test_staff_with_no_pupils_yet_see_an_empty_queue(client, w):
    newcomer = w.staff("Nia Newteacher", "teacher")
    sign_in(client, newcomer)
    response = client.get(reverse("progress:observations_review"))
    assert response.status_code == 200
    assert "Nothing is waiting for you." in response.content.decode()
