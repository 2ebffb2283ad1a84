"""The transactional outbox: side effects of a write survive Redis, worker and database faults.

A service records each side effect in the same transaction as the write it follows from::

    @transaction.atomic
    def message_send(*, sender: User, conversation: Conversation, body: str) -> Message:
        message = Message.objects.create(...)
        outbox.record("message.deliver", target=message)
        return message

A rolled-back write records nothing. After the commit a Celery task (`hub.tasks.outbox_run`)
is published on the effect's queue; if publishing fails (Redis down) the row stays pending and
the sweeper (`hub.tasks.outbox_sweep`, beat) publishes it again. Without a broker (the demo)
the entry runs in-process right after the commit.

Apps register one handler per effect, in a module their AppConfig.ready() imports::

    @outbox.handler("message.deliver", queue="realtime")
    def deliver(entry: OutboxEntry) -> None:
        deliver_message(message_id=entry.object_id)

The handler contract:

- It is called with the claimed `OutboxEntry` (`entry.object_id`, `entry.target`,
  `entry.payload`, `entry.attempts`), inside a transaction that holds the entry's row lock, so
  one entry never runs twice at the same time, and its database writes commit together with
  "done" (or roll back together, for a retry). Outbox entries it records itself are published
  after that commit.
- It returns normally when the effect has happened; the entry is marked done only then.
  Any exception means "try again later": backoff with jitter, then `failed` after the
  handler's `max_attempts` (operators see it with `manage.py outbox`).
- It is idempotent: it may run again after it has (partly) happened, e.g. a worker killed
  between sending an email and the commit. Check state before acting where you can (a
  notification row, a stored translation); where you cannot (SMTP), make the repeat
  recognisable (a Message-ID derived from the entry id) and keep the work after the send small.
- It computes recipients from current access, at the moment it runs.

A handler whose writes must be committed before something outside the database sees them (a
push that lets a reader act on rows the handler wrote) returns an `AfterCommit(step)`: its writes
commit (the entry stays pending, `entry.payload["stage"] == "written"`), then `step()` runs, and
the entry is done only when it returned. A step that fails is retried with backoff like any
failure; the handler runs again and, seeing the stage, does only the step (return the step
without writing). A worker killed between the commit and the end of the step leaves the entry
pending for the sweeper, so the step is carried out at least once and the writes exactly once.

A write whose effect's writes belong with it (a message and its readers' notifications) may run
the handler in its own transaction instead: `run_here(effect, target=row_just_created)` records
the entry and calls the handler at once (no worker can see the entry yet, so none is claimed);
an AfterCommit step then runs in the writer's process after the commit, as above, and a failed
step is retried by a worker like any other.
"""

from __future__ import annotations

import logging
import random
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from hub.compiled_sql import reused_graph
from hub.db import insert_unless_conflict, update_where
from hub.models import OutboxEntry

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEntry], object]

DEFAULT_QUEUE = "default"
DEFAULT_MAX_ATTEMPTS = 10


STAGE = "stage"
WRITTEN = "written"


@dataclass(frozen=True)
class AfterCommit:
    """What a handler returns when `step()` must run after its writes commit (see the module)."""

    step: Callable[[], object]


def written(entry: OutboxEntry) -> bool:
    """Whether the handler's writes for `entry` already committed (only its AfterCommit step is left)."""
    return entry.payload.get(STAGE) == WRITTEN


class UnknownEffect(LookupError):
    """record() was asked for an effect no app has registered a handler for."""


@dataclass(frozen=True)
class Registered:
    effect: str
    fn: Handler
    queue: str
    max_attempts: int


_handlers: dict[str, Registered] = {}


