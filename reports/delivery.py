"""Telling a family their automatic report is ready (the outbox contract is in `hub.outbox`).

The notice is recorded when a report nobody in the family asked for is made (the school's
automatic sending, the operators' run): the family is not watching that page. The job may still
be running when the handler first runs: it then asks to be tried again later (the outbox's backoff),
and gives up quietly on a report that failed or was removed. Recipients are the pupil's guardians
with the "reports" scope at the moment it runs; one who already has the notice is skipped, so a
repeated run notifies nobody twice.
"""

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import policies as people
from hub import outbox
from hub.models import OutboxEntry
from messaging.models import Notification
from messaging.notifications import notify
from messaging.notifications.targets import label_of
from reports.models import Copy, JobStatus, Report
from reports.policies import SCOPE
from reports.services import READY_NOTICE

READY_KIND = "automatic_report"


class NotReadyYet(Exception):
    """The report is still being made: the outbox tries the notice again later."""


def report_ready_notify(*, report_id: int) -> int:
    """Notify the family that their copy is ready. Returns how many were told."""
    report = Report.objects.select_related("pupil").filter(pk=report_id).first()
    if report is None or report.deleted_at is not None or report.copy != Copy.FAMILY:
        return 0
    if report.status == JobStatus.FAILED:
        return 0  # nothing to read; the school sees the failure in its batch
    if report.status != JobStatus.READY:
        raise NotReadyYet(f"report {report.pk} is {report.status}")
    done = set(
        Notification.objects.filter(kind=READY_KIND, target_type=label_of(report), target_id=report.pk).values_list(
            "user_id", flat=True
        )
    )
    sent = 0
    for person in people.guardians_with_scope(pupil=report.pupil, scope=SCOPE).exclude(pk__in=done):
        notify(
            user=person,
            kind=READY_KIND,
            title=format_lazy(
                _("A report for {pupil} is ready: {kind}"), pupil=report.pupil.full_name, kind=report.get_kind_display()
            ),
            url=reverse("reports:detail", args=[report.public_id]),
            pupil=report.pupil,
            target=report,
        )
        sent += 1
    return sent


# Many attempts: the first ones may come while the job is still running (backoff from 10 s to
# an hour covers a school-wide run many times over).
@outbox.handler(READY_NOTICE, queue="default", max_attempts=15)
def report_ready(entry: OutboxEntry) -> None:
    report_ready_notify(report_id=entry.object_id)
