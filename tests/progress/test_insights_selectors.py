"""What the dashboard reads: a pupil's insights for one reader, counts, patterns, tips, plans."""

import datetime

import pytest
from django.utils import timezone

from progress.insights import selectors, services
from tests import factories
from tests.progress import insights_records as records

TODAY = datetime.date(2026, 11, 27)  # a Friday


@pytest.fixture
def family(db, school):
    guardian = factories.UserFactory(display_name="Pat Parent")
    child = factories.PupilFactory(school=school, first_name="Amani", last_name="Otieno")
    factories.GuardianshipFactory(guardian=guardian, pupil=child)
    return guardian, child


def test_insights_for_shows_the_sentence_with_its_numbers_newest_first(family):
    guardian, child = family
    older = records.insight(child, key="a", raised_at=timezone.now() - datetime.timedelta(days=2))
    newer = records.insight(
        child,
        rule="deadline_missed",
        key="b",
        numbers={
            "goal_id": 1,
            "title": "Swim 25 m",
            "category": "health",
            "target_date": "2026-11-01",
            "days_over": 26,
        },
    )
    shown = selectors.insights_for(user=guardian, pupil=child)
    assert [insight.pk for insight in shown] == [newer.pk, older.pk]
    assert shown[1].sentence == (
        "34 minutes of learning in the last 7 days, against 95 a week on average over the 4 weeks before."
    )
    assert "Swim 25 m" in shown[0].sentence
    assert "26 days ago" in shown[0].sentence
    assert not shown[0].is_read


def test_dismissing_hides_it_from_that_reader_only(family, school):
    guardian, child = family
    other_guardian = factories.UserFactory()
    factories.GuardianshipFactory(guardian=other_guardian, pupil=child)
    insight = records.insight(child, key="a")
    services.insight_dismiss(reader=guardian, insight=insight)
    assert selectors.insights_for(user=guardian, pupil=child) == []
    assert [i.pk for i in selectors.insights_for(user=other_guardian, pupil=child)] == [insight.pk]
    assert selectors.open_insight_counts(user=guardian, pupils=[child]) == {child.pk: 0}
    assert selectors.open_insight_counts(user=other_guardian, pupils=[child]) == {child.pk: 1}


def test_reading_marks_it_read_for_that_reader(family):
    guardian, child = family
    insight = records.insight(child, key="a")
    services.insight_mark_read(reader=guardian, insight=insight)
    services.insight_mark_read(reader=guardian, insight=insight)
    [shown] = selectors.insights_for(user=guardian, pupil=child)
    assert shown.is_read


def test_resolved_insights_and_other_families_do_not_show(family, school):
    guardian, child = family
    records.insight(child, key="old", resolved_at=timezone.now())
    stranger_child = factories.PupilFactory(school=school)
    records.insight(stranger_child, key="theirs")
    assert selectors.insights_for(user=guardian, pupil=child) == []
    assert selectors.insights_for(user=guardian, pupil=stranger_child) == []
    assert selectors.open_insight_counts(user=guardian, pupils=[child, stranger_child]) == {
        child.pk: 0,
        stranger_child.pk: 0,
    }


def test_open_counts_for_many_children_take_one_query(family, school, django_assert_num_queries):
    guardian, child = family
    children = [child] + [factories.PupilFactory(school=school) for _ in range(3)]
    for other in children[1:]:
        factories.GuardianshipFactory(guardian=guardian, pupil=other)
    for n, pupil in enumerate(children):
        for k in range(n):
            records.insight(pupil, key=f"k{k}")
    with django_assert_num_queries(1):
        counts = selectors.open_insight_counts(user=guardian, pupils=children)
    assert counts == {pupil.pk: n for n, pupil in enumerate(children)}


