"""The database session store, its look-up written once per process.

Every request reads its session (SessionMiddleware, when the page first touches it), and every
event from an open page reads it again (messaging's consumer checks that the session still signs
its person in before it acts). Django's store builds that look-up through the ORM each time:
0.6-0.7 ms of CPU for a one-row read by primary key, about as much as the row itself costs the
database. Here the same statement is written once and sent as it is, with the session key and
the time as parameters; PostgreSQL plans it once per connection (`hub.db.planned_cursor`).
Everything else (saving, creating, expiring, the signing of the data) is Django's own.
"""

from functools import cache

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from hub.db import planned_cursor


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """What Django's store reads (the session `session_key` if it has not expired, else None,
        and then no key), in one statement written once per process."""
        using = router.db_for_read(self.model)
        connection = connections[using]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with planned_cursor(connection) as cursor:
            cursor.execute(_select(self.model, connection.alias), (self.session_key, now))
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])


@cache
def _select(model, alias: str) -> str:
    """The session's data if it has not expired: Django's own filter (`session_key` and
    `expire_date__gt`), its column and table names quoted by the database's own rules."""
    quote = connections[alias].ops.quote_name
    meta = model._meta
    data, key, expires = (meta.get_field(name).column for name in ("session_data", "session_key", "expire_date"))
    return (
        f"SELECT {quote(data)} FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model, values are parameters
        f"WHERE {quote(key)} = %s AND {quote(expires)} > %s"
    )
