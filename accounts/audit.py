"""The append-only, hash-chained audit log.

`record(...)` for every write to people's data and every sensitive read. `verify()` walks the
chain and reports the first entry whose content or link no longer matches.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import AuditEntry

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every process that appends.
_ADVISORY_LOCK_KEY = 727_000_001


def _digest(entry: AuditEntry) -> str:
    content = {
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "school_id": entry.school_id,
        "details": entry.details,
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _label(obj) -> str:
    return str(obj)[:254]


@transaction.atomic
def record(*, actor, action: str, target: Model | None = None, school=None, **details) -> AuditEntry:
    """Append one entry. `actor` is a user or None (the system); `details` must be JSON-able."""
    if connection.vendor == "postgresql":
        # Serialise appends so two writers never chain onto the same previous entry.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
    if school is None and target is not None:
        school = getattr(target, "school", None)
    entry = AuditEntry(
        created_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_label=_label(getattr(actor, "email", "") or (actor or "")),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=_label(target) if target is not None else "",
        school_id=getattr(school, "pk", school),
        details=json.loads(json.dumps(details, default=str)),
        previous_hash=last or GENESIS_HASH,
    )
    entry.entry_hash = _digest(entry)
    entry.save()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    reason: str


@dataclass(frozen=True)
class Head:
    """The newest entry at a moment: kept outside the database, it shows later truncation."""

    entry_id: int
    entry_hash: str

    def __str__(self):
        return f"{self.entry_id} {self.entry_hash}"

    @classmethod
    def parse(cls, text: str) -> "Head":
        entry_id, entry_hash = text.split()
        return cls(int(entry_id), entry_hash)


def head() -> Head | None:
    newest = AuditEntry.objects.order_by("-id").values_list("id", "entry_hash").first()
    return Head(*newest) if newest else None


def verify(*, checkpoint: Head | None = None) -> list[ChainProblem]:
    """Every break in the chain: an entry changed after writing, or one removed.

    The chain alone cannot show that its newest entries were cut off; `checkpoint` (an earlier
    `head()`, stored outside the database) can: that entry must still be there, unchanged.
    """
    problems = []
    if checkpoint is not None:
        kept = AuditEntry.objects.filter(pk=checkpoint.entry_id).values_list("entry_hash", flat=True).first()
        if kept != checkpoint.entry_hash:
            problems.append(
                ChainProblem(
                    checkpoint.entry_id,
                    "the newest entry at the last check is missing or changed: the log was cut back",
                )
            )
    previous = GENESIS_HASH
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            problems.append(ChainProblem(entry.pk, "the entry before this one was removed or changed"))
        if _digest(entry) != entry.entry_hash:
            problems.append(ChainProblem(entry.pk, "this entry's content was changed after it was written"))
        previous = entry.entry_hash
    return problems
