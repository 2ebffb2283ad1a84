"""The report's figures and summary: checked against the rows, consent for each copy, the
projection's honesty, and the language model only when configured and consented."""

import datetime as dt
import json

import pytest
from django.core.cache import cache

from accounts.models import ConsentRecord, DataKind, Recipient
from progress.models import Assessment
from reports.content import build_content, projection
from reports.narrative import write_narrative
from tests import factories
from tests.reports.reporting import expected_activity, expected_results, make_report
from tests.simulators.llm import ChatCompletionsSimulator

D = dt.date


def refuse(pupil, data_kind, recipient):
    ConsentRecord.objects.update_or_create(
        pupil=pupil, data_kind=data_kind, recipient=recipient, defaults={"given": False}
    )


@pytest.mark.parametrize("kind", ["weekly", "monthly", "term"])
def test_the_figures_are_the_rows_of_the_period(family, kind):
    child = family.children[1]
    report = make_report(child, kind=kind)
    content = build_content(report)
    minutes, days = expected_activity(child, report.period_start, report.period_end)
    assert (content["activity"]["minutes"], content["activity"]["days"]) == (minutes, days)
    assert minutes > 0
    rows = expected_results(child, report.period_start, report.period_end)
    assert [r["date"] for r in content["assessments"]["results"]] == [a.assessed_on.isoformat() for a in rows]
    assert [r["percent"] for r in content["assessments"]["results"]] == [
        round(float(a.score) * 100 / float(a.max_score)) for a in rows
    ]
    assert content["header"]["period"]["start"] == report.period_start.isoformat()


def test_results_outside_the_period_are_not_in_it(family):
    child = family.children[0]
    report = make_report(child, kind="weekly")
    Assessment.objects.create(
        pupil=child,
        subject=Assessment.objects.filter(pupil=child).first().subject,
        title="The week after",
        assessed_on=report.period_end + dt.timedelta(days=1),
        score=2,
        max_score=10,
    )
    titles = [r["title"] for r in build_content(report)["assessments"]["results"]]
    assert "The week after" not in titles


def test_a_refusal_to_other_staff_removes_the_results_from_the_school_s_copy_not_the_family_s(family):
    child = family.children[0]
    Assessment.objects.filter(pupil=child).update(comment="Careful working")
    refuse(child, DataKind.ASSESSMENT, Recipient.OTHER_STAFF)
    school = build_content(make_report(child, kind="monthly", copy="school"))
    own = build_content(make_report(child, kind="monthly", copy="family"))
    assert school["assessments"] is None
    assert school["competencies"] is None
    assert school["comments"] == []
    assert school["goals"]["awards"] == []
    assert school["header"]["withheld"] == ["assessment"]
    assert school["activity"]["minutes"] == own["activity"]["minutes"] > 0  # activity was not refused
    assert own["assessments"]["count"] > 0
    assert own["comments"]
    assert own["comments"][0]["text"] == "Careful working"
    assert own["header"]["withheld"] == []


def test_a_refusal_of_activity_to_other_staff_removes_only_the_activity(family):
    child = family.children[0]
    refuse(child, DataKind.ACTIVITY, Recipient.OTHER_STAFF)
    school = build_content(make_report(child, kind="monthly", copy="school"))
    assert school["activity"] is None
    assert school["assessments"]["count"] > 0


def test_class_teachers_always_see_results_the_public_task_cannot_be_refused(family):
    """Assessment results for class teachers are the school's public task (a FIXED cell in
    accounts.consent.policies): a stray refusal row does not empty the school's copy."""
    child = family.children[0]
    refuse(child, DataKind.ASSESSMENT, Recipient.CLASS_TEACHERS)
    assert build_content(make_report(child, kind="monthly", copy="school"))["assessments"]["count"] > 0


# --- the projection ----------------------------------------------------------------------------


def test_fewer_than_three_results_are_not_enough_to_project():
    result = projection([(D(2026, 11, 2), 60.0), (D(2026, 11, 9), 70.0)])
    assert result["enough"] is False
    assert "not enough to project" in result["text"]
    assert "between" not in result["text"]


