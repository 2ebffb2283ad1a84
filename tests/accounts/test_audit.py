"""The audit log: append-only in the ORM, hash-chained per school (plus a platform chain), and
checked chain by chain by `manage.py verify_audit_log`."""

import json
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEntry
from accounts.models.audit import PLATFORM_CHAIN, AuditChainHead
from tests import factories
from tests.conftest import require

TABLE = AuditEntry._meta.db_table
HEADS = AuditChainHead._meta.db_table


@pytest.fixture
def entries(db):
    actor = factories.UserFactory()
    school = factories.SchoolFactory()
    return [
        audit.record(actor=actor, action="pupil.viewed", target=school, school=school, reason="test", number=n)
        for n in range(5)
    ]


def raw_sql(sql: str, params: list) -> None:
    """Write to the tables directly, as someone with database access could, bypassing the ORM guard."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.format(table=connection.ops.quote_name(TABLE), heads=connection.ops.quote_name(HEADS)), params
        )


def verify_command(**options) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_log", stdout=out, stderr=err, **options)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def test_chain_verifies(entries):
    assert audit.verify() == []
    out, err, error = verify_command()
    assert error is None
    assert out.strip() == "Audit log intact: 5 entries in 1 chain"
    assert err == ""


def test_each_entry_links_to_the_one_before(entries):
    assert entries[0].previous_hash == audit.GENESIS_HASH
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.previous_hash == before.entry_hash


@pytest.mark.django_db
def test_empty_log_is_intact():
    out, _err, error = verify_command()
    assert error is None
    assert "Audit log intact: 0 entries in 0 chains" in out


def test_changed_details_are_detected(entries):
    target = entries[2]
    if connection.vendor == "postgresql":
        sql = "UPDATE {table} SET details = %s::jsonb WHERE id = %s"
    else:
        sql = "UPDATE {table} SET details = %s WHERE id = %s"
    raw_sql(sql, [json.dumps({"reason": "forged"}), target.pk])

    problems = audit.verify()

    assert [(p.chain, p.entry_id, p.reason) for p in problems] == [
        (target.school_id, target.pk, "this entry's content was changed after it was written")
    ]
    out, err, error = verify_command()
    assert error is not None
    assert error.returncode == 1
    school = target.school_id
    assert f"School #{school} (School" in err
    assert f"chain, entry #{target.pk}: this entry's content was changed" in err
    assert "intact" not in out


def test_changed_hash_to_cover_an_edit_breaks_the_next_link(entries):
    """Recomputing the edited entry's own hash does not help: the next entry still points at the old one."""
    target = entries[1]
    raw_sql("UPDATE {table} SET action = %s WHERE id = %s", ["nothing.happened", target.pk])
    target.refresh_from_db()
    target.entry_hash = audit._digest(target)
    raw_sql("UPDATE {table} SET entry_hash = %s WHERE id = %s", [target.entry_hash, target.pk])

    problems = audit.verify()

    assert [p.entry_id for p in problems] == [entries[2].pk]


def test_deleted_entry_is_detected(entries):
    removed = entries[2]
    raw_sql("DELETE FROM {table} WHERE id = %s", [removed.pk])

    problems = audit.verify()

    assert [(p.entry_id, p.reason) for p in problems] == [
        (entries[3].pk, "the entry before this one was removed or changed")
    ]
    _out, err, error = verify_command()
    assert error is not None
    assert f"chain, entry #{entries[3].pk}: the entry before this one was removed" in err


def test_deleted_first_entry_is_detected(entries):
    raw_sql("DELETE FROM {table} WHERE id = %s", [entries[0].pk])
    assert [p.entry_id for p in audit.verify()] == [entries[1].pk]


def test_save_on_an_existing_entry_raises(entries):
    entry = AuditEntry.objects.get(pk=entries[0].pk)
    entry.details = {"reason": "forged"}
    with pytest.raises(PermissionError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).details["reason"] == "test"


def test_delete_on_an_entry_raises(entries):
    with pytest.raises(PermissionError):
        entries[0].delete()
    assert AuditEntry.objects.count() == 5


def test_queryset_update_and_delete_raise(entries):
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entries[0].pk).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(action="forged").count() == 0
    assert AuditEntry.objects.count() == 5
    assert audit.verify() == []


def test_entries_cut_from_the_end_are_caught_by_the_chain_head(entries):
    raw_sql("DELETE FROM {table} WHERE id >= %s", [entries[3].pk])

    problems = audit.verify()

    assert [(p.chain, p.entry_id) for p in problems] == [(entries[0].school_id, entries[-1].pk)]
    assert "entries were cut from its end" in problems[0].reason


