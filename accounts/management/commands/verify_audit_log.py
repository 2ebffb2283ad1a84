"""`manage.py verify_audit_log`: walk the hash chain of the audit log and report every break.

Exits 0 with "Audit log intact: N entries", or 1 with one line per problem (an entry changed
after it was written, or one removed).

With `--checkpoint FILE` (keep it outside the database, e.g. with the backups) the newest entry
seen by the last good run must still be there unchanged, which catches entries cut from the end
of the log; after a good run the file is updated to the new newest entry.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from accounts.models import AuditEntry


class Command(BaseCommand):
    help = "Check that no audit log entry was changed or removed after it was written."

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", type=Path, help="File holding the newest entry at the last good check.")

    def handle(self, *args, checkpoint=None, **options):
        previous = None
        if checkpoint is not None and checkpoint.exists():
            try:
                previous = audit.Head.parse(checkpoint.read_text())
            except ValueError as error:
                raise CommandError(f"{checkpoint} is not an audit checkpoint: {error}") from None
        problems = audit.verify(checkpoint=previous)
        if problems:
            for problem in problems:
                where = f"Entry #{problem.entry_id}" if problem.entry_id is not None else "Audit log"
                self.stderr.write(f"{where}: {problem.reason}")
            raise CommandError(f"Audit log broken: {len(problems)} problem(s) found.")
        if checkpoint is not None:
            newest = audit.head()
            if newest is not None:
                checkpoint.write_text(f"{newest}\n")
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {AuditEntry.objects.count()} entries"))
