"""How the database connection pool checks a connection before handing it out.

Imported by the settings (the pool's `check`), so it imports nothing of Django's.
"""

import select


def check_pooled_connection(conn) -> None:
    """The pool's check of a connection before it hands it out (psycopg_pool's `check`): raises
    when the connection cannot be used, and the pool then opens another.

    psycopg_pool's own check (`ConnectionPool.check_connection`, what Django's
    CONN_HEALTH_CHECKS installs) sends an empty statement and waits for the answer: a round trip
    to PostgreSQL on every request and every event from an open page, as connections go back to
    the pool after each (CONN_MAX_AGE 0). That trip is only needed when something happened to
    the connection while it sat in the pool, and whatever happens to it (a restart, a failover,
    pg_terminate_backend, an idle timeout) makes PostgreSQL write to it or close it: its socket
    then has something to read, which an idle connection never has. So the round trip is made
    only then, or when the connection already knows it is closed or broken."""
    from psycopg import OperationalError
    from psycopg_pool import ConnectionPool

    if conn.closed or conn.broken:
        raise OperationalError("the connection is closed")
    if _has_news(conn.fileno()):
        ConnectionPool.check_connection(conn)


def _has_news(fd: int) -> bool:
    """Whether the socket `fd` can be read now (data, or the other end closed it), without
    waiting. poll, not select: a server holding hundreds of open pages' sockets hands out
    descriptors past select's limit of 1024."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))  # POLLHUP and POLLERR are reported whatever was asked
