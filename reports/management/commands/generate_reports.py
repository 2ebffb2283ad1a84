"""`manage.py generate_reports --school SLUG --kind weekly [--period YYYY-MM-DD] [--copy family|school]`:
queue one kind of report for every current pupil of a school, as one batch. The period is the one
that date falls in (default: today at the school), as on the pages. Run again for the same
period, it makes nothing new (failed ones are queued again). Families are told when the copies
made for them are ready."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from accounts.models import School
from reports import services
from reports.models import Copy, ReportKind
from reports.periods import describe_period


class Command(BaseCommand):
    help = "Queue one kind of report for every pupil of a school (a batch); run again, it makes nothing new."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="the school's slug")
        parser.add_argument("--kind", required=True, choices=ReportKind.values)
        parser.add_argument(
            "--period", type=dt.date.fromisoformat, help="a date (YYYY-MM-DD) whose report period to use; default today"
        )
        parser.add_argument(
            "--copy",
            choices=Copy.values,
            default=Copy.FAMILY,
            help="whose copy: the families' (default) or the school's",
        )

    def handle(self, *args, school: str, kind: str, period, copy: str, **options):
        try:
            target = School.objects.get(slug=school)
        except School.DoesNotExist:
            raise CommandError(f"No school with slug '{school}'.") from None
        batch, made = services.generate_for_school(school=target, kind=kind, on=period, copy=copy)
        total = batch.reports.filter(deleted_at__isnull=True).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{target.name}: {batch.get_kind_display()}, {describe_period(kind, batch.period_start, batch.period_end)}: "
                f"queued {made} new report(s); the batch (#{batch.pk}) has {total}."
            )
        )