def test_a_steady_rise_projects_its_next_step():
    # 50, 55, 60, 65 a week apart: the next, a week later, is 70 exactly (no spread).
    scores = [(D(2026, 10, 5) + dt.timedelta(weeks=i), 50.0 + 5 * i) for i in range(4)]
    result = projection(scores)
    assert (result["low"], result["high"]) == (70, 70)
    assert result["slope_per_week"] == 5.0
    assert result["text"] == (
        "If things go on as in the last 3 weeks, the next result is likely to be about 70%. "
        "With only 4 results this is a rough guide."
    )


def test_a_noisy_series_gives_a_range_around_the_trend_that_narrows_with_more_results():
    noise = [4, -3, 5, -6, 2, -2, 6, -4, 3, -5, 1, -1]
    scores = [(D(2026, 9, 1) + dt.timedelta(days=7 * i), 60.0 + i + noise[i]) for i in range(12)]
    few, many = projection(scores[:5]), projection(scores)
    # The least-squares line through all twelve, worked out here, at the next week.
    xs = [7 * i for i in range(12)]
    ys = [y for _d, y in scores]
    mx, my = sum(xs) / 12, sum(ys) / 12
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    expected = my + slope * (xs[-1] + 7 - mx)
    assert many["low"] < expected < many["high"]
    assert many["high"] - many["low"] < few["high"] - few["low"]
    assert few["rough"]
    assert not many["rough"]
    assert f"between {many['low']}% and {many['high']}%" in many["text"]
    assert "rough guide" not in many["text"]


def test_the_range_stays_within_0_and_100():
    scores = [(D(2026, 9, 1) + dt.timedelta(days=7 * i), value) for i, value in enumerate([90.0, 95.0, 100.0])]
    result = projection(scores)
    assert 0 <= result["low"] <= result["high"] <= 100


# --- the summary -------------------------------------------------------------------------------


@pytest.fixture
def model(settings):
    cache.clear()
    with ChatCompletionsSimulator(reply="[CHILD] had a steady month of learning.") as simulator:
        settings.INSIGHTS_LLM_URL = simulator.url
        yield simulator


def test_without_a_model_the_summary_is_written_from_the_figures(family, settings):
    settings.INSIGHTS_LLM_URL = ""
    child = family.children[0]
    report = make_report(child, kind="monthly")
    content = build_content(report)
    text, source = write_narrative(report, content)
    assert source == "template"
    minutes, days = expected_activity(child, report.period_start, report.period_end)
    assert f"spent {minutes} minutes learning, on {days} days" in text
    assert child.known_as in text


def test_with_ai_consent_the_model_writes_it_and_never_sees_a_name(family, model):
    child = family.children[0]
    factories.opt_in(child, recipient=Recipient.AI)
    report = make_report(child, kind="monthly")
    text, source = write_narrative(report, build_content(report))
    assert source == "model"
    assert text == f"{child.known_as} had a steady month of learning."
    sent = json.dumps(model.requests)
    for name in (child.first_name, child.last_name, child.known_as, family.guardian.display_name):
        assert name.lower() not in sent.lower()
    assert "[CHILD]" in sent


def test_without_a_choice_the_model_is_not_asked(family, model):
    # AI features are opt-in: a family that has not chosen is not sent to the model.
    report = make_report(family.children[0], kind="monthly")
    assert write_narrative(report, build_content(report))[1] == "template"
    assert model.requests == []


def test_without_ai_consent_the_model_is_not_asked(family, model):
    child = family.children[0]
    factories.opt_in(child, recipient=Recipient.AI)
    refuse(child, DataKind.ASSESSMENT, Recipient.AI)
    report = make_report(child, kind="monthly")
    text, source = write_narrative(report, build_content(report))
    assert source == "template"
    assert model.requests == []


def test_a_model_that_fails_falls_back_to_the_figures(family, model):
    model.status = 500
    child = family.children[0]
    factories.opt_in(child, recipient=Recipient.AI)
    report = make_report(child, kind="monthly")
    text, source = write_narrative(report, build_content(report))
    assert source == "template"
    assert len(model.requests) == 1
    assert "minutes learning" in text