def register(effect: str, fn: Handler, *, queue: str = DEFAULT_QUEUE, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
    """Make `fn` the handler of `effect`, run by workers consuming `queue`. Registering the same
    function again is harmless (a module imported twice); a different one for a taken effect is
    a programming error and raises ValueError."""
    existing = _handlers.get(effect)
    if existing is not None and _qualname(existing.fn) != _qualname(fn):
        raise ValueError(f"outbox effect {effect!r} already has a handler: {_qualname(existing.fn)}")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    _handlers[effect] = Registered(effect=effect, fn=fn, queue=queue, max_attempts=max_attempts)


def handler(
    effect: str, *, queue: str = DEFAULT_QUEUE, max_attempts: int = DEFAULT_MAX_ATTEMPTS
) -> Callable[[Handler], Handler]:
    """Decorator form of register()."""

    def decorate(fn: Handler) -> Handler:
        register(effect, fn, queue=queue, max_attempts=max_attempts)
        return fn

    return decorate


def unregister(effect: str) -> None:
    """Forget `effect`'s handler (tests that register their own effects)."""
    _handlers.pop(effect, None)


def registered(effect: str) -> Registered:
    try:
        return _handlers[effect]
    except KeyError:
        raise UnknownEffect(f"no outbox handler is registered for {effect!r}") from None


def _qualname(fn: Handler) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def record(
    effect: str,
    *,
    target: models.Model | None = None,
    payload: dict | None = None,
    key: str | None = None,
    delay: timedelta | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> OutboxEntry:
    """Record that `effect` must happen for `target` (a saved model instance, optional) with
    `payload` (JSON), as part of the current transaction; returns the entry.

    With `delay`, not before that long after now: nothing is published at commit, and the sweeper
    publishes it once it is due (within OUTBOX_SWEEP_SECONDS of that). The handler decides then
    whether it still has anything to do (an email about something read meanwhile).

    Deduplication: the entry is unique per (effect, target, key). Without `key`, one target has
    the effect once (recording it again returns the existing entry, whatever its status); pass
    `key` when one target may need the effect several times (a language, a recipient, a
    version). Without a target, pass `key` to deduplicate; without either, every call records.

    Raises TransactionManagementError outside `transaction.atomic()` (an effect recorded
    outside the write's transaction could outlive a rolled-back write, or be lost), and
    UnknownEffect when no handler is registered for `effect`.
    """
    if not transaction.get_connection(using).in_atomic_block:
        raise TransactionManagementError(
            f"outbox.record({effect!r}) must be called inside transaction.atomic(), with the write it follows from"
        )
    now = timezone.now()
    waits = bool(delay) and delay > timedelta(0)
    _registration, entry = _unsaved_entry(
        effect,
        target=target,
        key=key,
        payload=payload,
        using=using,
        now=now,
        next_attempt_at=now + delay if waits else now,
        # Counted as published now; if publishing fails the sweeper republishes after its grace.
        # A waiting entry is left to the sweeper: a countdown as long as its wait could outlast the
        # broker's visibility timeout and be delivered twice (see OUTBOX_RETRY_COUNTDOWN_MAX_SECONDS).
        enqueued_at=None if waits else now,
    )
    if not _insert_unless_recorded(entry, using=using):
        return OutboxEntry.objects.using(using).get(effect=effect, dedupe_key=entry.dedupe_key)
    if not waits:
        transaction.on_commit(partial(publish, entry.pk, entry.queue), using=using, robust=True)
    return entry


def run_here(
    effect: str,
    *,
    target: models.Model,
    key: str | None = None,
    payload: dict | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> OutboxEntry:
    """Record `effect` for `target` (and `key`, with `payload`, as `record` does) and run its
    handler now, in the caller's transaction, instead of after the commit in a worker: for an
    entry only this transaction can have recorded (a message being sent; a reader's receipts up to
    a message), which no worker can see before the commit, so none is claimed. Its writes then
    commit with the write they follow from, and the commit publishes nothing: an AfterCommit
    step runs in this process after the commit and marks the entry done, exactly as `run` does
    after a worker's transaction (a failed step is retried by a worker, the handler seeing
    `written(entry)`; a process that dies first leaves the entry pending, which the sweeper
    publishes after OUTBOX_SWEEP_GRACE_SECONDS). What this saves on every message: a
    transaction, the claim, and the "written" update.

    A handler that raises leaves the transaction as it found it only if it raised before writing
    (the message's handler writes last, and catches its own failures): the entry is then recorded
    as `record` does, for a worker to run it all again. If the error broke the transaction, it
    propagates and nothing is saved.

    With a `key`, another transaction may have recorded the same entry and committed first (two
    tabs of one reader reading the same message at once): this one's step is then dropped (that
    entry's does the same), so a handler run here with a key must not write."""
    if not transaction.get_connection(using).in_atomic_block:
        raise TransactionManagementError(f"outbox.run_here({effect!r}) must be called inside transaction.atomic()")
    now = timezone.now()
    registration, entry = _unsaved_entry(
        effect,
        target=target,
        key=key,
        payload=payload,
        using=using,
        now=now,
        attempts=1,
        next_attempt_at=now,
        # Counted as published: the sweeper publishes it only if it is still pending after its grace.
        enqueued_at=now,
    )
    # The handler's `entry.target` is the instance the caller holds: no query to load it again.
    OutboxEntry._meta.get_field("target").set_cached_value(entry, target)
    try:
        result = registration.fn(entry)
    except Exception:
        if transaction.get_connection(using).needs_rollback:
            raise
        logger.exception(
            "outbox: %s for %s failed in the writer's transaction; left to a worker", effect, entry.dedupe_key
        )
        return record(effect, target=target, key=key, payload=payload, using=using)
    if isinstance(result, AfterCommit):
        entry.payload = {**entry.payload, STAGE: WRITTEN}
    else:
        entry.status, entry.done_at = OutboxEntry.Status.DONE, now
    if not _insert_unless_recorded(entry, using=using):
        if key is None:
            raise TransactionManagementError(f"outbox.run_here({effect!r}): {entry.dedupe_key} was recorded already")
        return OutboxEntry.objects.using(using).get(effect=effect, dedupe_key=entry.dedupe_key)
    if isinstance(result, AfterCommit):

        def after_commit(step=result.step) -> None:
            _outcome, retry_in = _after_commit_run(entry, registration, step, now=now)
            if retry_in is not None:
                publish(entry.pk, entry.queue, countdown=retry_in)

        transaction.on_commit(after_commit, using=using, robust=True)
    return entry


def _unsaved_entry(
    effect: str, *, target, key: str | None, payload: dict | None, using: str, now, **progress
) -> tuple[Registered, OutboxEntry]:
    """The registration of `effect` (UnknownEffect if none) and an unsaved entry of it for `target`
    and `key` with `payload`, created `now`; `progress` sets when it is due and whether it counts
    as published (`record` and `run_here` differ only there)."""
    registration = registered(effect)
    content_type, object_id, dedupe_key = _identity(target, key, using=using)
    entry = OutboxEntry(
        effect=effect,
        dedupe_key=dedupe_key,
        content_type=content_type,
        object_id=object_id,
        payload=payload or {},
        queue=registration.queue,
        created_at=now,
        **progress,
    )
    return registration, entry


def _identity(
    target: models.Model | None, key: str | None, *, using: str
) -> tuple[ContentType | None, int | None, str]:
    """The content type, object id and deduplication key of an entry for `target` and `key`
    (`record` explains the key)."""
    content_type = object_id = None
    if target is not None:
        if target.pk is None:
            raise ValueError("outbox.record() needs a saved target")
        content_type = ContentType.objects.db_manager(using).get_for_model(target, for_concrete_model=False)
        object_id = target.pk
        dedupe_key = f"{content_type.app_label}.{content_type.model}:{object_id}"
        if key is not None:
            dedupe_key = f"{dedupe_key}:{key}"
    elif key is not None:
        dedupe_key = key
    else:
        import uuid

        dedupe_key = f"uuid:{uuid.uuid4()}"
    if len(dedupe_key) > 255:
        raise ValueError("outbox dedupe key is longer than 255 characters")
    return content_type, object_id, dedupe_key


def hasten(effects: Iterable[str], *, targets: Iterable[models.Model], key: str, using: str = DEFAULT_DB_ALIAS) -> int:
    """End the wait of the entries recorded for `targets` with `key` (of one of `effects`, with a
    `delay` still running): they are due now and published at commit. What they waited for has
    happened sooner (the translation an email waited for is stored). Entries already due,
    running, done or failed are left as they are. Returns how many were hastened."""
    keys = [_identity(target, key, using=using)[2] for target in targets]
    if not keys:
        return 0
    now = timezone.now()
    with transaction.atomic(using=using):
        waiting = list(
            OutboxEntry.objects.using(using)
            .select_for_update(skip_locked=True)
            .filter(
                effect__in=list(effects),
                dedupe_key__in=keys,
                status=OutboxEntry.Status.PENDING,
                next_attempt_at__gt=now,
            )
            .values_list("pk", "queue")
        )
        if waiting:
            OutboxEntry.objects.using(using).filter(pk__in=[pk for pk, _queue in waiting]).update(
                next_attempt_at=now, enqueued_at=now
            )
            for pk, queue in waiting:
                transaction.on_commit(partial(publish, pk, queue), using=using, robust=True)
    return len(waiting)


def settle(
    effect: str, *, target: models.Model, keys: Iterable[str], payload: dict, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Mark done, without running it, the pending entry of `effect` recorded for `target` with one
    of `keys`, while its payload is still `payload`: what it would do has come to nothing before
    its time, and the caller knows its handler would find so (an email about a notification read
    while it waited). A worker is then not woken to do nothing. Its attempts stay 0, which tells
    an operator it was settled, not run. One UPDATE, in the caller's transaction; an entry a
    worker holds is waited for, then found done. Returns how many were settled."""
    identities = tuple(_identity(target, key, using=using)[2] for key in keys)
    if not identities:
        return 0
    return update_where(
        OutboxEntry,
        where={
            "effect": effect,
            "dedupe_key": identities,
            "status": OutboxEntry.Status.PENDING,
            "payload": payload,
        },
        values={"status": OutboxEntry.Status.DONE, "done_at": timezone.now()},
        using=using,
    )


def _insert_unless_recorded(entry: OutboxEntry, *, using: str) -> bool:
    """Insert `entry` unless its (effect, dedupe key) is already recorded; returns whether it was.

    One statement (`hub.db.insert_unless_conflict`) instead of get_or_create's look-up, savepoint,
    insert and release: a message records two or three entries, each in the request or a job. The
    unique constraint decides, as it did under get_or_create's IntegrityError retry: a second
    writer of the same key waits for the first to commit and then finds its row."""
    return insert_unless_conflict(entry, conflict_on=("effect", "dedupe_key"), using=using)


# After a failed publish, this process does not try again for a few seconds: a write recording
# several effects while Redis is down pays for one failed connection, not one per effect.
BROKER_BACKOFF_SECONDS = 5.0
_broker_down_until = 0.0


def publish(entry_id: int, queue: str, *, countdown: float | None = None) -> bool:
    """Publish the task that runs entry `entry_id`. Never raises: a broker that is down is logged,
    and the sweeper publishes again later. Returns whether the message was published."""
    global _broker_down_until
    from hub.tasks import outbox_run

    # Without a broker (the demo, the tests) the task runs here and now: there is no connection to
    # back off from, and a failure of the handler itself is not a broker outage.
    eager = bool(outbox_run.app.conf.task_always_eager)
    if not eager and time.monotonic() < _broker_down_until:
        logger.info("outbox: broker was down a moment ago; entry %s is left to the sweeper", entry_id)
        return False
    try:
        if eager:
            # Run in this process without touching a broker connection (apply_async would still
            # take a producer from the connection pool, even though it sends nothing), and
            # without Celery's eager task machinery around it (0.3-0.4 ms per entry, a message
            # leads to four or five): in-process, the task is this one call, and an error it
            # raises is what Celery's eager apply would propagate (CELERY_TASK_EAGER_PROPAGATES).
            run(entry_id)
            return True
        outbox_run.apply_async(
            args=[entry_id],
            queue=queue,
            countdown=countdown,
            # Give up quickly: the writer is waiting, and the row is safe in the database.
            retry_policy={"max_retries": 1, "interval_start": 0.2, "interval_step": 0.2, "interval_max": 0.5},
        )
    except Exception:  # any broker failure: the sweeper will find the row
        if not eager:
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning(
            "outbox: could not publish entry %s on queue %s; the sweeper will retry", entry_id, queue, exc_info=True
        )
        return False
    return True


def backoff_seconds(attempts: int) -> float:
    """Delay before attempt `attempts + 1`: exponential from OUTBOX_RETRY_BASE_SECONDS, capped at
    OUTBOX_RETRY_MAX_SECONDS, with jitter (50-100 %) so entries that failed together spread out."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    ceiling = settings.OUTBOX_RETRY_MAX_SECONDS
    delay = min(ceiling, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not security)


class _HandlerFailed(Exception):
    """Carries a handler's exception out of its transaction, so that the whole transaction (the
    handler's writes and the claim) rolls back before the attempt is recorded."""

    def __init__(self, error: Exception):
        super().__init__(error)
        self.error = error


def run(entry_id: int) -> str:
    """Claim entry `entry_id` (pending, due, not locked by another worker), run its handler, and
    mark it done only after the handler returned. Returns "done", "retry", "failed", or
    "skipped" (already done, not due, or being run elsewhere). Database errors that leave the
    connection unusable propagate, so the Celery task retries; the entry stays pending.

    The handler runs in the claim's transaction itself, without a savepoint of its own: two
    statements fewer on each of the entries every message leads to, where handlers nearly always
    succeed. When one fails, the whole transaction rolls back (its writes, the claim) and the
    attempt is recorded in a second one (`_failed`)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            entry = _claim(entry_id, now=now)
            if entry is None:
                return "skipped"
            registration = _handlers.get(entry.effect)
            if registration is None:
                # A worker running older code, or an app not installed here: leave it for another.
                entry.last_error = f"no handler for {entry.effect!r} in this worker"
                entry.next_attempt_at = now + timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)
                entry.enqueued_at = None
                entry.save(update_fields=["last_error", "next_attempt_at", "enqueued_at"])
                logger.error("outbox: %s", entry.last_error)
                return "skipped"
            entry.attempts += 1
            after_commit = None
            try:
                result = registration.fn(entry)
            except Exception as error:
                raise _HandlerFailed(error) from error
            if isinstance(result, AfterCommit):
                # The writes commit now; the entry is done once the step has run (below).
                after_commit = result.step
                entry.payload = {**entry.payload, STAGE: WRITTEN}
                _update(entry, ("attempts", "payload"))
                outcome = "written"
            else:
                entry.status = OutboxEntry.Status.DONE
                entry.done_at = timezone.now()
                entry.last_error = ""
                _update(entry, ("attempts", "status", "done_at", "last_error"))
                outcome = "done"
    except _HandlerFailed as failed:
        if transaction.get_connection().needs_rollback:
            # Run inside someone else's transaction, which the failure broke (its savepoint could
            # not roll back): nothing can be written in it.
            raise failed.error from None
        # After a lost connection Django has dropped it and connects again here; if the database
        # cannot be reached, this raises and the task's own retry (or the sweeper) comes back.
        return _failed(entry_id, failed.error, now=now)
    if after_commit is not None:
        outcome, retry_in = _after_commit_run(entry, registration, after_commit, now=now)
        if retry_in is not None:
            publish(entry_id, entry.queue, countdown=retry_in)
    return outcome


def _failed(entry_id: int, error: Exception, *, now) -> str:
    """Record a failed attempt at entry `entry_id` (its handler raised `error`; its transaction
    rolled back): the entry is claimed again, its attempts counted, and it is given its next
    attempt (or marked failed after the handler's last). Returns "retry" or "failed", or
    "skipped" when another worker claimed the entry in between (its own run records its outcome)."""
    with transaction.atomic():
        entry = _claim(entry_id, now=now)
        registration = _handlers.get(entry.effect) if entry is not None else None
        if entry is None or registration is None:
            # Another worker claimed it in between (its run counts): the error is only logged.
            logger.warning("outbox: entry %s failed, and is being run elsewhere now: %s", entry_id, error)
            return "skipped"
        entry.attempts += 1
        outcome, retry_in = _attempt_failed(entry, registration, error, now=now)
        _update(entry, FAILURE_FIELDS)
    if retry_in is not None:
        publish(entry_id, entry.queue, countdown=retry_in)
    return outcome


# What a failed attempt changes on its entry (`_attempt_failed`).
FAILURE_FIELDS = ("attempts", "status", "last_error", "next_attempt_at", "enqueued_at")


def _attempt_failed(
    entry: OutboxEntry, registration: Registered, error: Exception, *, now, after_writes: bool = False
) -> tuple[str, float | None]:
    """Set on `entry` what its failed attempt (already counted) leaves: the error, and its next
    attempt with backoff, or "failed" after the handler's last; logs it. Returns the outcome and
    the countdown to publish again with, if any (the caller writes FAILURE_FIELDS and publishes)."""
    entry.last_error = "".join(traceback.format_exception_only(error)).strip()[:2000]
    if entry.attempts >= registration.max_attempts:
        entry.status = OutboxEntry.Status.FAILED
        logger.error(
            "outbox: %s gave up after %s attempts: %s", entry, entry.attempts, entry.last_error, exc_info=error
        )
        return "failed", None
    delay = backoff_seconds(entry.attempts)
    entry.next_attempt_at = now + timedelta(seconds=delay)
    # Short waits are published with a countdown; longer ones are left to the sweeper (a
    # countdown longer than the broker's visibility timeout is redelivered early).
    retry_in = delay if delay <= settings.OUTBOX_RETRY_COUNTDOWN_MAX_SECONDS and not _eager() else None
    entry.enqueued_at = entry.next_attempt_at if retry_in is not None else None
    logger.warning(
        "outbox: %s failed%s (attempt %s), retrying: %s",
        entry,
        " after its writes" if after_writes else "",
        entry.attempts,
        entry.last_error,
    )
    return "retry", retry_in


def _claim(entry_id: int, *, now) -> OutboxEntry | None:
    """Entry `entry_id`, locked for this transaction, if it is pending and due and no other worker
    holds it (SKIP LOCKED); otherwise None. Its SQL is compiled once per process (building it
    through the ORM cost more than running it, on each of the entries every message leads to)."""
    found = reused_graph(
        OutboxEntry,
        entry_id,
        shape=("outbox.claim",),
        build=lambda pk: OutboxEntry.objects.filter(pk=pk, status=OutboxEntry.Status.PENDING).order_by(),
        lock=True,
        skip_locked=True,
    )
    # Whether it is due is asked of the row read (the time is not one of the compiled SQL's ids):
    # an entry not yet due is then held only until the caller's transaction ends, at once.
    if not found or found[0].next_attempt_at > now:
        return None
    return found[0]


def _after_commit_run(
    entry: OutboxEntry, registration: Registered, step: Callable[[], object], *, now
) -> tuple[str, float | None]:
    """Run a handler's after-commit step, then mark the entry done (one UPDATE); on failure, set its
    next attempt as run() does (the handler then sees `written(entry)`). Returns the outcome and
    the countdown to publish again with, if any."""
    try:
        step()
    except Exception as error:
        outcome, retry_in = _attempt_failed(entry, registration, error, now=now, after_writes=True)
        _update(entry, FAILURE_FIELDS, if_pending=True)
        return outcome, retry_in
    entry.status, entry.done_at, entry.last_error = OutboxEntry.Status.DONE, timezone.now(), ""
    _update(entry, ("status", "done_at", "last_error"), if_pending=True)
    return "done", None


def _update(entry: OutboxEntry, fields: tuple[str, ...], *, if_pending: bool = False) -> int:
    """Write `entry`'s `fields` to its row (only while it is still pending, with `if_pending`);
    returns the rows changed. One UPDATE written once per process (`hub.db.update_where`): the
    ORM built it anew for each of the entries every message leads to, to mark it written or done."""
    where = {"id": entry.pk, "status": OutboxEntry.Status.PENDING} if if_pending else {"id": entry.pk}
    return update_where(
        OutboxEntry,
        where=where,
        values={name: getattr(entry, name) for name in fields},
        using=entry._state.db or DEFAULT_DB_ALIAS,
    )


def sweep(*, batch_size: int | None = None) -> int:
    """Publish pending entries that are due and were never picked up (published more than
    OUTBOX_SWEEP_GRACE_SECONDS ago, or not at all: broker down at commit, worker killed, retry
    left to the sweeper). Several sweepers may run at once: rows are claimed with SKIP LOCKED.
    Returns how many entries were published (or, eagerly, run)."""
    now = timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    batch_size = batch_size or settings.OUTBOX_SWEEP_BATCH
    with transaction.atomic():
        due = list(
            OutboxEntry.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxEntry.Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - grace))
            .order_by("next_attempt_at", "id")
            .values_list("pk", "queue")[:batch_size]
        )
        OutboxEntry.objects.filter(pk__in=[pk for pk, _queue in due]).update(enqueued_at=now)
    published = 0
    for pk, queue in due:
        published += publish(pk, queue)
    if due:
        logger.info("outbox sweep: published %s of %s pending entries", published, len(due))
    return published


def retry_failed(*, effect: str | None = None) -> int:
    """Give failed entries (of `effect`, or all) a fresh set of attempts, starting now."""
    failed = OutboxEntry.objects.filter(status=OutboxEntry.Status.FAILED)
    if effect:
        failed = failed.filter(effect=effect)
    with transaction.atomic():
        ids = list(failed.select_for_update().values_list("pk", "queue"))
        OutboxEntry.objects.filter(pk__in=[pk for pk, _queue in ids]).update(
            status=OutboxEntry.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), enqueued_at=timezone.now()
        )
        for pk, queue in ids:
            transaction.on_commit(partial(publish, pk, queue), robust=True)
    return len(ids)


def reset_broker_backoff() -> None:
    """Forget a recent publishing failure (tests that bring the broker back)."""
    global _broker_down_until
    _broker_down_until = 0.0


def purge_done(*, older_than: timedelta) -> int:
    """Delete done entries finished more than `older_than` ago. Their effects can then be
    recorded again under the same key, so keep them longer than any retry of a write."""
    deleted, _by_model = OutboxEntry.objects.filter(
        status=OutboxEntry.Status.DONE, done_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


def _eager() -> bool:
    from hub.celery import app

    return bool(app.conf.task_always_eager)
