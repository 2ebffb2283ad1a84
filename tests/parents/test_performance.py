"""The dashboard and child pages cost the same number of queries for a family of one child with 60
days of records and a family of four with 600: figures are summed in the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.parents.family import seed_family

# Session and user, the menu's one question (roles and guardianship), the unread badge, whether
# the user is a guardian, the family with each child's latest award and celebration, minutes per
# child and day, open alerts per child, unread messages per child, goals due, engagement alerts,
# today's awards, celebrations and goals, the mood history, the children whose progress is not shared.
HOME_BUDGET = 18
# My children: the same cards without the banner, highlights, mood and summary.
CHILDREN_BUDGET = 12
# Session and user, the menu and badge, the child, the family for the selector, and the tab's own
# reads (the radar is one query, the timeline one, each list one).
CHILD_BUDGET = 11
# The goals tab: the child page, then the library's ideas to try at home (resources.discovery.
# strategies): the active goals read through progress' policies, whether the reader sees the
# child's needs, the need tags and the strategies for them, the stored vectors' stamp, the goal
# search, and the chosen strategies with their tags.
GOALS_BUDGET = CHILD_BUDGET + 6
# The insights tab: the child page, then progress.insights' selectors (alerts, patterns, tips,
# plans, the narrative (a stored summary, or its facts)) with their consent checks, each a fixed
# number of queries.
INSIGHTS_BUDGET = 23

PAGES = [
    ("parents:home", False, HOME_BUDGET),
    ("parents:children", False, CHILDREN_BUDGET),
    ("parents:child", True, CHILD_BUDGET),
    ("parents:child_activity", True, CHILD_BUDGET),
    ("parents:child_achievements", True, CHILD_BUDGET),
    ("parents:child_goals", True, GOALS_BUDGET),
    ("parents:child_insights", True, INSIGHTS_BUDGET),
]


@pytest.fixture
def families(db):
    small = seed_family(children=1, days=60, label="small")
    large = seed_family(children=4, days=600, label="large")
    return small, large


def count(client, family, name, with_child):
    client.force_login(family.guardian)
    url = reverse(name, args=[family.children[-1].pk]) if with_child else reverse(name)
    client.get(url)  # warm: content types, the session's chosen child
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize(("name", "with_child", "budget"), PAGES)
def test_query_count_is_the_same_for_1_child_60_days_and_4_children_600_days(
    client, families, name, with_child, budget
):
    small, large = families
    small_count, _body = count(client, small, name, with_child)
    large_count, body = count(client, large, name, with_child)
    assert small_count == large_count, f"{name}: {small_count} queries for one child, {large_count} for four"
    assert large_count <= budget, f"{name}: {large_count} queries"
    for child in large.children:
        assert child.known_as in body
