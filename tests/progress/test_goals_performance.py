"""The goal list, goal page, celebrations and portfolio cost a bounded number of queries, the same
with a little data and with ten times as much."""

import pytest

from progress.goals import services
from progress.goals.milestones import recognise_milestones
from tests.progress import goals_world
from tests.progress.factories_goals import CelebrationFactory, GoalFactory, GoalUpdateFactory, award

sign_in = goals_world.sign_in
world = goals_world.world

BUDGET = 30


def fill(world, size):
    goals = [GoalFactory(pupil=world.child, created_by=world.parent) for _ in range(size)]
    for goal in goals:
        for number in range(size):
            GoalUpdateFactory(goal=goal, author=world.teacher if number % 2 else world.parent, progress=number * 5)
            services.pupil_voice_add(writer=world.parent, pupil=world.child, goal=goal, text=f"Voice {number}")
    for number in range(size):
        services.portfolio_item_add(
            author=world.teacher if number % 2 else world.parent,
            pupil=world.child,
            kind="work",
            title=f"Item {number}",
            visibility="class",
        )
        CelebrationFactory(milestone__pupil=world.child, milestone__kind="streak", milestone__details={"days": 5})
    award(world.child)
    recognise_milestones(world.child)
    return goals[0]


@pytest.mark.parametrize("who", ["parent", "teacher"])
def test_pages_cost_the_same_at_two_sizes(world, client, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def measure():
        goal = world.child.goals.order_by("pk").first()
        sign_in(client, getattr(world, who))
        urls = [
            f"/progress/pupils/{world.child.pk}/goals/",
            f"/progress/goals/{goal.pk}/",
            f"/progress/pupils/{world.child.pk}/celebrations/",
            f"/progress/pupils/{world.child.pk}/portfolio/",
        ]
        if who == "teacher":
            urls.append("/progress/portfolio/to-approve/")
        found = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found[url] = len(queries)
        return found

    fill(world, 2)
    # Once first, as a running server would have: the per-process caches (the library's stored
    # vectors, read again only when they change) are then warm for both sizes, whatever ran before.
    measure()
    small = measure()
    fill(world, 10)
    large = measure()
    assert small == large
    assert max(large.values()) <= BUDGET, large


def test_the_pupil_s_own_view_costs_the_same_at_two_sizes(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pupil_user = world.pupil_user()

    def measure():
        goal = world.child.goals.order_by("pk").first()
        client.force_login(pupil_user)
        found = {}
        for url in ("/progress/me/", f"/progress/me/goals/{goal.pk}/", "/progress/me/portfolio/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found[url] = len(queries)
        return found

    fill(world, 2)
    # Once first, as a running server would have: the per-process caches (the library's stored
    # vectors, read again only when they change) are then warm for both sizes, whatever ran before.
    measure()
    small = measure()
    fill(world, 10)
    assert measure() == small
    assert max(small.values()) <= BUDGET


def test_the_start_page_costs_the_same_for_a_small_and_a_large_class(world, client):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    def measure(user):
        # A client of their own: switching people on one client adds the sign-out's own queries.
        own = Client()
        sign_in(own, user)
        with CaptureQueriesContext(connection) as queries:
            assert own.get("/progress/goals/").status_code == 200
        return len(queries)

    small = {who: measure(getattr(world, who)) for who in ("parent", "teacher", "sendco")}
    for number in range(15):
        pupil = factories.PupilFactory(school=world.school, first_name=f"Extra{number}")
        world.own_class.pupils.add(pupil)
        factories.ClassGroupFactory(school=world.school).pupils.add(pupil)
    assert {who: measure(getattr(world, who)) for who in ("parent", "teacher", "sendco")} == small
    assert max(small.values()) <= BUDGET
