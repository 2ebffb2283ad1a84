"""What the report pages' tests share: a family, a teacher, another family and another school, and
a stand-in for the report job (`fake_job`) that the test steers: leave the report queued, make it
ready (with a small PDF), or fail it. The real job has its own tests (rep-gen's); these test what
people see and do around it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import GuardianScope, Guardianship
from hub import outbox
from reports.models import JobStatus, Report
from reports.services import GENERATE
from tests import factories

FAKE_PDF = b"%PDF-1.7\n% a report stand-in\n%%EOF\n"


@dataclass
class Family:
    school: object
    parent: object
    co_parent: object
    child: object
    second_child: object
    teacher: object
    class_group: object
    other_class: object
    other_parent: object
    other_child: object
    far_parent: object
    far_child: object
    far_teacher: object


def make_family() -> Family:
    school = factories.SchoolFactory(name="Nairobi Home School", country="KE", time_zone="Africa/Nairobi")
    parent = factories.UserFactory(display_name="Grace Mwangi", preferred_language="en-gb")
    co_parent = factories.UserFactory(display_name="Peter Mwangi")
    child = factories.PupilFactory(school=school, first_name="Neema", last_name="Mwangi")
    second_child = factories.PupilFactory(school=school, first_name="Jabari", last_name="Mwangi")
    for pupil in (child, second_child):
        factories.GuardianshipFactory(guardian=parent, pupil=pupil, is_primary_contact=True)
        factories.GuardianshipFactory(guardian=co_parent, pupil=pupil, relationship="father")
    teacher = factories.UserFactory(display_name="Wanjiru Kamau")
    factories.MembershipFactory(user=teacher, school=school, role="teacher")
    class_group = factories.ClassGroupFactory(school=school, name="Grade 3")
    class_group.staff.add(teacher)
    class_group.pupils.add(child, second_child)
    other_parent = factories.UserFactory(display_name="Otieno Otherfamily")
    other_child = factories.PupilFactory(school=school, first_name="Secretfamily", last_name="Kidd")
    factories.GuardianshipFactory(guardian=other_parent, pupil=other_child)
    other_class = factories.ClassGroupFactory(school=school, name="Grade 6")
    other_class.pupils.add(other_child)
    far_school = factories.SchoolFactory(name="Elsewhere Academy")
    far_parent = factories.UserFactory(display_name="Remy Farparent")
    far_child = factories.PupilFactory(school=far_school, first_name="Farschool", last_name="Hidden")
    factories.GuardianshipFactory(guardian=far_parent, pupil=far_child)
    far_teacher = factories.UserFactory(display_name="Vic Farteacher")
    factories.MembershipFactory(user=far_teacher, school=far_school, role="teacher")
    far_class = factories.ClassGroupFactory(school=far_school, name="Farclass")
    far_class.staff.add(far_teacher)
    far_class.pupils.add(far_child)
    return Family(
        school=school,
        parent=parent,
        co_parent=co_parent,
        child=child,
        second_child=second_child,
        teacher=teacher,
        class_group=class_group,
        other_class=other_class,
        other_parent=other_parent,
        other_child=other_child,
        far_parent=far_parent,
        far_child=far_child,
        far_teacher=far_teacher,
    )


def withdraw_reports_scope(guardian, pupil) -> None:
    link = Guardianship.objects.get(guardian=guardian, pupil=pupil)
    GuardianScope.objects.update_or_create(guardianship=link, defaults={"reports": False})


def finish(report: Report, *, status: str = JobStatus.READY, reason: str = "") -> Report:
    """Leave `report` as the job would: ready with its PDF and summary, or failed with a reason."""
    now = timezone.now()
    report.status = status
    report.finished_at = now
    report.started_at = report.started_at or now
    report.total_steps = report.total_steps or 6
    if status == JobStatus.READY:
        report.done_steps = report.total_steps
        report.narrative = f"{report.pupil.first_name} learned for 120 minutes on 4 days this week."
        report.narrative_source = "template"
        report.content = {"activity": {"minutes": 120, "days": 4}}
        report.pdf.save("report.pdf", ContentFile(FAKE_PDF), save=False)
        report.pdf_pages = 1
    else:
        report.failure_reason = reason or "The records could not be read."
    report.save()
    return report


class FakeJob:
    """Steers what "reports.generate" does: `outcome` is "queued" (nothing happens), "ready" or
    "failed"; `runs` counts the reports it was asked to make."""

    def __init__(self):
        self.outcome = "queued"
        self.runs: list[int] = []

    def __call__(self, entry):
        self.runs.append(entry.object_id)
        report = Report.objects.get(pk=entry.object_id)
        if self.outcome == "ready":
            finish(report)
        elif self.outcome == "failed":
            finish(report, status=JobStatus.FAILED, reason="The records could not be read.")


@pytest.fixture
def fake_job(django_capture_on_commit_callbacks):
    """Stand in for the report job's outbox handler for the test, then put back what was there.
    `with fake_job.committed():` runs the outbox entries recorded inside it as a commit would."""
    previous = outbox._handlers.get(GENERATE)
    outbox.unregister(GENERATE)
    job = FakeJob()
    job.committed = lambda: django_capture_on_commit_callbacks(execute=True)
    outbox.register(GENERATE, job, queue="reports")
    yield job
    outbox.unregister(GENERATE)
    if previous is not None:
        outbox.register(GENERATE, previous.fn, queue=previous.queue, max_attempts=previous.max_attempts)


@pytest.fixture
def household(db):
    return make_family()
