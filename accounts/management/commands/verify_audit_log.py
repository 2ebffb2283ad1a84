"""`manage.py verify_audit_log`: walk every hash chain of the audit log and report every break.

The log has one chain per school, one for platform-wide entries, and (on databases older than
per-school chains) one legacy chain of the entries written before. Exits 0 with "Audit log
intact: N entries in M chains", or 1 with one line per problem naming the chain and the entry
(an entry changed after it was written, one removed, or entries cut from a chain's end).

With `--checkpoint FILE` (keep it outside the database, e.g. with the backups) the newest entry
of each chain seen by the last good run must still be there unchanged, which catches entries cut
from the end of a chain even by someone who also rolled back its head record; after a good run
the file is updated to the newest entry of every chain. A checkpoint written before per-school
chains (one line, `id hash`) is still understood.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from accounts.models import AuditEntry, School
from accounts.models.audit import PLATFORM_CHAIN


def describe_chain(chain: int | None, school_names: dict[int, str]) -> str:
    if chain is audit.LEGACY_CHAIN:
        return "Legacy chain (entries from before per-school chains)"
    if chain == PLATFORM_CHAIN:
        return "Platform chain"
    name = school_names.get(chain)
    return f"School #{chain} ({name}) chain" if name else f"School #{chain} chain"


class Command(BaseCommand):
    help = "Check that no audit log entry was changed or removed after it was written, in every chain."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", type=Path, help="File holding each chain's newest entry at the last good check."
        )

    def handle(self, *args, checkpoint=None, **options):
        previous = []
        if checkpoint is not None and checkpoint.exists():
            try:
                previous = audit.parse_checkpoint(checkpoint.read_text())
            except ValueError as error:
                raise CommandError(f"{checkpoint} is not an audit checkpoint: {error}") from None
        problems = audit.verify(checkpoint=previous)
        if problems:
            chains = {problem.chain for problem in problems}
            school_names = dict(School.objects.filter(pk__in=chains - {None}).values_list("pk", "name"))
            for problem in problems:
                where = describe_chain(problem.chain, school_names)
                if problem.entry_id is not None:
                    where += f", entry #{problem.entry_id}"
                self.stderr.write(f"{where}: {problem.reason}")
            raise CommandError(f"Audit log broken: {len(problems)} problem(s) found.")
        if checkpoint is not None:
            checkpoint.write_text(audit.format_checkpoint(audit.heads()))
        entries, chains = AuditEntry.objects.count(), audit.chain_count()
        self.stdout.write(
            self.style.SUCCESS(f"Audit log intact: {entries} entries in {chains} chain{'' if chains == 1 else 's'}")
        )
