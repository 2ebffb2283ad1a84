"""The audit log: append-only in the ORM, hash-chained, and checked by `manage.py verify_audit_log`."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import audit
from accounts.models import AuditEntry
from tests import factories

TABLE = AuditEntry._meta.db_table


@pytest.fixture
def entries(db):
    actor = factories.UserFactory()
    school = factories.SchoolFactory()
    return [audit.record(actor=actor, action="pupil.viewed", target=school, reason="test", number=n) for n in range(5)]


def raw_sql(sql: str, params: list) -> None:
    """Write to the table directly, as someone with database access could, bypassing the ORM guard."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(TABLE)), params)


def verify_command() -> tuple[str, str, CommandError | None]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_log", stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def test_chain_verifies(entries):
    assert audit.verify() == []
    out, err, error = verify_command()
    assert error is None
    assert out.strip() == "Audit log intact: 5 entries"
    assert err == ""


def test_each_entry_links_to_the_one_before(entries):
    assert entries[0].previous_hash == audit.GENESIS_HASH
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.previous_hash == before.entry_hash


@pytest.mark.django_db
def test_empty_log_is_intact():
    out, _err, error = verify_command()
    assert error is None
    assert "Audit log intact: 0 entries" in out


def test_changed_details_are_detected(entries):
    target = entries[2]
    if connection.vendor == "postgresql":
        sql = "UPDATE {table} SET details = %s::jsonb WHERE id = %s"
    else:
        sql = "UPDATE {table} SET details = %s WHERE id = %s"
    raw_sql(sql, [json.dumps({"reason": "forged"}), target.pk])

    problems = audit.verify()

    assert [(p.entry_id, p.reason) for p in problems] == [
        (target.pk, "this entry's content was changed after it was written")
    ]
    out, err, error = verify_command()
    assert error is not None
    assert error.returncode == 1
    assert f"Entry #{target.pk}: this entry's content was changed" in err
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
    assert f"Entry #{entries[3].pk}: the entry before this one was removed" in err


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


def test_entries_cut_from_the_end_are_caught_by_the_checkpoint(entries, tmp_path):
    from io import StringIO

    checkpoint = tmp_path / "audit-head.txt"
    call_command("verify_audit_log", checkpoint=checkpoint, stdout=StringIO())
    assert checkpoint.read_text().split() == [str(entries[-1].pk), entries[-1].entry_hash]

    # Someone with database access removes the two newest entries: the chain itself still links up.
    raw_sql("DELETE FROM {table} WHERE id >= %s", [entries[3].pk])
    assert audit.verify() == []

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit_log", checkpoint=checkpoint, stdout=StringIO(), stderr=err)
    assert f"Entry #{entries[-1].pk}: the newest entry at the last check is missing" in err.getvalue()
    # A failed check leaves the checkpoint as it was, so the next run reports it again.
    assert checkpoint.read_text().split()[0] == str(entries[-1].pk)


def test_checkpoint_moves_forward_after_a_good_check(entries, tmp_path):
    from io import StringIO

    checkpoint = tmp_path / "audit-head.txt"
    call_command("verify_audit_log", checkpoint=checkpoint, stdout=StringIO())
    newer = audit.record(actor=None, action="system.checked")
    call_command("verify_audit_log", checkpoint=checkpoint, stdout=StringIO())
    assert checkpoint.read_text().split()[0] == str(newer.pk)
