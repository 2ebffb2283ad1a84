"""A child's page recommends home strategies for their needs and goals, each with its reason:
only strategies published to families at the child's school (or shared with everyone), decided
by the library's rules at read; none from another school, none unpublished; no need-based reason
for a family member whose scope leaves out progress. The goals page's query count at two sizes,
and goals matched by meaning with the real embedding model."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import GuardianScope
from hub.models import OutboxEntry
from progress.models import Goal, GoalStatus
from resources import services
from resources.discovery import effects, embeddings
from resources.discovery.strategies import GoalText, strategies_for_child
from resources.models import Kind, Status, TagKind, TextEmbedding, Visibility
from tests import factories
from tests.conftest import force_verified_login, require
from tests.parents.test_performance import GOALS_BUDGET
from tests.resources.world import build_world, make_resource

pytestmark = pytest.mark.django_db

N = TagKind.NEED
GOAL = "Read 10 minutes every night"


def _strategy(world, title, *, school=None, author=None, tags=(), **fields):
    fields.setdefault("published_to_families", True)
    return make_resource(
        author=author or world.author,
        school=school or world.home,
        title=title,
        kind=fields.pop("kind", Kind.HOME_STRATEGY),
        tags=tags,
        **fields,
    )


@pytest.fixture
def world():
    w = build_world()
    w.child.send_needs = "Reading fluency; anxiety"
    w.child.save(update_fields=["send_needs"])
    w.fluency = _strategy(
        w, "Echo reading", description="You read a sentence, they read it back.", tags=[(N, "Reading fluency")]
    )
    w.calm = _strategy(w, "Calm-down corner", description="A quiet place for big feelings.", tags=[(N, "Anxiety")])
    w.bedtime = _strategy(w, "Bedtime story routine", description="Read a story together every night before sleep.")
    # Near misses: each would match, but may not be recommended.
    w.draft = _strategy(w, "Draft fluency game", status=Status.DRAFT, tags=[(N, "Reading fluency")])
    w.staff_only = _strategy(w, "Fluency notes for staff", published_to_families=False, tags=[(N, "Reading fluency")])
    w.worksheet = _strategy(w, "Fluency worksheet", kind=Kind.WORKSHEET, tags=[(N, "Reading fluency")])
    w.elsewhere = _strategy(
        w, "Faraway fluency ladder", school=w.stranger, author=w.stranger_teacher, tags=[(N, "Reading fluency")]
    )
    w.elsewhere_community = _strategy(
        w,
        "Faraway anxiety jar",
        school=w.stranger,
        author=w.stranger_teacher,
        visibility=Visibility.COMMUNITY,
        tags=[(N, "Anxiety")],
    )
    w.goal = Goal.objects.create(pupil=w.child, title=GOAL, category="academic", created_by=w.author)
    return w


def _reasons(suggestions) -> dict[str, str]:
    return {suggestion.resource.title: suggestion.reason for suggestion in suggestions}


def test_strategies_for_the_childs_needs_and_goals_each_with_its_reason(world):
    found = _reasons(strategies_for_child(user=world.parent, pupil=world.child, goals=[GoalText(GOAL)]))
    assert found == {
        "Echo reading": "Helps with reading fluency, one of Kit's needs",
        "Bedtime story routine": f"Fits the goal ‘{GOAL}’",
        "Calm-down corner": "Helps with anxiety, one of Kit's needs",
    }


def test_at_most_three_and_neither_needs_nor_goals_crowd_the_other_out(world):
    for n in range(4):
        _strategy(world, f"Fluency game {n}", tags=[(N, "Reading fluency"), (N, "Anxiety")])
    found = strategies_for_child(user=world.parent, pupil=world.child, goals=[GoalText(GOAL)])
    assert len(found) == 3
    assert any(suggestion.reason.startswith("Fits the goal") for suggestion in found)


def test_none_from_another_school_none_unpublished_none_for_staff_only(world):
    shown = {
        s.resource for s in strategies_for_child(user=world.parent, pupil=world.child, goals=[GoalText(GOAL)], limit=20)
    }
    assert shown == {world.fluency, world.calm, world.bedtime}
    # The far school's family sees none of the home school's strategies, whatever their needs.
    world.far_child.send_needs = "Reading fluency"
    world.far_child.save(update_fields=["send_needs"])
    far = strategies_for_child(user=world.far_parent, pupil=world.far_child, goals=[GoalText(GOAL)], limit=20)
    assert {s.resource for s in far} == {world.elsewhere}


def test_a_strategy_shared_with_everyone_is_recommended_anywhere(world):
    public = _strategy(
        world,
        "Open anxiety guide",
        school=world.stranger,
        author=world.stranger_teacher,
        visibility=Visibility.PUBLIC,
        tags=[(N, "Anxiety")],
    )
    shown = {s.resource for s in strategies_for_child(user=world.parent, pupil=world.child, limit=20)}
    assert public in shown
    assert world.elsewhere_community not in shown  # the community tier is for staff, not families elsewhere


def test_a_strategy_made_private_is_no_longer_recommended(world):
    services.resource_share(
        user=world.author, resource=world.fluency, visibility=Visibility.PRIVATE, published_to_families=False
    )
    shown = {s.resource for s in strategies_for_child(user=world.parent, pupil=world.child, limit=20)}
    assert world.fluency not in shown
    assert world.calm in shown


def test_a_family_member_without_progress_in_their_scope_gets_no_need_based_reasons(world):
    carer = factories.UserFactory()
    link = factories.GuardianshipFactory(guardian=carer, pupil=world.child)
    GuardianScope.objects.create(guardianship=link, progress=False)
    found = strategies_for_child(user=carer, pupil=world.child, limit=20)
    assert found == []
    # Through the page, their goals are not read either.
    from parents.selectors.child import strategies_for

    assert strategies_for(user=carer, child=world.child) == []
    scope = link.scope
    scope.progress = True
    scope.save(update_fields=["progress"])
    assert (
        "Helps with reading fluency, one of Kit's needs"
        in _reasons(strategies_for(user=carer, child=world.child)).values()
    )


def test_staff_who_support_the_child_see_the_same_reasons(world):
    sendco = factories.UserFactory()
    factories.MembershipFactory(user=sendco, school=world.home, role="sendco")
    found = _reasons(strategies_for_child(user=sendco, pupil=world.child, goals=[GoalText(GOAL)]))
    assert found["Echo reading"] == "Helps with reading fluency, one of Kit's needs"
    # A teacher elsewhere does not see the child's needs.
    assert strategies_for_child(user=world.stranger_teacher, pupil=world.child) == []


def test_needs_match_whole_words_either_way(world):
    from resources.discovery.strategies import _mentions

    assert _mentions("Autism; sensory processing", "Autism")
    assert _mentions("ADHD", "ADHD")
    assert _mentions("Social, emotional and mental health", "Social, emotional and mental health")
    assert _mentions("anxiety", "Anxiety")
    assert not _mentions("Dyslexia", "EAL")
    assert _mentions("Reading", "Reading fluency")  # a recorded need inside a tag's name counts


def test_the_goals_page_shows_the_recommendations(client, world):
    Goal.objects.create(
        pupil=world.child,
        title="Tidy the bedroom",
        category="health",
        created_by=world.author,
        status=GoalStatus.PAUSED,
    )
    client.force_login(world.parent)
    body = client.get(reverse("parents:child_goals", args=[world.child.pk])).content.decode()
    assert "Ideas to try at home" in body
    assert "Helps with reading fluency, one of Kit&#x27;s needs" in body
    assert "Fits the goal ‘Read 10 minutes every night’" in body
    assert "Faraway" not in body
    assert reverse("resources:detail", args=[world.fluency.pk]) in body


def test_the_goals_page_costs_the_same_at_two_sizes(client, world):
    client.force_login(world.parent)
    url = reverse("parents:child_goals", args=[world.child.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    small = count()
    for n in range(25):
        _strategy(
            world, f"Reading game {n}", description="Read every night.", tags=[(N, "Reading fluency"), (N, f"Need {n}")]
        )
        _strategy(
            world, f"Elsewhere game {n}", school=world.stranger, author=world.stranger_teacher, tags=[(N, "Anxiety")]
        )
    for n in range(4):
        Goal.objects.create(
            pupil=world.child, title=f"Practise spelling {n}", category="academic", created_by=world.author
        )
    assert count() == small
    assert small <= GOALS_BUDGET


@pytest.fixture
def with_vectors(world):
    require(embeddings.available(), "the embedding extra is not installed (requirements-embeddings.lock)")
    world.homework = _strategy(world, "Times tables on the stairs", description="Chant a times table on each step.")
    world.computed = effects.embeddings_backfill(world.author.resources.all())
    return world


def test_goals_match_strategies_by_meaning_with_the_model(with_vectors):
    world = with_vectors
    assert world.computed >= 4
    world.child.send_needs = ""
    world.child.save(update_fields=["send_needs"])
    goal = GoalText("Stay calm when she feels worried", "Uses a quiet space to settle her feelings.")
    # The first page asks the worker for the goal's vector (the page never runs the model) and
    # matches by words meanwhile.
    by_words = strategies_for_child(user=world.parent, pupil=world.child, goals=[goal])
    entry = OutboxEntry.objects.get(effect=effects.TEXT_EMBED)
    assert entry.payload == {"text": goal.text}
    assert not TextEmbedding.objects.exists()
    effects.text_embedding_run(entry)
    assert TextEmbedding.objects.count() == 1
    effects.text_embedding_run(entry)  # again: nothing to compute
    assert TextEmbedding.objects.count() == 1
    found = strategies_for_child(user=world.parent, pupil=world.child, goals=[goal])
    assert found
    assert found[0].resource == world.calm
    assert found[0].reason == "Fits the goal ‘Stay calm when she feels worried’"
    assert world.homework not in {s.resource for s in found}
    assert {s.resource for s in by_words} <= {world.calm, world.fluency, world.bedtime}


def test_the_sendco_sees_the_ideas_on_the_pupils_goals_page_and_a_teacher_elsewhere_gets_404(client, world):
    """progress' goals page composes the library's section through the app hook (progress may
    not import the library), decided for the reader."""
    sendco = factories.UserFactory()
    factories.MembershipFactory(user=sendco, school=world.home, role="sendco")
    force_verified_login(client, sendco)  # SENDCOs enrol a second factor
    page = reverse("progress:goals", args=[world.child.pk])
    body = client.get(page).content.decode()
    assert "Ideas to try at home" in body
    assert "Helps with reading fluency, one of Kit&#x27;s needs" in body
    assert "Fits the goal ‘Read 10 minutes every night’" in body
    assert "Faraway" not in body
    assert "Draft fluency game" not in body
    client.force_login(world.stranger_teacher)
    assert client.get(page).status_code == 404
