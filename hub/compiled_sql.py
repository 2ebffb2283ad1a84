"""SQL the ORM wrote once per process, reused with new ids as parameters.

The access rules (who may see a conversation, which notifications their recipient may still
see) are a dozen subqueries over pupils, classes, memberships and guardianships: about 3 ms of
CPU each to build through the ORM, asked several times per message and once per page for the
badge. Their SQL differs between people and objects only in the ids, so it is compiled once per
process and shape, for stand-in ids, and reused with the real ones as parameters; the database
still answers from current rows on every call. What runs here directly (not as a subquery of an
ORM query) is also planned by PostgreSQL once per connection (`hub.db.planned_cursor`).

It lives in hub so that every app may use it: messaging's access rules and delivery first, the
two-factor check on every request (accounts.twofactor.selectors) since.
"""

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import RawQuerySet

from hub.db import planned_cursor

_STAND_IN = -7_345_019_283  # no row has a negative id


def _stand_ins(count: int) -> tuple[int, ...]:
    return tuple(_STAND_IN - number for number in range(count))


_compiled_sql: dict[tuple, tuple[str, tuple, tuple]] = {}


def _reused(ids: tuple[int, ...], shape: tuple, build: Callable[..., QuerySet]) -> tuple[str, tuple] | None:
    """The SQL of `build(*ids)` and its parameters, compiled once per `shape`; None when an id
    was written into the SQL itself (nothing to reuse)."""
    stand_ins = _stand_ins(len(ids))
    compiled = _compiled_sql.get(shape)
    if compiled is None:
        sql, params = build(*stand_ins).query.sql_with_params()
        if any(stand_in not in params and str(stand_in) in sql for stand_in in stand_ins):
            return None  # do not cache what we cannot fill
        compiled = _compiled_sql[shape] = (sql, tuple(params), _positions(params, stand_ins))
    sql, params, positions = compiled
    return sql, _filled(params, positions, ids)


def _positions(params, stand_ins: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """Where each stand-in id is among `params`: (parameter index, id index) pairs, found once
    when the SQL is compiled (the badge's count has 191 parameters, read at every call before).
    A stand-in reaches the parameters as a bare int, or wrapped by the ORM in psycopg's Int8 for
    a big integer field (a primary key that is one, say): either is found. (Looking for a bare
    int only, as this once did, left a wrapped stand-in in place: the query then silently found
    nothing.)"""
    index_of = {stand_in: number for number, stand_in in enumerate(stand_ins)}
    return tuple(
        (position, index_of[param])
        for position, param in enumerate(params)
        if isinstance(param, int) and not isinstance(param, bool) and param in index_of
    )


def _filled(params: tuple, positions: tuple[tuple[int, int], ...], ids: tuple[int, ...]) -> tuple:
    """`params` with each stand-in (at `positions`) replaced by its real id, keeping its wrapper."""
    filled = list(params)
    for position, number in positions:
        filled[position] = type(params[position])(ids[number])
    return tuple(filled)


def reused_sql(*ids: int, shape: tuple, build: Callable[..., QuerySet]) -> RawSQL | QuerySet:
    """What `build(*ids)` selects (one column), its SQL compiled once per `shape` (whatever else
    decides how `build` writes it) and reused with `ids` as parameters."""
    reused = _reused(ids, shape, build)
    if reused is None:
        return build(*ids)
    # The ORM wrote this SQL; the ids go in as parameters like every other value.
    return RawSQL(*reused)  # noqa: S611


def reused_count(*ids: int, shape: tuple, build: Callable[..., QuerySet]) -> int:
    """How many rows `build(*ids)` selects (one column), its SQL compiled once per `shape` as in
    `reused_sql`: one COUNT query, without the ORM writing it again (the unread badge is counted
    on every page and for each reader after each message)."""
    reused = _reused(ids, shape, build)
    if reused is None:
        return build(*ids).count()
    sql, params = reused
    with planned_cursor() as cursor:
        # The ORM wrote `sql`; the ids are parameters.
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)  # noqa: S608
        return cursor.fetchone()[0]


