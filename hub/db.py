"""A cursor for the SQL that runs on every page and every message: PostgreSQL keeps its plan.

Django's psycopg cursors bind parameters on the client (the values are merged into the text), so
PostgreSQL parses and plans every statement afresh. That is cheap for most, not for the few the
project compiles once per process and runs all the time (`hub.compiled_sql`): the unread
badge's count over every notification rule (19 KB of SQL, 191 parameters) took 10-25 ms of
planning on every page, the conversation access rules a few ms at every read. Those go through a
server-binding cursor instead, and psycopg prepares them on the connection at their first run
(`prepare_threshold` 0 in settings; Django's own client-binding cursors are never prepared, so
nothing else changes), with the generic plan from the first run (`plan_cache_mode`: PostgreSQL
would otherwise plan each afresh for its first five runs on every connection): PostgreSQL plans each once per connection, and psycopg no longer merges
hundreds of parameters into the text. Measured on the badge's count: 20 ms a call before, 2.4 ms
after (and 1.6 ms of this process's CPU before, 0.7 ms after).

The pool's connections are this process's own (psycopg_pool), so a prepared statement lives as
long as its connection. Behind a connection pooler in transaction mode (pgbouncer), which would
hand a prepared statement's connection to another client, set DB_PREPARED_STATEMENTS=false:
the statements then bind on the server without being prepared.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, router, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class _DebugWrapper(CursorDebugWrapper):
    """Logs the statement as written, its values beside it: Django reads the logged SQL back from
    a client-binding cursor's merged text, which a server-binding one does not keep (it would log
    None, and query logs and tests that read them would lose the statement)."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return super(CursorDebugWrapper, self).execute(sql, params)


def planned_cursor(connection=None):
    """A cursor (as `connection.cursor()`, counted and logged the same way; the default database's
    unless given) whose statements PostgreSQL plans once per connection; on other databases, the
    usual cursor."""
    # The wrapper itself, not the `django.db.connection` proxy: each attribute read through the
    # proxy looks the connection up again in asgiref's context-local storage (five reads here,
    # on the thirty-odd statements of each message).
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = ServerBindingCursor(connection.connection)
    # What `connection.cursor()` wraps its own in: query logging (tests' query counts) and
    # execute_wrapper hooks apply alike.
    return _DebugWrapper(cursor, connection) if connection.queries_logged else CursorWrapper(cursor, connection)


# psycopg turns each statement's %s placeholders into PostgreSQL's $n at every execution, and
# remembers the result (128 statements, least recently used first out) only for statements under
# 4 KB with at most 50 parameters: it guards against ORMs writing a new long INSERT for every
# batch size. Ours are few and fixed (the statements `hub.compiled_sql` compiles once per
# process), and several are longer: the unread badge's count is 19 KB with 191 parameters,
# re-read at 0.4-0.5 ms of CPU every time, and the message, access and read look-ups 4-5 KB each.
# Remembering statements up to 32 KB and 256 parameters keeps the same 128-statement bound
# (a few MB at most). If a psycopg release drops these settings, this does nothing.
LONGEST_REMEMBERED_STATEMENT = 32 * 1024
MOST_REMEMBERED_PARAMETERS = 256


def remember_long_statements() -> None:
    """Let psycopg remember the conversion of statements up to the sizes above (called once, when
    the apps are ready)."""
    from psycopg import _queries

    for name, value in (
        ("MAX_CACHED_STATEMENT_LENGTH", LONGEST_REMEMBERED_STATEMENT),
        ("MAX_CACHED_STATEMENT_PARAMS", MOST_REMEMBERED_PARAMETERS),
    ):
        if isinstance(getattr(_queries, name, None), int):
            setattr(_queries, name, max(getattr(_queries, name), value))


_insert_sql: dict[tuple, str] = {}


def insert_unless_conflict(instance, *, conflict_on: tuple[str, ...] = (), using: str | None = None) -> bool:
    """Insert the unsaved model `instance` unless a unique constraint already holds its values;
    returns whether it was inserted (its primary key then set, as `save()` would).

    One statement, INSERT … ON CONFLICT DO NOTHING RETURNING the key, in place of a savepoint, the
    insert and the savepoint's release around an IntegrityError: a message and each of the outbox
    entries it leads to are written this way. The constraint decides as it would for the insert
    alone: a second writer of the same values waits for the first to commit, then inserts nothing.
    `conflict_on` names the fields of the one constraint that may conflict (any, without it).
    The SQL is written once per process from the model's metadata; every value is a parameter,
    prepared for the database as `save()` prepares it (`pre_save`, then `get_db_prep_save`)."""
    return _insert(instance, conflict_on=conflict_on, using=using)