def test_entries_cut_from_the_end_are_caught_by_the_checkpoint(entries, tmp_path):
    checkpoint = tmp_path / "audit-heads.txt"
    _out, _err, error = verify_command(checkpoint=checkpoint)
    assert error is None
    assert f"school:{entries[-1].school_id} {entries[-1].pk} {entries[-1].entry_hash}" in checkpoint.read_text()

    # Someone with database access removes the two newest entries and moves the chain's head back
    # to match: the chain itself, and its head, still link up.
    raw_sql("DELETE FROM {table} WHERE id >= %s", [entries[3].pk])
    raw_sql(
        "UPDATE {heads} SET entry_id = %s, entry_hash = %s WHERE chain = %s",
        [entries[2].pk, entries[2].entry_hash, entries[2].school_id],
    )
    assert audit.verify() == []

    _out, err, error = verify_command(checkpoint=checkpoint)
    assert error is not None
    assert f"School #{entries[-1].school_id} (School" in err
    assert f"chain, entry #{entries[-1].pk}: the newest entry at the last check is missing" in err
    # A failed check leaves the checkpoint as it was, so the next run reports it again.
    assert f" {entries[-1].pk} " in checkpoint.read_text()


def test_checkpoint_moves_forward_after_a_good_check(entries, tmp_path):
    checkpoint = tmp_path / "audit-heads.txt"
    call_command("verify_audit_log", checkpoint=checkpoint, stdout=StringIO())
    newer = audit.record(actor=None, action="system.checked")
    call_command("verify_audit_log", checkpoint=checkpoint, stdout=StringIO())
    assert audit.parse_checkpoint(checkpoint.read_text()) == [
        audit.Head(PLATFORM_CHAIN, newer.pk, newer.entry_hash),
        audit.Head(entries[-1].school_id, entries[-1].pk, entries[-1].entry_hash),
    ]


# --- one chain per school, plus the platform chain ---------------------------------------------


@pytest.fixture
def two_schools(db):
    return factories.SchoolFactory(name="Oakfield Primary"), factories.SchoolFactory(name="Riverside Academy")


def test_each_school_and_the_platform_have_their_own_chain(two_schools):
    oakfield, riverside = two_schools
    first_at_oakfield = audit.record(actor=None, action="pupil.viewed", target=oakfield)
    first_at_riverside = audit.record(actor=None, action="pupil.viewed", school=riverside)
    platform = audit.record(actor=None, action="system.started")
    second_at_oakfield = audit.record(actor=None, action="pupil.viewed", school=oakfield.pk)

    assert (first_at_oakfield.chain, first_at_riverside.chain, platform.chain) == (
        oakfield.pk,
        riverside.pk,
        PLATFORM_CHAIN,
    )
    # Each chain starts from the genesis hash and links only to its own entries.
    assert first_at_oakfield.previous_hash == audit.GENESIS_HASH
    assert first_at_riverside.previous_hash == audit.GENESIS_HASH
    assert platform.previous_hash == audit.GENESIS_HASH
    assert second_at_oakfield.previous_hash == first_at_oakfield.entry_hash
    assert audit.verify() == []
    out, _err, error = verify_command()
    assert error is None
    assert out.strip() == "Audit log intact: 4 entries in 3 chains"


def test_tampering_in_one_chain_is_caught_and_named(two_schools):
    oakfield, riverside = two_schools
    at_oakfield = [audit.record(actor=None, action="pupil.viewed", school=oakfield, n=n) for n in range(3)]
    for n in range(3):
        audit.record(actor=None, action="pupil.viewed", school=riverside, n=n)
    raw_sql("UPDATE {table} SET actor_label = %s WHERE id = %s", ["someone else", at_oakfield[1].pk])

    problems = audit.verify()

    assert [(p.chain, p.entry_id) for p in problems] == [(oakfield.pk, at_oakfield[1].pk)]
    _out, err, error = verify_command()
    assert error is not None
    assert err.strip() == (
        f"School #{oakfield.pk} (Oakfield Primary) chain, entry #{at_oakfield[1].pk}: "
        "this entry's content was changed after it was written"
    )


def test_an_entry_moved_to_another_schools_chain_is_caught(two_schools):
    oakfield, riverside = two_schools
    moved = audit.record(actor=None, action="pupil.viewed", school=oakfield)
    audit.record(actor=None, action="pupil.viewed", school=riverside)
    raw_sql("UPDATE {table} SET school_id = %s, chain = %s WHERE id = %s", [riverside.pk, riverside.pk, moved.pk])

    reasons = {(p.chain, p.reason) for p in audit.verify()}

    assert (riverside.pk, "this entry's content was changed after it was written") in reasons
    assert any(chain == oakfield.pk and "cut from its end" in reason for chain, reason in reasons)


