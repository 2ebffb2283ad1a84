"""The connection pool hands out working connections (hub/pool.py, hub/postgresql): after
PostgreSQL ended them while they sat in the pool (a restart, a failover, an administrator), the
next page still opens; and a healthy connection is handed out without a round trip first."""

import time

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")


def outside_the_pool() -> psycopg.Connection:
    """A connection of our own to the test database, as an administrator's."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        autocommit=True,
    )


def end_every_connection_but_this_one() -> int:
    """What a database restart does to the pool: every other backend of this database ended, from a
    connection outside the pool. Returns how many were ended, once they are gone."""
    with outside_the_pool() as admin:
        ended = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
        for _wait in range(50):
            others = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if not others:
                break
            time.sleep(0.1)
    return ended


@pytest.mark.django_db(transaction=True)
def test_pages_open_after_postgresql_ended_the_pools_connections():
    parent = factories.UserFactory()
    client = Client()
    client.force_login(parent)
    assert client.get(reverse("home")).status_code == 200
    connection.close()  # back to the pool, like the request's

    assert end_every_connection_but_this_one() >= 1
    for _page in range(3):  # as many as the pool may hold ended
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert response.wsgi_request.user == parent


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_comes_back_from_the_pool_without_a_round_trip():
    """PostgreSQL shows each backend's last statement: a connection handed out again by the pool
    still shows the last one it ran before it went back, not a check's empty statement."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement before the pool'")
    connection.close()  # back to the pool
    with outside_the_pool() as admin:
        last_before = dict(
            admin.execute(
                "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        )
        connection.ensure_connection()  # handed out again, checked
        backend = connection.connection.info.backend_pid
        (last,) = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (backend,)).fetchone()
    assert backend in last_before  # one the pool held
    assert last == last_before[backend] != ""


def test_a_socket_numbered_past_selects_limit_is_checked_too():
    """A server holding hundreds of open pages' sockets hands the database descriptors past 1024."""
    import os
    import resource
    import socket

    from hub.pool import _has_news

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft <= 1500:
        if hard != resource.RLIM_INFINITY and hard <= 1500:
            pytest.skip("this process may not open a descriptor numbered 1500")
        resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
    left, right = socket.socketpair()
    try:
        high = os.dup2(left.fileno(), 1500)
        try:
            assert not _has_news(high)
            right.sendall(b"!")
            assert _has_news(high)
        finally:
            os.close(high)
    finally:
        left.close()
        right.close()
