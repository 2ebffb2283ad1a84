"""Milestones recognised from hand-made records: each once, however often recognition runs."""

import datetime

import pytest
from django.utils import timezone

from messaging.models import Notification
from progress.goals import milestones, services
from progress.goals.milestones import recognise_milestones, streak_runs
from progress.models import Celebration, CelebrationTemplate, Milestone
from tests.progress import goals_world
from tests.progress.factories_goals import activity_on, award, judgement

world = goals_world.world

DAY = datetime.timedelta(days=1)
START = datetime.date(2026, 9, 1)


def days(first, count):
    return [first + DAY * n for n in range(count)]


def test_no_records_no_milestones(world):
    assert recognise_milestones(world.child) == []


def test_runs_of_consecutive_days():
    assert streak_runs([]) == []
    assert streak_runs([START, START + DAY, START + 3 * DAY]) == [(START, 2), (START + 3 * DAY, 1)]


def test_four_days_are_not_a_streak_five_are(world):
    activity_on(world.child, *days(START, 4))
    assert recognise_milestones(world.child) == []
    activity_on(world.child, START + 4 * DAY)
    found = recognise_milestones(world.child)
    assert [(m.kind, m.details["days"], m.happened_on) for m in found] == [("streak", 5, START + 4 * DAY)]


def test_a_gap_breaks_the_streak(world):
    activity_on(world.child, *days(START, 4), *days(START + 5 * DAY, 4))
    assert recognise_milestones(world.child) == []


def test_two_sessions_on_one_day_count_once(world):
    activity_on(world.child, *days(START, 4))
    activity_on(world.child, *days(START, 4), hour=15)
    assert recognise_milestones(world.child) == []


def test_thirty_days_give_each_length_once_and_again_nothing(world):
    activity_on(world.child, *days(START, 30))
    first = recognise_milestones(world.child)
    assert sorted(m.details["days"] for m in first) == [5, 10, 20, 30]
    assert recognise_milestones(world.child) == []
    assert Milestone.objects.filter(pupil=world.child).count() == 4
    assert Celebration.objects.filter(pupil=world.child).count() == 4


def test_a_day_counts_on_the_school_s_clock(world):
    # 23:30 UTC in September is 00:30 in London: the next day there.
    world.school.time_zone = "Europe/London"
    world.school.save()
    activity_on(world.child, *days(START, 4), hour=10)
    activity_on(world.child, START + 3 * DAY, hour=23)  # the 5th day in London
    found = recognise_milestones(world.child)
    assert [m.details["days"] for m in found] == [5]


def test_a_level_gained_is_a_milestone_a_level_held_or_lost_is_not(world):
    judgement(world.child, "READ", "WTS", START)
    judgement(world.child, "READ", "WTS", START + DAY)
    judgement(world.child, "MATH", "EXS", START)
    judgement(world.child, "MATH", "WTS", START + DAY)
    gained = judgement(world.child, "READ", "EXS", START + 2 * DAY)
    found = recognise_milestones(world.child)
    assert [(m.kind, m.key) for m in found] == [("level_gained", f"level:{gained.pk}")]
    celebration = found[0].celebration
    heading, body = milestones.celebration_text(celebration)
    assert "Working at the expected standard" in body
    assert "Reading" in body


def test_an_award_and_a_completed_goal_are_milestones_once(world):
    award(world.child, "Star reader")
    goal = services.goal_create(author=world.parent, pupil=world.child, title="Swim 10 m", category="health")
    services.goal_status_change(user=world.teacher, goal=goal, status="completed")
    found = recognise_milestones(world.child)
    assert sorted(m.kind for m in found) == ["award", "goal_completed"]
    assert recognise_milestones(world.child) == []
    assert Celebration.objects.filter(pupil=world.child).count() == 2


def test_the_family_is_told_of_a_new_celebration(world):
    award(world.child)
    recognise_milestones(world.child)
    told = set(Notification.objects.filter(kind="celebration").values_list("user_id", flat=True))
    assert told == {world.parent.pk}
    recognise_milestones(world.child)
    assert Notification.objects.filter(kind="celebration").count() == 1


def test_the_school_s_template_words_the_card(world):
    CelebrationTemplate.objects.create(
        school=world.school, kind="award", heading="Hooray for {pupil}!", body="{pupil}: {milestone} {not a field}"
    )
    award(world.child, "Star reader")
    (found,) = recognise_milestones(world.child)
    assert found.celebration.heading == "Hooray for Lucía!"
    assert found.celebration.body == "Lucía: Earned “Star reader” {not a field}"


def test_without_a_template_the_card_is_in_the_reader_s_language(world):
    award(world.child, "Star reader")
    (found,) = recognise_milestones(world.child)
    assert found.celebration.heading == ""
    heading, body = milestones.celebration_text(found.celebration)
    assert heading == "Well done, Lucía!"


def test_the_outbox_handler_recognises_the_completed_goal(world, django_capture_on_commit_callbacks):
    goal = services.goal_create(author=world.parent, pupil=world.child, title="Tie laces", category="health")
    with django_capture_on_commit_callbacks(execute=True):
        services.goal_status_change(user=world.parent, goal=goal, status="completed")
    assert Milestone.objects.filter(pupil=world.child, key=f"goal:{goal.pk}").exists()


def test_the_hourly_run_finds_pupils_with_recent_records(world):
    activity_on(world.child, *days(START, 5))
    award(world.far_pupil)
    assert milestones.recognise_recent(since=timezone.now() - datetime.timedelta(hours=1)) == 2
    assert milestones.recognise_recent(since=timezone.now() - datetime.timedelta(hours=1)) == 0


@pytest.mark.parametrize("runs", [2, 3])
def test_recognising_again_is_harmless(world, runs):
    activity_on(world.child, *days(START, 10))
    award(world.child)
    for _ in range(runs):
        recognise_milestones(world.child)
    assert Milestone.objects.filter(pupil=world.child).count() == 3
    assert Celebration.objects.filter(pupil=world.child).count() == 3
