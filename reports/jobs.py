"""The report job: QUEUED -> GENERATING (step by step) -> READY with its PDF, or FAILED with a
reason a person can read. Never stuck: `fail_stuck_reports` (the sweeper, every minute) fails a
job still GENERATING after `REPORTS_JOB_TIME_LIMIT` seconds (a worker killed mid-way), and a run
that finds its job failed under it stops and keeps nothing.

`run_report(report_id)` is the body, run by the outbox effect "reports.generate"
(reports.effects) after the request that queued it committed. Its steps: each section of the
content (reports.content.SECTIONS), the summary, the PDF, storing it. `done_steps` of
`total_steps` is saved as the job goes (its own small UPDATE, committed at once: the job runs
outside any transaction), so the page can say "Generating 3 of 10": after a step that ends at
least `PROGRESS_EVERY` seconds after the last save. The page asks every 2 seconds and most steps
take a few milliseconds: a committed write after each cost about as much as the step, for counts
nobody could see.

Any error in a step is retried from the first step, up to `MAX_ATTEMPTS` tries in this run
(`attempts` counts every try the report ever had); then FAILED with the step it failed at. A run
that hits the worker's time limit is not retried (it would hit it again): FAILED at once.
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import content as report_content
from reports import narrative as report_narrative
from reports import pdf as report_pdf
from reports.models import JobStatus, Report, report_path

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
PROGRESS_EVERY = 0.5  # seconds; 0 saves the count after every step
SKIPPED = "skipped"  # not queued (already running, finished, or deleted)
ABANDONED = "abandoned"  # failed under the run (the sweeper), or deleted meanwhile


@dataclass(frozen=True)
class Step:
    label: Any  # what the job was doing, for the reason it failed ("... while writing the summary")
    run: Any  # fn(report, state) -> None, filling `state`


class Abandoned(Exception):
    """The report is no longer this run's to finish."""


def _section_step(section) -> Step:
    def run(report, state):
        state["content"][section.name] = section.fn(report, state["withheld"])

    return Step(section.label, run)


def _withheld(report, state):
    state["withheld"] = report_content.withheld_kinds(report)
    state["content"] = {"version": report_content.VERSION}


def _narrative(report, state):
    state["narrative"], state["narrative_source"] = report_narrative.write_narrative(report, state["content"])


def _pdf(report, state):
    report.content = state["content"]
    report.narrative = state["narrative"]
    report.narrative_source = state["narrative_source"]
    state["pdf"], state["pages"] = report_pdf.render_report_pdf(report)


def steps() -> list[Step]:
    """The job's steps, in order (read at each run, so a test can make one fail)."""
    return [
        Step(gettext_lazy("checking what this copy may show"), _withheld),
        *(_section_step(section) for section in report_content.SECTIONS),
        Step(gettext_lazy("writing the summary"), _narrative),
        Step(gettext_lazy("making the PDF"), _pdf),
    ]


def _generating(report_id: int, started_at):
    return Report.objects.filter(
        pk=report_id, status=JobStatus.GENERATING, started_at=started_at, deleted_at__isnull=True
    )


def _save_progress(report: Report, done: int) -> None:
    if not _generating(report.pk, report.started_at).update(done_steps=done):
        raise Abandoned


def run_report(report_id: int) -> str:
    """Generate report `report_id` if it is QUEUED; returns its final status (READY or FAILED),
    SKIPPED when it was not queued, or ABANDONED when it was failed or deleted under the run.
    Errors of the steps never propagate (they end in FAILED); database outages do."""
    started_at = timezone.now()
    plan = steps()
    claimed = Report.objects.filter(pk=report_id, status=JobStatus.QUEUED, deleted_at__isnull=True).update(
        status=JobStatus.GENERATING,
        started_at=started_at,
        finished_at=None,
        failure_reason="",
        done_steps=0,
        total_steps=len(plan) + 1,  # + storing the file
    )
    if not claimed:
        return SKIPPED
    report = Report.objects.select_related("pupil__school", "school").get(pk=report_id)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        state: dict = {}
        current = plan[0]
        try:
            # One write counts the try and sets the count back to 0, if the job is still this run's.
            if not _generating(report_id, started_at).update(attempts=F("attempts") + 1, done_steps=0):
                raise Abandoned
            saved_at = time.monotonic()
            for done, step in enumerate(plan, start=1):
                current = step
                step.run(report, state)
                if time.monotonic() - saved_at >= PROGRESS_EVERY:
                    _save_progress(report, done)
                    saved_at = time.monotonic()
            return _store(report, state)
        except Abandoned:
            logger.info("report %s: no longer generating (failed by the sweeper or deleted); stopped", report_id)
            return ABANDONED
        except Exception as error:
            out_of_time = type(error).__name__ == "SoftTimeLimitExceeded"
            logger.warning("report %s: attempt %s failed while %s", report_id, attempt, current.label, exc_info=error)
            if out_of_time or attempt == MAX_ATTEMPTS:
                return _fail(report, step=current, attempts=attempt, out_of_time=out_of_time)
    return JobStatus.FAILED  # not reached: the last attempt returns


def _store(report: Report, state: dict) -> str:
    """Save the PDF and the figures, READY, only if the job is still this run's."""
    name = report.pdf.storage.save(report_pdf_name(report), ContentFile(state["pdf"]))
    finished = _generating(report.pk, report.started_at).update(
        status=JobStatus.READY,
        pdf=name,
        pdf_pages=state["pages"],
        content=state["content"],
        narrative=state["narrative"],
        narrative_source=state["narrative_source"],
        done_steps=F("total_steps"),
        finished_at=timezone.now(),
        failure_reason="",
    )
    if not finished:
        report.pdf.storage.delete(name)  # failed or deleted under us: keep nothing
        raise Abandoned
    return JobStatus.READY


def report_pdf_name(report: Report) -> str:
    return report_path(report, "report.pdf")


def _fail(report: Report, *, step: Step, attempts: int, out_of_time: bool) -> str:
    with translation.override(report.language):
        if out_of_time:
            reason = _("It took too long while %(step)s.") % {"step": step.label}
        else:
            reason = _("Something went wrong while %(step)s (%(attempts)s tries).") % {
                "step": step.label,
                "attempts": attempts,
            }
    updated = _generating(report.pk, report.started_at).update(
        status=JobStatus.FAILED, failure_reason=reason[:300], finished_at=timezone.now()
    )
    return JobStatus.FAILED if updated else ABANDONED


def fail_stuck_reports(*, now=None) -> int:
    """Fail every report GENERATING for longer than REPORTS_JOB_TIME_LIMIT seconds (its worker
    died or hung), with a reason in its language; returns how many. A run still going finds its
    job failed at its next step and stops."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.REPORTS_JOB_TIME_LIMIT)
    stuck = list(
        Report.objects.filter(status=JobStatus.GENERATING, started_at__lt=limit).values_list(
            "pk", "language", "started_at"
        )
    )
    failed = 0
    for pk, language, started_at in stuck:
        with translation.override(language):
            reason = _("It took too long and was stopped. Please try again.")
        failed += _generating(pk, started_at).update(status=JobStatus.FAILED, failure_reason=reason, finished_at=now)
    if failed:
        logger.warning("reports: failed %s report job(s) stuck generating", failed)
    return failed
