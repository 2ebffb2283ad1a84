"""Raising and resolving insights from the records, and each reader's state."""

import datetime

import pytest

from accounts.models import AuditEntry
from hub.models import OutboxEntry
from messaging.models import Notification
from progress.insights import services, tasks
from progress.models import Insight, InsightSeen
from tests import factories
from tests.progress import insights_records as records

TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def child(db, school):
    return factories.PupilFactory(school=school, first_name="Amani")


@pytest.fixture
def guardian(child):
    user = factories.UserFactory()
    factories.GuardianshipFactory(guardian=user, pupil=child)
    return user


def busy_then_quiet(child):
    """Four busy weeks (15 minutes a day), then 34 minutes in the last 7 days."""
    records.daily_activity(child, until=TODAY - datetime.timedelta(days=7), days=28, minutes=15)
    records.activity(child, TODAY - datetime.timedelta(days=2), 34)


def rows(child):
    return list(
        Insight.objects.filter(pupil=child)
        .order_by("key")
        .values_list("key", "rule", "severity", "numbers", "resolved_at")
    )


def test_each_rule_raises_its_insight_from_the_records(child, guardian, school):
    busy_then_quiet(child)
    maths = records.subject(school)
    for weeks_ago, score in ((4, 80), (3, 72), (2, 65), (1, 58)):
        records.assessment(child, maths, TODAY - datetime.timedelta(days=7 * weeks_ago), score)
    records.milestone(child, TODAY - datetime.timedelta(days=2))
    records.goal(child, guardian, target_date=TODAY - datetime.timedelta(days=3))

    current = services.refresh_insights(pupil=child, today=TODAY)

    by_rule = {insight.rule: insight for insight in current}
    assert set(by_rule) == {"engagement_drop", "declining_trend", "milestone", "deadline_missed"}
    assert by_rule["engagement_drop"].numbers["this_week"] == 34
    assert by_rule["engagement_drop"].numbers["average"] == 105
    assert by_rule["declining_trend"].numbers["subject"] == "Mathematics"
    assert by_rule["deadline_missed"].numbers["days_over"] == 3


def test_refreshing_twice_leaves_the_same_rows(child, guardian):
    busy_then_quiet(child)
    records.goal(child, guardian, target_date=TODAY - datetime.timedelta(days=3))
    services.refresh_insights(pupil=child, today=TODAY)
    first = rows(child)
    ids = set(Insight.objects.values_list("pk", flat=True))
    audits = AuditEntry.objects.count()
    services.refresh_insights(pupil=child, today=TODAY)
    assert rows(child) == first
    assert set(Insight.objects.values_list("pk", flat=True)) == ids
    assert AuditEntry.objects.count() == audits  # nothing changed, nothing written


def test_an_insight_that_no_longer_fires_is_resolved_and_kept(child, guardian):
    late_goal = records.goal(child, guardian, target_date=TODAY - datetime.timedelta(days=3))
    [insight] = services.refresh_insights(pupil=child, today=TODAY)
    late_goal.status = "completed"
    late_goal.save()
    assert services.refresh_insights(pupil=child, today=TODAY) == []
    insight.refresh_from_db()
    assert insight.resolved_at is not None
    assert AuditEntry.objects.filter(action="insight.resolved", target_id=str(insight.pk)).exists()


def test_numbers_follow_the_records_on_the_same_row(child, guardian):
    records.goal(child, guardian, target_date=TODAY - datetime.timedelta(days=3))
    [before] = services.refresh_insights(pupil=child, today=TODAY)
    [after] = services.refresh_insights(pupil=child, today=TODAY + datetime.timedelta(days=20))
    assert after.pk == before.pk
    assert after.numbers["days_over"] == 23
    assert after.severity == "urgent"


def test_a_child_without_records_has_no_insights(child):
    assert services.refresh_insights(pupil=child, today=TODAY) == []


def test_a_child_who_joined_mid_term_is_not_alerted_for_the_weeks_before(child):
    # Joined 10 days ago and did a lot since, a quiet last week: one whole week only, no compare.
    records.daily_activity(child, until=TODAY - datetime.timedelta(days=7), days=3, minutes=60)
    records.activity(child, TODAY, 5)
    assert services.refresh_insights(pupil=child, today=TODAY) == []


def test_deleted_records_do_not_count(child, guardian):
    goal = records.goal(child, guardian, target_date=TODAY - datetime.timedelta(days=3))
    goal.deleted_at = goal.created_at
    goal.save()
    assert services.refresh_insights(pupil=child, today=TODAY) == []


def test_an_insight_suggests_and_never_messages_anyone(child, guardian, django_capture_on_commit_callbacks):
    busy_then_quiet(child)
    records.goal(child, guardian, target_date=TODAY - datetime.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        services.refresh_insights(pupil=child, today=TODAY)
    assert Insight.objects.filter(pupil=child).count() == 2
    assert not Notification.objects.exists()
    assert not OutboxEntry.objects.exists()


def test_the_nightly_task_refreshes_pupils_with_records(child, guardian, school):
    records.goal(child, guardian, target_date=datetime.date(2020, 1, 1))
    idle = factories.PupilFactory(school=school)
    assert list(services.pupils_with_records()) == [child.pk]
    assert tasks.refresh_all_insights() == 1  # eager in tests: the per-pupil tasks ran too
    assert Insight.objects.filter(pupil=child, rule="deadline_missed").exists()
    assert not Insight.objects.filter(pupil=idle).exists()
    assert tasks.refresh_pupil_insights(999999) == 0


def test_reading_and_dismissing_are_per_reader_and_audited(child, guardian):
    other = factories.UserFactory()
    factories.GuardianshipFactory(guardian=other, pupil=child)
    insight = records.insight(child, key="a")
    insight = Insight.objects.select_related("pupil").get(pk=insight.pk)
    services.insight_mark_read(reader=guardian, insight=insight)
    services.insight_dismiss(reader=guardian, insight=insight)
    services.insight_dismiss(reader=guardian, insight=insight)
    seen = InsightSeen.objects.get(user=guardian)
    assert seen.dismissed_at is not None
    assert not InsightSeen.objects.filter(user=other).exists()
    actions = list(AuditEntry.objects.filter(target_id=str(insight.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["insight.dismissed", "insight.read"]


def test_the_command_refreshes_on_demand(child, guardian, school):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    records.goal(child, guardian, target_date=TODAY - datetime.timedelta(days=3))
    out = StringIO()
    call_command("refresh_insights", "--school", school.slug, "--date", TODAY.isoformat(), stdout=out)
    assert "Pupils refreshed: 1; insights current: 1." in out.getvalue()
    assert Insight.objects.get(pupil=child).numbers["days_over"] == 3
    with pytest.raises(CommandError):
        call_command("refresh_insights", "--school", "nowhere")
    with pytest.raises(CommandError):
        call_command("refresh_insights", "--date", "yesterday")
