"""The append-only, hash-chained audit log: one chain per school, plus one platform chain.

`record(...)` for every write to people's data and every sensitive read. Each entry links to the
previous entry of its own chain, and an append locks only its chain's head row, so audited
writes at one school never wait for another school's. `verify()` walks every chain and reports
each entry whose content or link no longer matches, naming the chain.
"""

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import AuditEntry, School
from accounts.models.audit import PLATFORM_CHAIN, AuditChainHead
from hub.compiled_sql import reused_graph
from hub.db import insert, update_where

GENESIS_HASH = "0" * 64
# The chain of entries written before chains were per school: kept exactly as written.
LEGACY_CHAIN = None


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
    if entry.chain is not None:
        # Covered by the hash, so moving an entry to another chain shows. Legacy entries were
        # hashed without it and must keep verifying as written.
        content["chain"] = entry.chain
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _label(obj) -> str:
    return str(obj)[:254]


def chain_of(school_id: int | None) -> int:
    return PLATFORM_CHAIN if school_id is None else school_id


def _lock_chain_head(chain: int) -> AuditChainHead:
    """The chain's head row, locked until the surrounding transaction ends.

    Created on a chain's first entry; `ignore_conflicts` makes two first appends at once wait
    for each other on the row instead of failing. (SQLite locks the whole database for a write
    anyway, so there the lock is implied.)
    """
    found = _locked_head(chain)
    if found is not None:
        return found
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(chain=chain, entry_id=None, entry_hash=GENESIS_HASH)], ignore_conflicts=True
    )
    return _locked_head(chain)


def _locked_head(chain: int) -> AuditChainHead | None:
    """The chain's head row locked for the transaction (None before its first entry): one
    SELECT ... FOR UPDATE whose SQL is compiled once per process, as every audited write asks
    (the ORM built it anew each time)."""
    found = reused_graph(
        AuditChainHead,
        chain,
        shape=("audit.chain_head",),
        build=lambda chain: AuditChainHead.objects.filter(pk=chain).order_by(),
        lock=True,
    )
    return found[0] if found else None


# No savepoint inside a caller's transaction (two queries on every audited write): an entry never
# fails alone, and no caller carries on after an audit error, so the caller's transaction fails
# with it. Called outside one, it is its own transaction as before.
@transaction.atomic(savepoint=False)
def record(*, actor, action: str, target: Model | None = None, school=None, **details) -> AuditEntry:
    """Append one entry. `actor` is a user or None (the system); `details` must be JSON-able.

    The entry joins the chain of `school` (or the target's school, or the target if it is a
    school), or else the platform chain. That chain stays locked until the caller's transaction
    ends: keep audited transactions short, and let a transaction that audits at two schools do
    so in a consistent order (by school id), so that two of them cannot deadlock.
    """
    if school is None and target is not None:
        # A change to a school itself belongs to that school's chain (and its admins' view).
        school = target if isinstance(target, School) else getattr(target, "school", None)
    school_id = getattr(school, "pk", school)
    head = _lock_chain_head(chain_of(school_id))
    entry = _chained(
        head=head, previous_hash=head.entry_hash, actor=actor, action=action, target=target, details=details
    )
    # Written by SQL compiled once per process (every audited write, every message, makes one);
    # an unsaved entry, so the log stays append-only as AuditEntry.save() insists.
    insert(entry)
    _move_head(head.chain, entry)
    return entry


def _move_head(chain: int, newest: AuditEntry) -> None:
    """Make `newest` the chain's head (its row locked by `_lock_chain_head`): one UPDATE compiled
    once per process, like the lock (every audited write makes it)."""
    update_where(
        AuditChainHead, where={"chain": chain}, values={"entry_id": newest.pk, "entry_hash": newest.entry_hash}
    )


def _chained(*, head: AuditChainHead, previous_hash: str, actor, action: str, target, details: dict) -> AuditEntry:
    """An unsaved entry of `head`'s chain following the entry whose hash is `previous_hash`."""
    entry = AuditEntry(
        created_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_label=_label(getattr(actor, "email", "") or (actor or "")),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=_label(target) if target is not None else "",
        school_id=None if head.chain == PLATFORM_CHAIN else head.chain,
        chain=head.chain,
        details=json.loads(json.dumps(details, default=str)),
        previous_hash=previous_hash,
    )
    entry.entry_hash = _digest(entry)
    return entry


@transaction.atomic
def record_many(*, actor, action: str, targets: list[Model], school, **details) -> list[AuditEntry]:
    """`record` for several targets at once (one action, one actor, one school's chain): the chain
    is locked once and the entries written in one insert, so a page that audits what it lists (the
    SEND register) costs the same few queries however many rows it shows."""
    if not targets:
        return []
    head = _lock_chain_head(chain_of(getattr(school, "pk", school)))
    entries, previous = [], head.entry_hash
    for target in targets:
        entry = _chained(head=head, previous_hash=previous, actor=actor, action=action, target=target, details=details)
        entries.append(entry)
        previous = entry.entry_hash
    AuditEntry.objects.bulk_create(entries)  # one INSERT: ids follow the list's (and the chain's) order
    last = entries[-1]
    if last.pk is None:  # a database that does not return ids from a bulk insert
        last.pk = AuditEntry.objects.only("pk").get(entry_hash=last.entry_hash).pk
    _move_head(head.chain, last)
    return entries


