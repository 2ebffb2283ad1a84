"""The SQL compiled once per process is prepared on its connection (hub.db.planned_cursor): the
database plans it once, still answers from current rows, and the statements are counted like any
other query (the pages' query budgets rely on it)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from hub.db import planned_cursor
from messaging.notifications import selectors
from tests import factories

pytestmark = pytest.mark.django_db


def _prepared_badge_counts() -> int:
    with connection.cursor() as cursor:  # Django's own cursor: never prepared itself
        cursor.execute(
            "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%COUNT(*) FROM (SELECT%"]
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_badge_count_is_prepared_once_and_answers_from_current_rows():
    parent = factories.UserFactory()
    factories.NotificationFactory(user=parent)
    assert selectors.unread_count_for(parent) == 1
    assert _prepared_badge_counts() == 1
    factories.NotificationFactory(user=parent)
    factories.NotificationFactory(user=factories.UserFactory())  # someone else's: not counted
    assert selectors.unread_count_for(parent) == 2
    assert _prepared_badge_counts() == 1  # the same statement, not one per call
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%COUNT(*) FROM (SELECT%"],
        )
        generic, custom = cursor.fetchone()
    assert (generic, custom) == (2, 0)  # planned once, not afresh for its first five runs


def test_a_planned_statement_is_counted_like_any_query():
    parent = factories.UserFactory()
    with CaptureQueriesContext(connection) as captured:
        selectors.unread_count_for(parent)
    assert len(captured) == 1
    assert "messaging_notification" in captured[0]["sql"]


def test_a_transaction_rolled_back_after_a_planned_statement_leaves_it_usable():
    parent = factories.UserFactory()
    factories.NotificationFactory(user=parent)

    def failing_request():
        with transaction.atomic():
            assert selectors.unread_count_for(parent) == 1
            factories.NotificationFactory(user=parent)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert selectors.unread_count_for(parent) == 1  # the rolled-back notification is gone
    with planned_cursor() as cursor:
        cursor.execute("SELECT %s + 1", [41])
        assert cursor.fetchone()[0] == 42


@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT compilation is PostgreSQL's")
def test_a_batch_of_access_rules_is_never_jit_compiled():
    # The access rules of a batch of people pass PostgreSQL's JIT cost threshold while running in
    # milliseconds: compiled, releasing 30 people's quiet-hours holds took 24 s instead of 0.4 s.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's statement conversion")
def test_the_badge_counts_long_statement_is_converted_once_not_at_every_count():
    """psycopg remembers converting %s to $n only for short statements unless told otherwise
    (hub.db.remember_long_statements): the badge's count, 19 KB with 191 parameters, was converted
    again at every count. A psycopg upgrade that drops the setting fails here."""
    from psycopg import _queries

    parent = factories.UserFactory()
    factories.NotificationFactory(user=parent)
    with CaptureQueriesContext(connection) as first:
        assert selectors.unread_count_for(parent) == 1
    longest = max(first.captured_queries, key=lambda query: len(query["sql"]))["sql"]
    assert len(longest) > 4096  # longer than psycopg remembers by default
    remembered = _queries._query2pg.cache_info()
    for _ in range(3):
        assert selectors.unread_count_for(parent) == 1
    after = _queries._query2pg.cache_info()
    assert after.misses == remembered.misses  # nothing converted again
    assert after.hits >= remembered.hits + 6  # both statements of each count, from memory