def reused_rows(*ids: int, shape: tuple, build: Callable[..., QuerySet]) -> list[tuple]:
    """The rows of `build(*ids)` (a `values_list` of ids and plain values: no field conversions
    are applied), its SQL compiled once per `shape` as in `reused_sql`."""
    reused = _reused(ids, shape, build)
    if reused is None:
        return list(build(*ids))
    with planned_cursor() as cursor:
        cursor.execute(*reused)
        return [tuple(row) for row in cursor.fetchall()]


def reused_instances(
    model: type[Model], *ids: int, shape: tuple, build: Callable[..., QuerySet]
) -> RawQuerySet | QuerySet:
    """`model` instances selected by `build(*ids)` (the model's own columns and any annotations,
    without select_related), its SQL compiled once per `shape` as in `reused_sql`. Fields are
    converted as the ORM converts them (an encrypted body is decrypted)."""
    reused = _reused(ids, shape, build)
    if reused is None:
        return build(*ids)
    return model.objects.raw(*reused)  # noqa: S611 - the ORM wrote this SQL; ids are parameters


_compiled_values: dict[tuple, tuple[str, tuple, list, tuple]] = {}


def reused_values(
    *ids: int, shape: tuple, build: Callable[..., QuerySet], stored: tuple[int, ...] = (), suffix: str = ""
) -> list[tuple]:
    """The rows of `build(*ids)` (a `values_list`), its SQL and the ORM's conversions of its
    columns compiled once per `shape` as in `reused_sql`, without the ORM building the query or a
    model instance per row. The columns at the positions in `stored` are left as stored (an
    encrypted field's token, decrypted only by a caller that needs the words). Any number of ids
    (a list of people: `shape` then says how many). `suffix` (SQL without values) is appended to
    the compiled SQL (a row lock the ORM writes only for model instances)."""
    stand_ins = _stand_ins(len(ids))
    compiled = _compiled_values.get((shape, suffix))  # a locking read is its own statement
    if compiled is None:
        queryset = build(*stand_ins)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        if any(stand_in not in params and str(stand_in) in sql for stand_in in stand_ins):
            raise ValueError(f"{shape}: an id is written into the SQL itself, so it cannot be reused")
        columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        # As the ORM converts them (a backend's dates, a field's from_db_value), but for `stored`.
        converters = [
            (position, functions, column)
            for position, (functions, column) in compiler.get_converters(columns).items()
            if position not in stored
        ]
        positions = _positions(params, stand_ins)
        compiled = _compiled_values[(shape, suffix)] = (sql + suffix, tuple(params), converters, positions)
    sql, params, converters, positions = compiled
    with planned_cursor() as cursor:
        # The ORM wrote `sql`; the ids are parameters.
        cursor.execute(sql, _filled(params, positions, ids))
        rows = cursor.fetchall()
    if not converters:
        return [tuple(row) for row in rows]
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper, read once (not the proxy, per value)
    converted = []
    for row in rows:
        row = list(row)
        for position, functions, column in converters:
            for function in functions:
                row[position] = function(row[position], column, connection)
        converted.append(tuple(row))
    return converted


def reused_objects(
    model: type[Model], *ids: int, shape: tuple, build: Callable[..., QuerySet], related: tuple[str, ...] = ()
) -> list[Model]:
    """`model` instances selected by `build(*ids)` (a queryset of `model`), each with its
    `related` foreign keys (one level, as `select_related` gives them; None for a null one), the
    SQL compiled once per `shape` as in `reused_values`: every field loaded and converted as the
    ORM converts it (an encrypted body is decrypted), without the ORM building the query."""
    groups = [(model, [field.attname for field in model._meta.concrete_fields], "")]
    for name in related:
        other = model._meta.get_field(name).related_model
        groups.append((other, [field.attname for field in other._meta.concrete_fields], name))
    columns = [f"{prefix}__{attname}" if prefix else attname for _model, names, prefix in groups for attname in names]
    found = []
    for row in reused_values(*ids, shape=shape, build=lambda *ids: build(*ids).values_list(*columns)):
        start = len(groups[0][1])
        instance = model.from_db(DEFAULT_DB_ALIAS, groups[0][1], row[:start])
        for other, names, name in groups[1:]:
            values = row[start : start + len(names)]
            start += len(names)
            setattr(instance, name, None if values[0] is None else other.from_db(DEFAULT_DB_ALIAS, names, values))
        found.append(instance)
    return found


