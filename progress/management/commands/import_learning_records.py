"""`manage.py import_learning_records FILE.csv --school SLUG [--dry-run]`: load assessments,
activity, competency judgements and awards. The columns are described in
progress/records/importer.py. A file with any bad row imports nothing: each problem is printed on
stderr by row number and the command exits with status 1."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import School
from progress.records.importer import learning_records_import


class Command(BaseCommand):
    help = "Import learning records (assessments, activity, judgements, awards) for one school from a CSV file."

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
        result = learning_records_import(school=target, csv_text=data, dry_run=dry_run, source=file.name)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{file} has {len(result.errors)} problem(s); nothing was imported.")
        self.stdout.write(self.style.SUCCESS(result.summary()))