@dataclass(frozen=True)
class ChainProblem:
    chain: int | None
    entry_id: int | None
    reason: str


def chain_name(chain: int | None) -> str:
    """The chain as written in a checkpoint file: `platform`, `school:<id>` or `legacy`."""
    if chain is LEGACY_CHAIN:
        return "legacy"
    if chain == PLATFORM_CHAIN:
        return "platform"
    return f"school:{chain}"


def _parse_chain_name(text: str) -> int | None:
    if text == "legacy":
        return LEGACY_CHAIN
    if text == "platform":
        return PLATFORM_CHAIN
    kind, _, school_id = text.partition(":")
    if kind != "school" or not school_id.isdigit() or int(school_id) == PLATFORM_CHAIN:
        raise ValueError(f"unknown chain {text!r}")
    return int(school_id)


@dataclass(frozen=True)
class Head:
    """A chain's newest entry at a moment: kept outside the database, it shows later truncation."""

    chain: int | None
    entry_id: int
    entry_hash: str

    def __str__(self):
        return f"{chain_name(self.chain)} {self.entry_id} {self.entry_hash}"

    @classmethod
    def parse(cls, line: str) -> "Head":
        """One checkpoint line. The two-field form (`id hash`) predates per-school chains and so
        names an entry of the legacy chain."""
        fields = line.split()
        if len(fields) == 2:
            return cls(LEGACY_CHAIN, int(fields[0]), fields[1])
        if len(fields) == 3:
            return cls(_parse_chain_name(fields[0]), int(fields[1]), fields[2])
        raise ValueError(f"expected 'chain entry-id hash', got {line!r}")


def parse_checkpoint(text: str) -> list[Head]:
    return [Head.parse(line) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def format_checkpoint(heads: list[Head]) -> str:
    lines = ["# Audit log: the newest entry of each chain at the last good check (chain entry-id hash)."]
    return "\n".join([*lines, *(str(head) for head in heads)]) + "\n"


def _newest_per_chain() -> list[Head]:
    heads = []
    chains = AuditEntry.objects.order_by().values_list("chain", flat=True).distinct()
    for chain in sorted(chains, key=lambda chain: -1 if chain is None else chain):
        entry_id, entry_hash = AuditEntry.objects.filter(chain=chain).order_by("-id").values_list("id", "entry_hash")[0]
        heads.append(Head(chain, entry_id, entry_hash))
    return heads


@contextmanager
def _one_snapshot():
    """On PostgreSQL, read everything in one REPEATABLE READ snapshot, so appends that commit
    while a check runs are either wholly seen or not at all (never an entry without its head)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def heads() -> list[Head]:
    """The newest entry of every chain, to keep outside the database as the next checkpoint."""
    with _one_snapshot():
        return _newest_per_chain()


def verify(*, checkpoint: list[Head] | None = None) -> list[ChainProblem]:
    """Every break in every chain: an entry changed after writing, or one removed.

    A chain cannot show by itself that its newest entries were cut off. Its head row does, unless
    that was rolled back too; `checkpoint` (an earlier `heads()`, stored outside the database)
    does in any case: each entry it names must still be there, unchanged, in its chain.
    """
    with _one_snapshot():
        return _verify(checkpoint or [])


def _verify(checkpoint: list[Head]) -> list[ChainProblem]:
    problems = []
    for kept in checkpoint:
        found = AuditEntry.objects.filter(pk=kept.entry_id).values_list("chain", "entry_hash").first()
        if found != (kept.chain, kept.entry_hash):
            problems.append(
                ChainProblem(
                    kept.chain,
                    kept.entry_id,
                    "the newest entry at the last check is missing or changed: the log was cut back",
                )
            )
    recorded_heads = {head.chain: head for head in AuditChainHead.objects.all()}
    newest: dict[int | None, AuditEntry] = {}
    previous: dict[int | None, str] = {}
    # One pass over the whole log in id order; each chain's entries are in id order because an
    # entry is inserted while its chain is locked.
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous.get(entry.chain, GENESIS_HASH):
            problems.append(ChainProblem(entry.chain, entry.pk, "the entry before this one was removed or changed"))
        if _digest(entry) != entry.entry_hash:
            problems.append(
                ChainProblem(entry.chain, entry.pk, "this entry's content was changed after it was written")
            )
        previous[entry.chain] = entry.entry_hash
        newest[entry.chain] = entry
    for chain, head in sorted(recorded_heads.items()):
        last = newest.get(chain)
        found = (last.pk, last.entry_hash) if last is not None else (None, GENESIS_HASH)
        if found == (head.entry_id, head.entry_hash):
            continue
        if last is not None and head.entry_id is not None and last.pk > head.entry_id:
            reason = "entries follow the newest one the chain's head records: they were added behind its back"
        else:
            reason = "the newest entry the chain's head records is missing or changed: entries were cut from its end"
        problems.append(ChainProblem(chain, head.entry_id, reason))
    for chain in sorted(set(newest) - set(recorded_heads) - {LEGACY_CHAIN}):
        problems.append(ChainProblem(chain, None, "the chain's head record is missing"))
    return problems


def chain_count() -> int:
    return AuditEntry.objects.order_by().values_list("chain", flat=True).distinct().count()
