"""Shared goals, the pupil's voice, celebration notes, portfolio and pupil sign-ins: what the
services do, and what they refuse."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import AuditEntry
from hub.models import OutboxEntry
from messaging.models import Notification
from progress.goals import selectors, services
from progress.goals.services import GoalsError
from progress.models import GoalStatus, PupilVoice
from tests.progress import goals_world
from tests.progress.factories_goals import CelebrationFactory

world = goals_world.world


def png(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def goal_for(world, author=None, **fields):
    return services.goal_create(
        author=author or world.parent, pupil=world.child, title="Read every night", category="academic", **fields
    )


def test_a_guardian_sets_a_goal_and_the_class_teacher_is_told(world):
    goal = goal_for(world, home_support="A story at bedtime")
    assert goal.created_by == world.parent
    assert goal.status == GoalStatus.ACTIVE
    told = set(Notification.objects.filter(kind="goal_update").values_list("user_id", flat=True))
    assert world.teacher.pk in told
    assert world.sendco.pk in told
    assert world.parent.pk not in told
    assert world.other_teacher.pk not in told
    assert AuditEntry.objects.filter(action="goal.created", target_id=str(goal.pk)).exists()


def test_a_teacher_update_tells_home_not_the_school(world):
    goal = goal_for(world, author=world.teacher)
    Notification.objects.all().delete()
    services.goal_update_add(author=world.teacher, goal=goal, note="Read two chapters in class", progress=40)
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {world.parent.pk}  # not the guardian without viewing rights, not other staff


def test_someone_who_does_not_see_the_pupil_may_not_set_or_update_a_goal(world):
    for outsider in (world.other_parent, world.other_teacher, world.far_teacher, world.no_rights_parent):
        with pytest.raises(PermissionDenied):
            goal_for(world, author=outsider)
    goal = goal_for(world)
    with pytest.raises(PermissionDenied):
        services.goal_update_add(author=world.other_parent, goal=goal, note="Hello")


def test_an_update_with_a_photo_keeps_the_sniffed_type_under_a_random_name(world):
    goal = goal_for(world)
    update = services.goal_update_add(author=world.parent, goal=goal, note="Look!", upload=png("holiday.html"))
    assert update.content_type == "image/png"
    assert update.original_name == "holiday.html"
    assert "holiday" not in update.file.name


def test_an_update_refuses_a_file_that_is_not_a_photo_or_too_big(world, settings):
    goal = goal_for(world)
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(GoalsError, match="cannot be added"):
        services.goal_update_add(author=world.parent, goal=goal, note="Look", upload=fake)
    settings.PROGRESS_EVIDENCE_MAX_BYTES = {"photo": 10, "video": 10, "audio": 10}
    with pytest.raises(GoalsError, match="too big"):
        services.goal_update_add(author=world.parent, goal=goal, note="Look", upload=png())


def test_an_update_refuses_a_bad_percentage_an_empty_note_and_a_finished_goal(world):
    goal = goal_for(world)
    with pytest.raises(GoalsError):
        services.goal_update_add(author=world.parent, goal=goal, note="x", progress=101)
    with pytest.raises(GoalsError):
        services.goal_update_add(author=world.parent, goal=goal, note="   ")
    services.goal_status_change(user=world.teacher, goal=goal, status=GoalStatus.CANCELLED)
    goal.refresh_from_db()
    with pytest.raises(GoalsError, match="finished"):
        services.goal_update_add(author=world.parent, goal=goal, note="More")


def test_completing_a_goal_is_audited_and_recorded_for_milestone_recognition(world):
    goal = goal_for(world)
    services.goal_status_change(user=world.teacher, goal=goal, status=GoalStatus.COMPLETED)
    goal.refresh_from_db()
    assert goal.completed_at is not None
    entry = AuditEntry.objects.get(action="goal.status_changed", target_id=str(goal.pk))
    assert entry.details == {"before": "active", "after": "completed"}
    assert OutboxEntry.objects.filter(effect="progress.recognise_milestones", object_id=world.child.pk).count() == 1


def test_the_pupil_s_voice_says_who_wrote_it_down(world):
    goal = goal_for(world)
    services.pupil_voice_add(writer=world.parent, pupil=world.child, goal=goal, text="I like the dragon book")
    services.pupil_voice_add(writer=world.teacher, pupil=world.child, goal=goal, text="I read to Mateo")
    pupil_user = world.pupil_user()
    services.pupil_voice_add(writer=pupil_user, pupil=world.child, goal=goal, text="I did it myself")
    page = selectors.goal_page_for(user=world.parent, goal=goal)
    labels = [voiced.attribution for voiced in page.voices]
    assert labels == [
        "Said by Lucía, written by their mum",
        "Said by Lucía, written by their teacher (Tess Teacher)",
        "Written by Lucía",
    ]
    assert PupilVoice.objects.filter(written_by_pupil=True).count() == 1


def test_another_family_may_not_write_a_pupil_s_voice(world):
    goal = goal_for(world)
    with pytest.raises(PermissionDenied):
        services.pupil_voice_add(writer=world.classmate_parent, pupil=world.child, goal=goal, text="Hi")


def test_parents_and_teachers_add_words_to_a_celebration_but_not_others(world):
    celebration = CelebrationFactory(milestone__pupil=world.child)
    services.celebration_note_add(author=world.parent, celebration=celebration, text="So proud")
    services.celebration_note_add(author=world.teacher, celebration=celebration, text="Brilliant work")
    assert celebration.notes.count() == 2
    with pytest.raises(PermissionDenied):
        services.celebration_note_add(author=world.classmate_parent, celebration=celebration, text="Hi")
    with pytest.raises(PermissionDenied):
        services.celebration_note_add(author=world.pupil_user(), celebration=celebration, text="Me")


def test_a_family_item_waits_for_a_teacher_a_staff_item_is_approved_at_once(world):
    family = services.portfolio_item_add(
        author=world.parent, pupil=world.child, kind="photo", title="Volcano", visibility="class", upload=png()
    )
    assert family.status == "pending"
    staff = services.portfolio_item_add(
        author=world.teacher, pupil=world.child, kind="work", title="Poem", visibility="school"
    )
    assert staff.status == "approved"
    with pytest.raises(GoalsError):
        services.portfolio_item_add(author=world.parent, pupil=world.child, kind="photo", title="No photo")
    with pytest.raises(PermissionDenied):
        services.portfolio_item_review(reviewer=world.parent, item=family, approve=True)
    with pytest.raises(PermissionDenied):
        services.portfolio_item_review(reviewer=world.other_teacher, item=family, approve=True)
    approved = services.portfolio_item_review(reviewer=world.teacher, item=family, approve=True)
    assert approved.status == "approved"
    assert approved.reviewed_by == world.teacher
    assert Notification.objects.filter(user=world.parent, kind="portfolio").exists()
    with pytest.raises(GoalsError):
        services.portfolio_item_review(reviewer=world.teacher, item=approved, approve=False)


def test_a_pupil_gets_a_sign_in_only_from_the_school_s_age(world):
    young = world.classmate  # born 2017: too young at 11
    with pytest.raises(GoalsError, match="from the age of 11"):
        services.pupil_sign_in_grant(granted_by=world.teacher, pupil=young, email="young@pupils.example")
    assert young.user_id is None
    world.school.pupil_sign_in_age = 8
    world.school.save()
    young.refresh_from_db()
    user = services.pupil_sign_in_grant(granted_by=world.teacher, pupil=young, email="young@pupils.example")
    assert not user.has_usable_password()
    with pytest.raises(GoalsError, match="already"):
        services.pupil_sign_in_grant(granted_by=world.teacher, pupil=young, email="other@pupils.example")


def test_only_the_pupil_s_staff_grant_a_sign_in(world):
    for outsider in (world.parent, world.other_teacher, world.far_teacher):
        with pytest.raises(PermissionDenied):
            services.pupil_sign_in_grant(granted_by=outsider, pupil=world.child, email="lucia@pupils.example")


def test_the_age_counts_birthdays(world):
    world.child.date_of_birth = datetime.date(2015, 6, 1)
    assert services.pupil_age(world.child, on=datetime.date(2026, 5, 31)) == 10
    assert services.pupil_age(world.child, on=datetime.date(2026, 6, 1)) == 11


def test_a_rolled_back_goal_announces_nothing(world):
    from django.db import transaction

    def set_then_fail():
        with transaction.atomic():
            goal_for(world)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        set_then_fail()
    assert not Notification.objects.exists()


def test_removing_a_goal_or_an_item_keeps_the_row_audited_and_hides_it(world):
    from progress.goals import policies

    goal = goal_for(world)
    with pytest.raises(PermissionDenied):
        services.goal_delete(user=world.other_parent, goal=goal)
    services.goal_delete(user=world.parent, goal=goal)
    assert not policies.goals_visible_to(world.parent).filter(pk=goal.pk).exists()
    assert AuditEntry.objects.filter(action="goal.deleted", target_id=str(goal.pk)).exists()
    item = services.portfolio_item_add(author=world.parent, pupil=world.child, kind="work", title="Old")
    services.portfolio_item_delete(user=world.teacher, item=item)
    assert not policies.portfolio_items_visible_to(world.parent).filter(pk=item.pk).exists()
    assert AuditEntry.objects.filter(action="portfolio.item_deleted", target_id=str(item.pk)).exists()
