"""`manage.py verify_audit_log`: walk the hash chain of the audit log and report every break.

Exits 0 with "Audit log intact: N entries", or 1 with one line per problem (an entry changed
after it was written, or one removed).
"""

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from accounts.models import AuditEntry


class Command(BaseCommand):
    help = "Check that no audit log entry was changed or removed after it was written."

    def handle(self, *args, **options):
        problems = audit.verify()
        if problems:
            for problem in problems:
                where = f"Entry #{problem.entry_id}" if problem.entry_id is not None else "Audit log"
                self.stderr.write(f"{where}: {problem.reason}")
            raise CommandError(f"Audit log broken: {len(problems)} problem(s) found.")
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {AuditEntry.objects.count()} entries"))