def insert(instance, *, using: str | None = None) -> None:
    """Insert the unsaved model `instance`, as `save(force_insert=True)` would, its key then set
    (a unique constraint's conflict raises IntegrityError, as there), by one INSERT … RETURNING
    written once per process: the ORM built it anew for every row (an audit entry, on every
    audited write). Signals are not sent: for models that have no receivers."""
    _insert(instance, conflict_on=None, using=using)


def _insert(instance, *, conflict_on: tuple[str, ...] | None, using: str | None) -> bool:
    """`insert` (`conflict_on` None) or `insert_unless_conflict`."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):  # both know ON CONFLICT … RETURNING
        if conflict_on is None:
            instance.save(using=using, force_insert=True)
            return True
        try:
            with transaction.atomic(using=using):
                instance.save(using=using, force_insert=True)
        except IntegrityError:
            return False
        return True
    meta = model._meta
    # The database gives the key only to a model whose key it generates (an AutoField); a key of
    # another kind (an audit chain's number) is inserted like any other value.
    fields = [field for field in meta.concrete_fields if not (field.primary_key and field.db_returning)]
    key = (connection.vendor, meta.label, conflict_on)
    sql = _insert_sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        if conflict_on is None:
            on_conflict = ""
        else:
            target = (
                f"({', '.join(quote(meta.get_field(name).column) for name in conflict_on)}) " if conflict_on else ""
            )
            on_conflict = f" ON CONFLICT {target}DO NOTHING"
        placeholders = ", ".join(["%s"] * len(fields))
        # Names from the model's own metadata; every value is a parameter.
        sql = _insert_sql[key] = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608
            f"VALUES ({placeholders}){on_conflict} RETURNING {quote(meta.pk.column)}"
        )
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with planned_cursor(connection) as cursor:  # written all the time: planned once per connection
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = using
    return True


_update_sql: dict[tuple, str] = {}


def update_where(model, *, where: dict, values: dict, using: str = DEFAULT_DB_ALIAS) -> int:
    """UPDATE `model`'s rows whose fields equal `where`'s values, setting `values`; returns the
    rows changed. Field names as the model declares them (a foreign key by its `_id` name, with
    an id); a None in `where` asks for NULL (`IS NULL`), a tuple for any of its values (`IN`).
    What `Model.objects.filter(**where).update(**values)` does, for the few single-row
    updates every message makes (its conversation's last message, the sender's read mark, the
    audit chain's head, the outbox entry's progress): the ORM built that UPDATE anew each time
    (0.29 ms of CPU a call, 0.11 this way). The SQL is written once per process and shape from
    the model's metadata; every value is a parameter, prepared as the ORM prepares it."""
    with _updating(model, where=where, values=values, returning=(), using=using) as cursor:
        return cursor.rowcount


def update_where_returning(
    model, *, where: dict, values: dict, returning: tuple[str, ...], using: str = DEFAULT_DB_ALIAS
) -> list[tuple]:
    """`update_where`, answering the `returning` fields of each row it changed (UPDATE …
    RETURNING: what changed is known without a second look)."""
    with _updating(model, where=where, values=values, returning=returning, using=using) as cursor:
        return cursor.fetchall()


@contextmanager
def _updating(model, *, where: dict, values: dict, returning: tuple[str, ...], using: str):
    connection = connections[using]
    meta = model._meta
    # Which conditions ask for NULL, and for how many values, is part of the statement's shape
    # (`= NULL` would match nothing).
    null = tuple(name for name, value in where.items() if value is None)
    sizes = tuple(len(value) if isinstance(value, tuple) else None for value in where.values())
    if 0 in sizes:
        raise ValueError("update_where: an empty tuple in `where` matches nothing (IN () is not SQL)")
    key = (connection.vendor, meta.label, tuple(values), tuple(where), null, sizes, returning)
    sql = _update_sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name

        def condition(name: str, size: int) -> str:
            column = quote(meta.get_field(name).column)
            if name in null:
                return f"{column} IS NULL"
            return f"{column} = %s" if size is None else f"{column} IN ({', '.join(['%s'] * size)})"

        assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in values)
        conditions = " AND ".join(condition(name, size) for name, size in zip(where, sizes, strict=True))
        answer = (
            f" RETURNING {', '.join(quote(meta.get_field(name).column) for name in returning)}" if returning else ""
        )
        # Names from the model's own metadata; every value is a parameter.
        sql = _update_sql[key] = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {conditions}{answer}"  # noqa: S608
    params = [meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()]
    for name, value in where.items():
        if name in null:
            continue
        field = meta.get_field(name)
        params += [field.get_db_prep_save(one, connection) for one in (value if isinstance(value, tuple) else (value,))]
    with planned_cursor(connection) as cursor:  # run all the time: planned once per connection
        cursor.execute(sql, params)
        yield cursor
