"""The report job: progress saved as it goes, a failure retried, a step failing every time ends
FAILED with a reason, a stuck job failed by the sweeper, and the outbox effect that runs it."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from hub import outbox
from reports import jobs
from reports.effects import GENERATE
from reports.models import JobStatus, Report
from tests.reports.reporting import make_report

# Claiming the job, reading it, counting the try, what the school's copy may show (one query),
# each section's figures, storing the result: 14 at the time of writing.
QUERIES_PER_JOB = 14


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.INSIGHTS_LLM_URL = ""


def fail_step(monkeypatch, label: str, *, times: int | None):
    """Make the step `label` raise `times` times (None: every time); returns the call counter."""
    calls = {"n": 0}
    original = jobs.steps

    def patched():
        plan = original()
        index = next(i for i, step in enumerate(plan) if str(step.label) == label)
        inner = plan[index].run

        def run(report, state):
            calls["n"] += 1
            if times is None or calls["n"] <= times:
                raise RuntimeError("the drawing library crashed")
            inner(report, state)

        plan[index] = jobs.Step(plan[index].label, run)
        return plan

    monkeypatch.setattr(jobs, "steps", patched)
    return calls


def test_a_queued_report_ends_ready_with_its_pdf(family):
    report = make_report(family.children[0])
    assert jobs.run_report(report.pk) == JobStatus.READY
    report.refresh_from_db()
    assert report.status == JobStatus.READY
    assert report.pdf.read().startswith(b"%PDF")
    assert report.done_steps == report.total_steps == len(jobs.steps()) + 1
    assert report.attempts == 1
    assert report.finished_at is not None
    assert report.percent == 100


def _progress_seen(monkeypatch) -> list:
    """What a page polling the report reads (a fresh query) as each step starts."""
    seen = []
    original = jobs.steps

    def watching():
        plan = original()

        def wrap(step):
            def run(report, state):
                seen.append(Report.objects.values_list("status", "done_steps", "total_steps").get(pk=report.pk))
                step.run(report, state)

            return jobs.Step(step.label, run)

        return [wrap(step) for step in plan]

    monkeypatch.setattr(jobs, "steps", watching)
    return seen


def test_progress_is_saved_after_each_step_that_ends_progress_every_seconds_after_the_last_save(family, monkeypatch):
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)  # every step "takes long enough"
    seen = _progress_seen(monkeypatch)
    report = make_report(family.children[0])
    jobs.run_report(report.pk)
    steps = len(jobs.steps())
    assert seen == [(JobStatus.GENERATING, done, steps + 1) for done in range(steps)]


def test_quick_steps_are_not_each_written_down_and_the_report_still_ends_complete(family, monkeypatch):
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 3600)
    seen = _progress_seen(monkeypatch)
    report = make_report(family.children[0])
    assert jobs.run_report(report.pk) == JobStatus.READY
    steps = len(jobs.steps())
    assert seen == [(JobStatus.GENERATING, 0, steps + 1)] * steps
    report.refresh_from_db()
    assert report.done_steps == report.total_steps == steps + 1


@pytest.mark.parametrize("kind", ["weekly", "term"])
def test_a_report_s_job_makes_a_bounded_number_of_queries_whatever_its_period(
    family, monkeypatch, django_assert_max_num_queries, kind
):
    # Steps quicker than PROGRESS_EVERY write no count; the bound holds however long the period.
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 3600)
    report = make_report(family.children[0], kind=kind, copy="school")
    with django_assert_max_num_queries(QUERIES_PER_JOB):
        assert jobs.run_report(report.pk) == JobStatus.READY


def test_a_step_that_fails_once_is_retried_and_the_report_ends_ready(family, monkeypatch):
    calls = fail_step(monkeypatch, "making the PDF", times=1)
    report = make_report(family.children[0])
    assert jobs.run_report(report.pk) == JobStatus.READY
    report.refresh_from_db()
    assert calls["n"] == 2
    assert report.attempts == 2
    assert report.status == JobStatus.READY
    assert report.failure_reason == ""


def test_a_step_that_always_fails_ends_failed_with_a_reason_after_the_attempts(family, monkeypatch):
    calls = fail_step(monkeypatch, "writing the summary", times=None)
    report = make_report(family.children[0])
    assert jobs.run_report(report.pk) == JobStatus.FAILED
    report.refresh_from_db()
    assert calls["n"] == jobs.MAX_ATTEMPTS
    assert report.attempts == jobs.MAX_ATTEMPTS
    assert report.status == JobStatus.FAILED
    assert report.failure_reason == f"Something went wrong while writing the summary ({jobs.MAX_ATTEMPTS} tries)."
    assert not report.pdf


def test_a_job_stuck_generating_past_the_limit_is_failed_by_the_sweeper(family, settings):
    settings.REPORTS_JOB_TIME_LIMIT = 300
    now = timezone.now()
    stuck = make_report(family.children[0], status=JobStatus.GENERATING, started_at=now - dt.timedelta(seconds=301))
    running = make_report(family.children[1], status=JobStatus.GENERATING, started_at=now - dt.timedelta(seconds=30))
    assert jobs.fail_stuck_reports(now=now) == 1
    stuck.refresh_from_db()
    running.refresh_from_db()
    assert stuck.status == JobStatus.FAILED
    assert stuck.failure_reason == "It took too long and was stopped. Please try again."
    assert running.status == JobStatus.GENERATING


def test_a_run_whose_job_was_failed_under_it_stops_and_keeps_nothing(family, monkeypatch, tmp_path):
    original = jobs.steps

    def sweeper_strikes():
        plan = original()
        inner = plan[-1].run

        def run(report, state):
            inner(report, state)
            Report.objects.filter(pk=report.pk).update(status=JobStatus.FAILED, failure_reason="stopped")

        plan[-1] = jobs.Step(plan[-1].label, run)
        return plan

    monkeypatch.setattr(jobs, "steps", sweeper_strikes)
    report = make_report(family.children[0])
    assert jobs.run_report(report.pk) == jobs.ABANDONED
    report.refresh_from_db()
    assert report.status == JobStatus.FAILED
    assert report.failure_reason == "stopped"
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_report_not_queued_is_not_run_again(family):
    report = make_report(family.children[0], status=JobStatus.READY)
    assert jobs.run_report(report.pk) == jobs.SKIPPED


def test_the_outbox_effect_runs_the_job_after_the_request_commits(family, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            report = make_report(family.children[0])
            entry = outbox.record(GENERATE, target=report)
        report.refresh_from_db()
        assert report.status == JobStatus.QUEUED  # nothing ran inside the request's transaction
    report.refresh_from_db()
    entry.refresh_from_db()
    assert report.status == JobStatus.READY
    assert entry.status == "done"
    assert entry.queue == "reports"


def test_the_sweeper_is_scheduled():
    from reports import plugin

    schedule = plugin.periodic_tasks()["reports-fail-stuck"]
    assert schedule["task"] == "reports.tasks.fail_stuck_reports"
    assert schedule["schedule"] <= 60