def test_entries_from_before_per_school_chains_still_verify(two_schools, tmp_path):
    """Entries written before the migration keep their one global chain, as written."""
    oakfield, riverside = two_schools
    previous, legacy = audit.GENESIS_HASH, []
    for school in (oakfield, riverside, None):
        entry = AuditEntry(
            created_at=timezone.now(),
            action="pupil.viewed",
            school_id=getattr(school, "pk", None),
            chain=None,
            previous_hash=previous,
        )
        entry.entry_hash = previous = audit._digest(entry)
        entry.save()
        legacy.append(entry)
    newer = audit.record(actor=None, action="pupil.viewed", school=oakfield)
    assert newer.previous_hash == audit.GENESIS_HASH
    assert audit.verify() == []

    # A checkpoint written before per-school chains (`id hash`) names a legacy entry.
    checkpoint = tmp_path / "audit-head.txt"
    checkpoint.write_text(f"{legacy[-1].pk} {legacy[-1].entry_hash}\n")
    out, _err, error = verify_command(checkpoint=checkpoint)
    assert error is None
    assert "4 entries in 2 chains" in out
    assert f"legacy {legacy[-1].pk} {legacy[-1].entry_hash}" in checkpoint.read_text()

    raw_sql("DELETE FROM {table} WHERE id = %s", [legacy[1].pk])
    _out, err, error = verify_command()
    assert error is not None
    assert f"Legacy chain (entries from before per-school chains), entry #{legacy[2].pk}: the entry before" in err


def test_a_checkpoint_that_is_not_one_is_refused(tmp_path):
    checkpoint = tmp_path / "audit-heads.txt"
    checkpoint.write_text("school:abc 1 ff\n")
    with pytest.raises(CommandError, match="is not an audit checkpoint"):
        call_command("verify_audit_log", checkpoint=checkpoint, stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db(transaction=True)
def test_audited_writes_at_one_school_do_not_wait_for_another_school():
    """A long transaction holding Oakfield's chain delays Oakfield's next entry, not Riverside's."""
    require(connection.vendor == "postgresql", "row locks need PostgreSQL (set DATABASE_URL)")
    oakfield, riverside = factories.SchoolFactory(), factories.SchoolFactory()
    holding, release = threading.Event(), threading.Event()
    finished: dict[str, float] = {}

    def hold_oakfield():
        try:
            with transaction.atomic():
                finished["held"] = audit.record(actor=None, action="pupil.viewed", school=oakfield).pk
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def write(name, school):
        try:
            finished[name] = audit.record(actor=None, action="pupil.viewed", school=school).pk
        finally:
            connection.close()

    holder = threading.Thread(target=hold_oakfield)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        started = time.monotonic()
        at_riverside = threading.Thread(target=write, args=("riverside", riverside))
        at_riverside.start()
        at_riverside.join(timeout=10)
        elapsed = time.monotonic() - started
        assert "riverside" in finished, "an audited write at Riverside waited for Oakfield's transaction"
        assert elapsed < 2

        at_oakfield = threading.Thread(target=write, args=("oakfield", oakfield))
        at_oakfield.start()
        at_oakfield.join(timeout=1)
        assert "oakfield" not in finished, "two writers appended to Oakfield's chain at once"
    finally:
        release.set()
        holder.join(timeout=10)
    at_oakfield.join(timeout=10)

    assert "oakfield" in finished
    held, after = AuditEntry.objects.get(pk=finished["held"]), AuditEntry.objects.get(pk=finished["oakfield"])
    assert after.previous_hash == held.entry_hash
    assert audit.verify() == []


def test_an_append_finds_its_chains_head_in_one_compiled_query(db, django_assert_num_queries):
    """The head is a big-integer key (the school's id, or 0 for the platform): the look-up
    compiled once per process must find it by that key, not create it again. (Its stand-in once
    stayed in the SQL, wrapped as psycopg's Int8: the look-up found nothing at every append.)"""
    school = factories.SchoolFactory()
    first = audit.record(actor=None, action="pupil.viewed", school=school)
    platform = audit.record(actor=None, action="setting.changed")
    # Locked read of the head, the entry, the head moved on: three queries with the head there.
    with django_assert_num_queries(3):
        second = audit.record(actor=None, action="pupil.viewed", school=school)
    with django_assert_num_queries(3):
        audit.record(actor=None, action="setting.changed")
    with transaction.atomic():
        head = audit._locked_head(school.pk)
        assert (head.chain, head.entry_id) == (school.pk, second.pk)
        assert audit._locked_head(PLATFORM_CHAIN).chain == PLATFORM_CHAIN
        assert audit._locked_head(school.pk + 10_000) is None
    assert second.previous_hash == first.entry_hash
    assert platform.chain == PLATFORM_CHAIN
    assert audit.verify() == []
