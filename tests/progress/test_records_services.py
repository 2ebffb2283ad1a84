"""Recording learning records and reviewing observations from home, through the services:
who may, what is refused, what is audited and who is told."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import AuditEntry
from hub.models import OutboxEntry
from messaging.models import Notification
from progress.models import Assessment, CompetencyJudgement, Observation
from progress.records import effects, services
from progress.records.services import RecordsError
from tests.progress import factories_records as rf


@pytest.fixture
def w(db):
    return rf.RecordsWorld()


def actions():
    return list(AuditEntry.objects.values_list("action", flat=True))


def test_the_class_teacher_records_an_assessment_and_it_is_audited(w):
    assessment = services.assessment_record(
        user=w.teacher,
        pupil=w.child,
        subject=w.subject,
        title="Times tables",
        assessed_on=datetime.date(2026, 11, 2),
        score=Decimal("18"),
        max_score=Decimal("20"),
    )
    assert assessment.recorded_by == w.teacher
    assert "assessment.recorded" in actions()


def test_a_grade_alone_is_enough_but_nothing_at_all_is_refused(w):
    graded = services.assessment_record(
        user=w.sendco,
        pupil=w.child,
        subject=w.subject,
        title="Reading age",
        assessed_on=datetime.date(2026, 11, 2),
        grade="B",
    )
    assert graded.grade == "B"
    with pytest.raises(RecordsError, match="score out of a maximum, or a grade"):
        services.assessment_record(
            user=w.teacher, pupil=w.child, subject=w.subject, title="Empty", assessed_on=datetime.date(2026, 11, 2)
        )
    with pytest.raises(RecordsError, match="between 0 and 10"):
        services.assessment_record(
            user=w.teacher,
            pupil=w.child,
            subject=w.subject,
            title="Too many",
            assessed_on=datetime.date(2026, 11, 2),
            score=Decimal(11),
            max_score=Decimal(10),
        )


def test_a_teacher_of_another_class_a_parent_and_another_school_may_not_record(w):
    for user in (w.other_teacher, w.parent, w.far_teacher):
        with pytest.raises(PermissionDenied):
            services.award_record(
                user=user, pupil=w.child, kind="badge", title="Kindness", awarded_on=datetime.date(2026, 11, 2)
            )
    assert not AuditEntry.objects.filter(action="award.recorded").exists()


def test_a_subject_of_another_school_is_refused(w):
    with pytest.raises(RecordsError, match="not taught at this pupil's school"):
        services.assessment_record(
            user=w.teacher,
            pupil=w.child,
            subject=w.far_subject,
            title="Kiswahili",
            assessed_on=datetime.date(2026, 11, 2),
            grade="A",
        )


def test_activity_and_awards_are_recorded(w):
    activity = services.activity_record(
        user=w.teacher,
        pupil=w.child,
        started_at=datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC),
        minutes=40,
        kind="reading",
    )
    assert activity.minutes == 40
    with pytest.raises(RecordsError, match="between 1 and 720"):
        services.activity_record(
            user=w.teacher, pupil=w.child, started_at=activity.started_at, minutes=0, kind="reading"
        )
    award = services.award_record(
        user=w.teacher,
        pupil=w.child,
        kind="certificate",
        title="Star of the week",
        awarded_on=datetime.date(2026, 11, 2),
    )
    assert award.awarded_by == w.teacher


def test_judgements_store_the_level_code_on_the_schools_scale(w):
    judgement = services.judgement_record(
        user=w.teacher,
        pupil=w.child,
        competency=rf.builtin_competency("READ"),
        scale="england_are",
        level="gds",
        judged_on=datetime.date(2026, 11, 2),
    )
    assert judgement.level == "GDS"
    assert str(judgement.level_info.label) == "Working at greater depth"


def test_a_level_off_the_scale_is_refused_naming_the_levels(w):
    with pytest.raises(
        RecordsError, match=r"Level 'XX' is not on the age-related expectations scale \(GDS, EXS, WTS\)"
    ):
        services.judgement_record(
            user=w.teacher,
            pupil=w.child,
            competency=rf.builtin_competency("READ"),
            scale="england_are",
            level="XX",
            judged_on=datetime.date(2026, 11, 2),
        )
    assert not CompetencyJudgement.objects.exists()


def test_a_scale_or_competency_of_another_framework_is_refused(w):
    with pytest.raises(RecordsError, match="not used with this school's curriculum"):
        services.judgement_record(
            user=w.teacher,
            pupil=w.child,
            competency=rf.builtin_competency("READ"),
            scale="cbc_rubric",
            level="EE",
            judged_on=datetime.date(2026, 11, 2),
        )
    with pytest.raises(RecordsError, match="another curriculum framework"):
        services.judgement_record(
            user=w.teacher,
            pupil=w.child,
            competency=rf.builtin_competency("CC"),
            scale="england_are",
            level="EXS",
            judged_on=datetime.date(2026, 11, 2),
        )
    with pytest.raises(RecordsError, match="not judged on the early learning goals scale"):
        services.judgement_record(
            user=w.teacher,
            pupil=w.child,
            competency=rf.builtin_competency("READ"),
            scale="eyfs_elg",
            level="EXP",
            judged_on=datetime.date(2026, 11, 2),
        )


def test_cbc_schools_judge_on_the_rubric_and_the_grade_9_sub_levels(w):
    core = rf.builtin_competency("CT")
    rubric = services.judgement_record(
        user=w.far_teacher,
        pupil=w.far_child,
        competency=core,
        scale="cbc_rubric",
        level="ME",
        judged_on=datetime.date(2026, 11, 2),
    )
    grade9 = services.judgement_record(
        user=w.far_teacher,
        pupil=w.far_child,
        competency=core,
        scale="cbc_grade9",
        level="EE1",
        judged_on=datetime.date(2026, 11, 2),
    )
    assert (rubric.level, grade9.level, grade9.level_info.points) == ("ME", "EE1", 8)
    with pytest.raises(RecordsError, match=r"Level 'XX' is not on the CBC rubric scale \(EE, ME, AE, BE\)"):
        services.judgement_record(
            user=w.far_teacher,
            pupil=w.far_child,
            competency=core,
            scale="cbc_rubric",
            level="XX",
            judged_on=datetime.date(2026, 11, 2),
        )


def test_removing_a_record_soft_deletes_it_once_with_an_audit_entry(w):
    assessment = rf.AssessmentFactory(pupil=w.child, subject=w.subject)
    with pytest.raises(PermissionDenied):
        services.assessment_delete(user=w.other_teacher, assessment=assessment)
    services.assessment_delete(user=w.teacher, assessment=assessment)
    services.assessment_delete(user=w.teacher, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.deleted_at is not None
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    assert not Assessment.objects.live().filter(pk=assessment.pk).exists()
    assert actions().count("assessment.deleted") == 1
    for factory, delete, noun in (
        (rf.ActivitySessionFactory, services.activity_delete, "activity"),
        (rf.AwardFactory, services.award_delete, "award"),
        (rf.CompetencyJudgementFactory, services.judgement_delete, "judgement"),
    ):
        record = factory(pupil=w.child)
        delete(user=w.teacher, **{noun: record})
        record.refresh_from_db()
        assert record.deleted_at is not None
        assert f"{noun}.deleted" in actions()


# --- observations from home ----------------------------------------------------------------------


def test_a_guardian_adds_an_observation_and_the_pupils_staff_are_told(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        observation = services.observation_add(user=w.parent, pupil=w.child, note="Counted the stairs to 20")
    assert observation.status == "pending"
    assert "observation.added" in actions()
    told = set(Notification.objects.filter(kind="observation_added").values_list("user__display_name", flat=True))
    assert told == {"Tess Teacher", "Sid Sendco"}


def test_a_teacher_or_another_family_may_not_add_an_observation(w):
    for user in (w.teacher, w.other_parent, w.far_parent):
        with pytest.raises(PermissionDenied):
            services.observation_add(user=user, pupil=w.child, note="Not theirs")
    assert not Observation.objects.exists()


def test_a_rolled_back_observation_notifies_nobody(w, django_capture_on_commit_callbacks):
    def add_then_fail():
        with transaction.atomic():
            services.observation_add(user=w.parent, pupil=w.child, note="Counted the stairs to 20")
            raise RuntimeError("the request failed after the save")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        add_then_fail()
    assert not Observation.objects.exists()
    assert not OutboxEntry.objects.exists()
    assert not Notification.objects.exists()


def test_staff_approve_an_observation_and_the_family_is_told(w, django_capture_on_commit_callbacks):
    observation = rf.ObservationFactory(pupil=w.child, author=w.parent)
    with django_capture_on_commit_callbacks(execute=True):
        services.observation_review(user=w.teacher, observation=observation, approve=True, note="Lovely counting!")
    observation.refresh_from_db()
    assert (observation.status, observation.reviewed_by, observation.review_note) == (
        "approved",
        w.teacher,
        "Lovely counting!",
    )
    notification = Notification.objects.get(kind="observation_reviewed")
    assert notification.user == w.parent
    assert "was added to the record" in notification.title
    assert "observation.approved" in actions()
    # Run again (a worker retrying after a crash): nobody is told twice.
    assert effects.observation_reviewed_notify(observation_id=observation.pk) == 0


def test_a_declined_observation_says_so_and_cannot_be_reviewed_again(w, django_capture_on_commit_callbacks):
    observation = rf.ObservationFactory(pupil=w.child, author=w.parent)
    with django_capture_on_commit_callbacks(execute=True):
        services.observation_review(user=w.sendco, observation=observation, approve=False, note="Please add a date")
    assert "was not added" in Notification.objects.get(kind="observation_reviewed").title
    with pytest.raises(RecordsError, match="already been looked at"):
        services.observation_review(user=w.teacher, observation=observation, approve=True)


def test_a_teacher_of_another_class_or_the_family_may_not_review(w):
    observation = rf.ObservationFactory(pupil=w.child, author=w.parent)
    for user in (w.other_teacher, w.parent, w.far_teacher):
        with pytest.raises(PermissionDenied):
            services.observation_review(user=user, observation=observation, approve=True)
    observation.refresh_from_db()
    assert observation.status == "pending"


def test_staff_who_lost_the_class_before_delivery_are_not_told(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.observation_add(user=w.parent, pupil=w.child, note="Read a whole book")
    w.teacher.class_groups.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    told = set(Notification.objects.filter(kind="observation_added").values_list("user__display_name", flat=True))
    assert told == {"Sid Sendco"}


def test_the_author_withdraws_a_waiting_observation(w):
    observation = rf.ObservationFactory(pupil=w.child, author=w.parent)
    with pytest.raises(PermissionDenied):
        services.observation_withdraw(user=w.teacher, observation=observation)
    services.observation_withdraw(user=w.parent, observation=observation)
    observation.refresh_from_db()
    assert observation.deleted_at is not None
    assert "observation.withdrawn" in actions()


def test_the_same_observation_sent_twice_is_recorded_and_announced_once(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.observation_add(user=w.parent, pupil=w.child, note="Counted the stairs to 20")
        second = services.observation_add(user=w.parent, pupil=w.child, note="Counted the stairs to 20")
    assert first.pk == second.pk
    assert Observation.objects.count() == 1
    assert Notification.objects.filter(kind="observation_added", user=w.teacher).count() == 1


def test_the_same_assessment_sent_twice_is_recorded_once(w):
    values = {
        "user": w.teacher,
        "pupil": w.child,
        "subject": w.subject,
        "title": "Spelling",
        "assessed_on": datetime.date(2026, 11, 2),
        "grade": "B",
    }
    assert services.assessment_record(**values).pk == services.assessment_record(**values).pk
    assert Assessment.objects.count() == 1
    assert actions().count("assessment.recorded") == 1
