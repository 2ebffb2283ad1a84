"""Django's PostgreSQL backend, but for how its connection pool checks a connection before
handing it out: `hub.pool.check_pooled_connection` asks PostgreSQL only when something happened
to the connection while it sat in the pool, where psycopg_pool's own check (what Django installs
for CONN_HEALTH_CHECKS) asks every time, a round trip on every request and every event from an
open page (`bench/profile_send.py --no-read`: 7 % of a form post's CPU and wall time)."""

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

from hub.pool import check_pooled_connection


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        # psycopg_pool takes its check when the pool is made, and Django makes the pool with its
        # own: ours takes its place on the pool Django made (tests/hub/test_pool.py fails if a
        # psycopg_pool release keeps the check elsewhere). Without CONN_HEALTH_CHECKS, none.
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = check_pooled_connection
        return pool
