"""`manage.py import_roster FILE.csv --school SLUG [--dry-run]`: load pupils, guardians and staff.

The columns are in docs/roster.md. A file with any bad row imports nothing: each problem is
printed on stderr by row number and the command exits with status 1.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import School
from accounts.roster import roster_import


class Command(BaseCommand):
    help = "Import a school's roster (pupils, guardians, staff, class groups) from a CSV file. See docs/roster.md."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file, UTF-8, header row first")
        parser.add_argument("--school", required=True, help="the school's slug")
        parser.add_argument("--dry-run", action="store_true", help="check and count, but write nothing")

    def handle(self, *args, file: Path, school: str, dry_run: bool, **options):
        try:
            target = School.objects.get(slug=school)
        except School.DoesNotExist:
            raise CommandError(f"No school with slug '{school}'.") from None
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None

        result = roster_import(school=target, csv_text=data, dry_run=dry_run)
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{file} has {len(result.errors)} problem(s); nothing was imported.")
        self.stdout.write(self.style.SUCCESS(result.summary()))
