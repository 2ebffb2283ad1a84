"""Each alert rule on hand-made values, with the edges: no data, one week, a child who joined
mid-term, all-zero weeks, grades and levels never turned into numbers."""

import datetime

from progress.insights import rules

TODAY = datetime.date(2026, 11, 27)


def days_before(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def weeks(*totals: int, today=TODAY) -> dict[datetime.date, int]:
    """Minutes by day: `totals[0]` over the 7 days ending today, `totals[1]` the week before, ...
    (each week's minutes on its first day: the rule only adds them up)."""
    by_day = {}
    for back, total in enumerate(totals):
        start = today - datetime.timedelta(days=6 + 7 * back)
        if total:
            by_day[start] = total
    return by_day


def first_day_of_week(back: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=6 + 7 * back)


# --- engagement down sharply week on week --------------------------------------------------------


def test_the_example_from_the_brief_34_against_95():
    finding = rules.engagement_drop(
        minutes_by_day=weeks(34, 100, 90, 95, 95), today=TODAY, first_record_on=first_day_of_week(4)
    )
    assert finding.rule == "engagement_drop"
    assert finding.severity == "warning"
    assert finding.key == "engagement_drop:2026-W48"
    assert finding.numbers["this_week"] == 34
    assert finding.numbers["average"] == 95
    assert finding.numbers["weeks"] == 4
    assert finding.numbers["percent_down"] == 64


def test_a_quarter_or_less_of_the_usual_is_urgent_and_nothing_at_all_too():
    usual = (100, 100, 100, 100)
    assert rules.engagement_drop(
        minutes_by_day=weeks(25, *usual), today=TODAY, first_record_on=first_day_of_week(4)
    ).severity == ("urgent")
    nothing = rules.engagement_drop(minutes_by_day=weeks(0, *usual), today=TODAY, first_record_on=first_day_of_week(4))
    assert nothing.severity == "urgent"
    assert nothing.numbers["this_week"] == 0


def test_a_small_dip_is_not_an_alert():
    assert (
        rules.engagement_drop(
            minutes_by_day=weeks(60, 100, 100, 100, 100), today=TODAY, first_record_on=days_before(60)
        )
        is None
    )


def test_exactly_half_is_sharp_enough():
    assert rules.engagement_drop(
        minutes_by_day=weeks(50, 100, 100, 100, 100), today=TODAY, first_record_on=days_before(60)
    )


def test_no_data_at_all():
    assert rules.engagement_drop(minutes_by_day={}, today=TODAY, first_record_on=None) is None


def test_one_week_of_records_only_is_never_compared():
    assert (
        rules.engagement_drop(minutes_by_day=weeks(0, 200), today=TODAY, first_record_on=first_day_of_week(1)) is None
    )


def test_a_child_who_joined_mid_term_is_compared_only_with_the_weeks_since():
    # Joined three weeks ago: 120, 120 minutes in their two whole weeks; the empty weeks before
    # they joined would have made the average 60 and hidden nothing, or here, invented a baseline.
    by_day = weeks(30, 120, 120)
    finding = rules.engagement_drop(minutes_by_day=by_day, today=TODAY, first_record_on=first_day_of_week(2))
    assert finding.numbers["weeks"] == 2
    assert finding.numbers["average"] == 120


def test_a_week_the_child_started_part_way_through_is_left_out():
    by_day = weeks(30, 120, 120, 5)
    joined = first_day_of_week(3) + datetime.timedelta(days=4)  # mid-week: that week is partial
    finding = rules.engagement_drop(minutes_by_day=by_day, today=TODAY, first_record_on=joined)
    assert finding.numbers["weeks"] == 2
    assert finding.numbers["average"] == 120


def test_a_child_who_joined_last_week_and_a_bit_is_not_compared():
    joined = first_day_of_week(1) - datetime.timedelta(days=2)
    assert rules.engagement_drop(minutes_by_day=weeks(0, 300, 40), today=TODAY, first_record_on=joined) is None


def test_all_zero_weeks_are_not_a_drop_and_do_not_divide_by_zero():
    assert rules.engagement_drop(minutes_by_day={}, today=TODAY, first_record_on=days_before(90)) is None


def test_zero_weeks_after_joining_count_in_the_average():
    finding = rules.engagement_drop(
        minutes_by_day=weeks(0, 0, 0, 200, 200), today=TODAY, first_record_on=first_day_of_week(4)
    )
    assert finding.numbers["average"] == 100


def test_too_little_usual_activity_to_call_a_drop():
    assert (
        rules.engagement_drop(minutes_by_day=weeks(0, 20, 20, 20, 20), today=TODAY, first_record_on=days_before(60))
        is None
    )


def test_the_drop_must_be_at_least_half_an_hour():
    # 10 against 35: well under half, but 25 minutes is not "sharply" for a family.
    assert (
        rules.engagement_drop(minutes_by_day=weeks(10, 35, 35, 35, 35), today=TODAY, first_record_on=days_before(60))
        is None
    )


def test_records_after_today_are_ignored():
    by_day = weeks(30, 100, 100, 100, 100)
    by_day[TODAY + datetime.timedelta(days=1)] = 500
    assert (
        rules.engagement_drop(minutes_by_day=by_day, today=TODAY, first_record_on=days_before(60)).numbers["this_week"]
        == 30
    )


def test_a_first_record_in_the_future_is_no_data():
    assert (
        rules.engagement_drop(
            minutes_by_day=weeks(0, 100, 100), today=TODAY, first_record_on=TODAY + datetime.timedelta(days=3)
        )
        is None
    )


# --- declining assessment trend ------------------------------------------------------------------


def results(*percents):
    return [(days_before(7 * (len(percents) - n)), p) for n, p in enumerate(percents)]


def test_falling_scores_are_a_declining_trend_with_their_numbers():
    finding = rules.declining_trend(subject_id=3, subject="Mathematics", results=results(80, 72, 65, 58))
    assert finding.rule == "declining_trend"
    assert finding.severity == "warning"
    assert finding.numbers["first"] == 80
    assert finding.numbers["latest"] == 58
    assert finding.numbers["count"] == 4
    assert finding.numbers["points_per_assessment"] == -7.3
    assert finding.key == f"declining_trend:3:{days_before(7).isoformat()}"


def test_steep_falls_are_urgent():
    assert rules.declining_trend(subject_id=1, subject="Science", results=results(90, 75, 60)).severity == "urgent"


def test_one_bad_test_after_good_ones_is_not_a_trend():
    assert rules.declining_trend(subject_id=1, subject="Science", results=results(80, 82, 81, 79, 66)) is None


def test_rising_or_flat_scores_are_not_a_decline():
    assert rules.declining_trend(subject_id=1, subject="Science", results=results(50, 60, 70)) is None
    assert rules.declining_trend(subject_id=1, subject="Science", results=results(70, 70, 70, 70)) is None


def test_two_results_are_not_enough_and_none_is_nothing():
    assert rules.declining_trend(subject_id=1, subject="Science", results=results(90, 40)) is None
    assert rules.declining_trend(subject_id=1, subject="Science", results=[]) is None


def test_only_the_latest_five_results_count_in_date_order():
    shuffled = list(reversed(results(20, 30, 40, 90, 85, 80, 72, 65)))
    finding = rules.declining_trend(subject_id=1, subject="Science", results=shuffled)
    assert finding.numbers["count"] == 5
    assert finding.numbers["first"] == 90
    assert finding.numbers["latest"] == 65


def test_grades_and_levels_without_a_percentage_are_skipped_not_converted():
    mixed = [*results(85, 75, 62), (days_before(1), None), (days_before(2), None)]
    finding = rules.declining_trend(subject_id=1, subject="Science", results=mixed)
    assert finding.numbers["count"] == 3
    only_grades = [(days_before(n), None) for n in range(5)]
    assert rules.declining_trend(subject_id=1, subject="Science", results=only_grades) is None


def test_the_slope_is_least_squares():
    assert rules.slope([3, 2, 1]) == -1.0
    assert rules.slope([1, 3, 2, 4]) == 0.8
    assert rules.slope([5]) == 0.0


# --- milestone reached ---------------------------------------------------------------------------


def test_a_milestone_of_the_last_two_weeks_is_news():
    finding = rules.milestone_reached(
        key="goal:12", kind="goal_completed", title="Reads every night", happened_on=days_before(3), today=TODAY
    )
    assert finding.rule == "milestone"
    assert finding.severity == "info"
    assert finding.key == "milestone:goal:12"
    assert finding.numbers["days_ago"] == 3
    assert finding.numbers["title"] == "Reads every night"


def test_an_old_or_future_milestone_is_not():
    old = rules.milestone_reached(key="k", kind="streak", title="t", happened_on=days_before(15), today=TODAY)
    future = rules.milestone_reached(
        key="k", kind="streak", title="t", happened_on=TODAY + datetime.timedelta(days=1), today=TODAY
    )
    assert old is None
    assert future is None
    assert rules.milestone_reached(key="k", kind="streak", title="t", happened_on=days_before(14), today=TODAY)


# --- deadline missed -----------------------------------------------------------------------------


def goal(**overrides):
    values = {
        "goal_id": 5,
        "title": "Swim 25 m",
        "category": "health",
        "status": "active",
        "target_date": days_before(3),
    }
    values.update(overrides)
    return rules.deadline_missed(today=TODAY, **values)


def test_an_active_goal_past_its_date_is_a_missed_deadline():
    finding = goal()
    assert finding.rule == "deadline_missed"
    assert finding.severity == "warning"
    assert finding.numbers["days_over"] == 3
    assert finding.key == f"deadline_missed:5:{days_before(3).isoformat()}"


def test_long_overdue_is_urgent():
    assert goal(target_date=days_before(15)).severity == "urgent"


def test_due_today_undated_finished_or_paused_goals_are_not_missed():
    assert goal(target_date=TODAY) is None
    assert goal(target_date=None) is None
    assert goal(status="completed") is None
    assert goal(status="paused") is None
    assert goal(status="cancelled") is None
