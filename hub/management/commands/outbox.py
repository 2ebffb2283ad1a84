"""What the outbox still owes: counts by effect and status, failed entries, and retrying them.

manage.py outbox                      # counts by effect and status, oldest pending entry
manage.py outbox --failed             # the failed entries with their last error
manage.py outbox --retry-failed [--effect message.deliver]
manage.py outbox --sweep              # publish (or, without a broker, run) what is due now
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Count, Min
from django.utils import timezone

from hub import outbox
from hub.models import OutboxEntry


class Command(BaseCommand):
    help = "Show the outbox (counts by effect and status), list or retry failed entries, or sweep now."

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="List failed entries with their last error.")
        parser.add_argument("--retry-failed", action="store_true", help="Give failed entries fresh attempts.")
        parser.add_argument("--effect", help="Only this effect (with --failed or --retry-failed).")
        parser.add_argument("--sweep", action="store_true", help="Publish pending entries that are due now.")
        parser.add_argument("--purge-done-days", type=int, help="Delete entries done more than this many days ago.")
        parser.add_argument("--limit", type=int, default=50, help="How many failed entries to list (default 50).")

    def handle(self, *args, **options):
        if options["retry_failed"]:
            count = outbox.retry_failed(effect=options["effect"])
            self.stdout.write(f"{count} failed entries are pending again.")
            return
        if options["purge_done_days"] is not None:
            count = outbox.purge_done(older_than=timedelta(days=options["purge_done_days"]))
            self.stdout.write(f"{count} done entries deleted.")
            return
        if options["sweep"]:
            self.stdout.write(f"{outbox.sweep()} entries published.")
            return
        if options["failed"]:
            self._list_failed(effect=options["effect"], limit=options["limit"])
            return
        self._summary()

    def _summary(self):
        rows = OutboxEntry.objects.values("effect", "status").annotate(count=Count("id")).order_by("effect", "status")
        if not rows:
            self.stdout.write("The outbox is empty.")
            return
        width = max(len(row["effect"]) for row in rows)
        self.stdout.write(f"{'effect'.ljust(width)}  {'status':8}  count")
        for row in rows:
            self.stdout.write(f"{row['effect'].ljust(width)}  {row['status']:8}  {row['count']}")
        oldest = OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING).aggregate(oldest=Min("created_at"))
        if oldest["oldest"]:
            age = (timezone.now() - oldest["oldest"]).total_seconds()
            self.stdout.write(f"Oldest pending entry: {age:.0f} s old.")

    def _list_failed(self, *, effect, limit):
        failed = OutboxEntry.objects.filter(status=OutboxEntry.Status.FAILED).select_related("content_type")
        if effect:
            failed = failed.filter(effect=effect)
        total = failed.count()
        for entry in failed.order_by("-id")[:limit]:
            target = (
                f"{entry.content_type.app_label}.{entry.content_type.model}:{entry.object_id}"
                if entry.content_type
                else "-"
            )
            error = entry.last_error.splitlines()[0] if entry.last_error else ""
            self.stdout.write(f"#{entry.pk}  {entry.effect}  {target}  attempts={entry.attempts}  {error}")
        self.stdout.write(f"{total} failed entries.")
