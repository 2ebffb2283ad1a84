"""Telling people a subject-access export is ready (the outbox contract is in `hub.outbox`).

The notice is recorded in the transaction that makes the export READY (`jobs._store`), so an
export that never became ready announces nothing and one that did is announced even if the worker
dies right after. Recipients are computed when the handler runs, from access at that moment: the
person the export is about and the data protection lead who made it, each only while they are
active and may still see the export (a lead who lost the role is not told). One who already has
the notice is skipped, so a repeated run notifies nobody twice.
"""

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hub import outbox
from hub.models import OutboxEntry
from messaging.models import Notification
from messaging.notifications import notify
from messaging.notifications.targets import label_of
from reports.models import Export, ExportKind, JobStatus
from reports.policies import exports_visible_to

EXPORT_READY = "reports.export_ready"
EXPORT_READY_KIND = "data_export_ready"


def export_ready_notify(*, export_id: int) -> int:
    """Notify the export's subject and the lead who made it that it can be downloaded. Returns
    how many were told."""
    export = Export.objects.select_related("subject").filter(pk=export_id).first()
    if export is None or export.kind != ExportKind.SUBJECT_ACCESS or export.status != JobStatus.READY:
        return 0
    done = set(
        Notification.objects.filter(
            kind=EXPORT_READY_KIND, target_type=label_of(export), target_id=export.pk
        ).values_list("user_id", flat=True)
    )
    people = {person_id for person_id in (export.subject_id, export.requested_by_id) if person_id} - done
    sent = 0
    for person in User.objects.filter(pk__in=people, is_active=True).order_by("pk"):
        if not exports_visible_to(person).filter(pk=export.pk).exists():
            continue
        if person.pk == export.subject_id:
            title = _("Your data export is ready to download")
        else:
            title = format_lazy(_("The data export for {person} is ready"), person=str(export.subject))
        notify(
            user=person,
            kind=EXPORT_READY_KIND,
            title=title,
            url=reverse("reports:export", args=[export.public_id]),
            target=export,
        )
        sent += 1
    return sent


@outbox.handler(EXPORT_READY, queue="default")
def export_ready(entry: OutboxEntry) -> None:
    export_ready_notify(export_id=entry.object_id)