def test_patterns_show_when_and_what_the_child_engages_with(family, school):
    _, child = family
    maths, reading = records.subject(school, "Mathematics"), records.subject(school, "Reading")
    saturday = datetime.date(2026, 11, 21)
    records.activity(child, saturday, 60, hour=9, subject_row=maths)
    records.activity(child, saturday - datetime.timedelta(days=7), 45, hour=10, subject_row=maths)
    records.activity(child, datetime.date(2026, 11, 25), 20, hour=18, subject_row=reading)
    records.activity(child, TODAY - datetime.timedelta(days=40), 300, hour=9, subject_row=reading)  # too old
    patterns = selectors.patterns_for(pupil=child, today=TODAY)
    assert patterns.total == 125
    assert patterns.busiest_day.label == "Saturday"
    assert patterns.busiest_day.minutes == 105
    assert patterns.busiest_part.key == "morning"
    assert [(str(bar.label), bar.minutes) for bar in patterns.subjects] == [("Mathematics", 105), ("Reading", 20)]
    assert patterns["total"] == 125


def test_patterns_of_a_child_without_records(family):
    _, child = family
    patterns = selectors.patterns_for(pupil=child, today=TODAY)
    assert patterns.total == 0
    assert patterns.busiest_day is None
    assert patterns.subjects == []


def test_tips_follow_needs_goals_and_alerts_with_their_reason(family):
    guardian, child = family
    child.send_status = "sen_support"
    child.send_needs = "Dyslexia: reading support with phonics"
    child.save()
    records.goal(child, guardian, category="health")
    records.insight(child, key="drop")
    chosen = selectors.tips_for(pupil=child)
    assert [tip.code for tip in chosen] == ["short_sessions", "shared_reading", "sleep_food"]
    assert "less learning this week" in str(chosen[0].reason)
    assert "reading support" in str(chosen[1].reason)
    assert "health goal" in str(chosen[2].reason)


def test_a_child_with_nothing_recorded_gets_a_general_tip(family):
    _, child = family
    assert [tip.code for tip in selectors.tips_for(pupil=child)] == ["routine"]


def test_plans_are_the_schools_active_goals_nearest_date_first(family):
    guardian, child = family
    later = records.goal(child, guardian, title="Later", owner="school", target_date=datetime.date(2027, 3, 1))
    sooner = records.goal(child, guardian, title="Sooner", owner="both", target_date=datetime.date(2026, 12, 1))
    undated = records.goal(child, guardian, title="Undated", owner="school")
    records.goal(child, guardian, title="Home only", owner="home", target_date=datetime.date(2026, 12, 1))
    records.goal(child, guardian, title="Done", owner="school", status="completed")
    assert [goal.pk for goal in selectors.plans_for(pupil=child)] == [sooner.pk, later.pk, undated.pk]


def test_narrative_without_a_model_comes_from_the_templates(family, school, settings):
    settings.INSIGHTS_LLM_URL = ""
    guardian, child = family
    maths = records.subject(school, "Mathematics")
    records.daily_activity(child, until=TODAY - datetime.timedelta(days=7), days=28, minutes=15, subject_row=maths)
    records.activity(child, TODAY, 20, subject_row=maths)
    narrative = selectors.narrative_for(user=guardian, pupil=child, today=TODAY)
    assert narrative.source == "template"
    assert str(narrative.label) == "Written from your child's records by a template"
    assert narrative.text.startswith(
        "In the last 7 days Amani spent 20 minutes learning, against 105 a week on average over the 4 weeks before."
    )
    assert "Mathematics" in narrative.text


def test_patterns_use_the_schools_clock(db):
    school = factories.SchoolFactory(time_zone="Africa/Nairobi", country="KE", curriculum="cbc")
    child = factories.PupilFactory(school=school)
    # 22:30 UTC on Sunday is 01:30 on Monday in Nairobi: a Monday morning there.
    from progress.models import ActivitySession

    ActivitySession.objects.create(
        pupil=child, started_at=datetime.datetime(2026, 11, 22, 22, 30, tzinfo=datetime.UTC), minutes=30
    )
    patterns = selectors.patterns_for(pupil=child, today=TODAY)
    assert patterns.busiest_day.label == "Monday"
    assert patterns.busiest_part.key == "morning"
    assert [str(bar.label) for bar in patterns.subjects] == ["Lesson"]