def reused_one(model: type[Model], pk: int, *, shape: tuple) -> Model | None:
    """`model`'s row `pk` as it is now (None when gone), every field loaded as `reused_objects`
    loads it: one query, its SQL compiled once per `shape` and model."""
    found = reused_objects(
        model,
        pk,
        shape=(*shape, model._meta.label_lower),
        build=lambda pk: model._default_manager.filter(pk=pk).order_by(),
    )
    return found[0] if found else None


def reused_graph(
    model: type[Model],
    *ids: int,
    shape: tuple,
    build: Callable[..., QuerySet],
    related: tuple[str, ...] = (),
    annotations: tuple[str, ...] = (),
    lock: bool = False,
    skip_locked: bool = False,
) -> list[Model]:
    """`reused_objects` with `related` paths of any depth ("conversation", then
    "conversation__school": each path after its parent; a reverse one-to-one too,
    "user__quiet_hours"), cached on their parents as
    `select_related` caches them (None for a null one), and the `annotations` of `build`'s
    queryset set on each instance: one query, its SQL and the ORM's conversions compiled once per
    `shape` (a message delivered with its sender, conversation, pupil and school; ~5 ms of CPU to
    build through the ORM on every message). `lock`: `model`'s rows are locked for the transaction
    (FOR UPDATE OF its table alone, as `select_for_update(of=("self",))`; `build` must not lock:
    the ORM cannot write OF for a values query); with `skip_locked`, rows another transaction
    holds are left out instead of waited for (an outbox entry another worker runs). As everywhere
    here, the ids must reach the SQL as parameters: compare them with keys or integer fields (a big integer's value, which the ORM
    wraps in psycopg's Int8, is recognised), or with a positive integer field through
    `RawSQL("%s")` (the ORM folds a negative stand-in for a positive field away)."""
    groups = [("", model, [field.attname for field in model._meta.concrete_fields])]
    for path in related:
        parent_path, _sep, name = path.rpartition("__")
        parent_model = next(group_model for group_path, group_model, _names in groups if group_path == parent_path)
        other = parent_model._meta.get_field(name).related_model
        groups.append((path, other, [field.attname for field in other._meta.concrete_fields]))
    columns = [f"{path}__{attname}" if path else attname for path, _model, names in groups for attname in names]
    suffix = ""
    connection = connections[DEFAULT_DB_ALIAS]
    if lock and connection.features.has_select_for_update_of:
        suffix = f" FOR UPDATE OF {connection.ops.quote_name(model._meta.db_table)}"
        if skip_locked:
            suffix += " SKIP LOCKED"
    elif lock and connection.features.has_select_for_update:
        raise ValueError("this database locks rows but cannot say which table's")
    rows = reused_values(
        *ids, shape=shape, build=lambda *ids: build(*ids).values_list(*columns, *annotations), suffix=suffix
    )
    found = []
    for row in rows:
        start, made = 0, {}
        for path, other, names in groups:
            values = row[start : start + len(names)]
            start += len(names)
            if not path:
                made[path] = instance = other.from_db(DEFAULT_DB_ALIAS, names, values)
                continue
            parent_path, _sep, name = path.rpartition("__")
            parent = made[parent_path]
            missing = parent is None or values[names.index(other._meta.pk.attname)] is None
            made[path] = child = None if missing else other.from_db(DEFAULT_DB_ALIAS, names, values)
            if parent is None:
                continue
            field = parent._meta.get_field(name)
            field.set_cached_value(parent, child)  # as select_related caches it (None too)
            if child is not None and field.one_to_one:
                # The other side of a one-to-one, as select_related also caches it.
                (field.field if field.auto_created else field.remote_field).set_cached_value(child, parent)
        for name, value in zip(annotations, row[start:], strict=True):
            setattr(instance, name, value)
        found.append(instance)
    return found


def padded(ids) -> tuple[int, ...]:
    """`ids` (at least one), the last repeated up to the next power of two: a list of ids whose
    length is part of a shape then makes a handful of statements (1, 2, 4... ids), not one per
    length. A repeated id changes nothing an `IN` selects."""
    ids = tuple(ids)
    size = 1 << (len(ids) - 1).bit_length()
    return ids + (ids[-1],) * (size - len(ids))
