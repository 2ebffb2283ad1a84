"""SQL the ORM wrote once per process, reused with new ids as parameters.

The access rules (who may see a conversation, which notifications their recipient may still
see) are a dozen subqueries over pupils, classes, memberships and guardianships: about 3 ms of
CPU each to build through the ORM, asked several times per message and once per page for the
badge. Their SQL differs between people and objects only in the ids, so it is compiled once per
process and shape, for stand-in ids, and reused with the real ones as parameters; the database
still answers from current rows on every call.
"""

from collections.abc import Callable

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

_STAND_INS = (-7_345_019_283, -7_345_019_284, -7_345_019_285)  # no row has a negative id
_compiled_sql: dict[tuple, tuple[str, tuple]] = {}


def reused_sql(*ids: int, shape: tuple, build: Callable[..., QuerySet]) -> RawSQL | QuerySet:
    """What `build(*ids)` selects (one column), its SQL compiled once per `shape` (whatever else
    decides how `build` writes it) and reused with `ids` as parameters."""
    stand_ins = _STAND_INS[: len(ids)]
    compiled = _compiled_sql.get(shape)
    if compiled is None:
        sql, params = build(*stand_ins).query.sql_with_params()
        if any(stand_in not in params and str(stand_in) in sql for stand_in in stand_ins):
            return build(*ids)  # an id was written into the SQL itself: do not cache what we cannot fill
        compiled = _compiled_sql[shape] = (sql, tuple(params))
    sql, params = compiled
    real = dict(zip(stand_ins, ids, strict=True))
    filled = tuple(real.get(param, param) if type(param) is int else param for param in params)
    # The ORM wrote this SQL; the ids go in as parameters like every other value.
    return RawSQL(sql, filled)  # noqa: S611
