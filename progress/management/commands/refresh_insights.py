"""`manage.py refresh_insights [--school SLUG] [--date YYYY-MM-DD]`: raise and resolve insights now.

What the nightly task does, on demand: after an import of learning records, after seeding the
demo, or to see what the rules make of a past day (`--date`). Messages nobody.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Pupil, School
from progress.insights import services


class Command(BaseCommand):
    help = "Raise and resolve insights from the learning records (what the nightly task does)."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="only this school's pupils (its slug)")
        parser.add_argument("--date", help="as of this day (YYYY-MM-DD) instead of each school's today")

    def handle(self, *args, school=None, date=None, **options):
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"'{date}' is not a date like 2026-11-27.") from None
        pupils = Pupil.objects.filter(pk__in=services.pupils_with_records(today=today)).select_related("school")
        if school:
            if not School.objects.filter(slug=school).exists():
                raise CommandError(f"No school with slug '{school}'.")
            pupils = pupils.filter(school__slug=school)
        raised = 0
        count = 0
        for pupil in pupils.order_by("pk").iterator(chunk_size=200):
            raised += len(services.refresh_insights(pupil=pupil, today=today))
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Pupils refreshed: {count}; insights current: {raised}."))
