"""Discovery without the model: similar resources by stored vectors (made here, unit length) or,
before a resource has one, by the search index; never a resource the viewer may not open; the
resource page's cost constant; the embedding effect recorded on save and idempotent; "for you"
with its reasons; the curriculum coverage map and its gaps."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.models import OutboxEntry
from resources.discovery import effects, embeddings
from resources.discovery.selectors import coverage_map, for_you, similar_resources
from resources.models import Kind, ResourceEmbedding, Status, Tag, Visibility
from tests import factories
from tests.resources.world import build_world, make_resource

pytestmark = pytest.mark.django_db


def _unit(*values) -> np.ndarray:
    vector = np.zeros(embeddings.DIMENSIONS, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def _embed(resource, vector) -> None:
    ResourceEmbedding.objects.update_or_create(
        resource=resource,
        defaults={"vector": embeddings.to_bytes(vector), "text_hash": "x", "model_name": embeddings.MODEL_NAME},
    )


FRACTIONS = [("subject", "Maths"), ("topic", "Fractions"), ("year", "Year 4")]


@pytest.fixture
def world():
    w = build_world()
    w.sheet = make_resource(author=w.author, school=w.home, title="Adding fractions worksheet", tags=FRACTIONS)
    w.twin = make_resource(author=w.author, school=w.home, title="Fractions on a number line", tags=FRACTIONS)
    w.poem = make_resource(author=w.author, school=w.home, title="Poems about the sea", tags=[("subject", "English")])
    # Another school's private draft on the very same topic: its author alone may see it.
    w.secret = make_resource(
        author=w.stranger_teacher,
        school=w.stranger,
        title="Adding fractions worksheet",
        visibility=Visibility.PRIVATE,
        status=Status.DRAFT,
        tags=FRACTIONS,
    )
    return w


def test_similar_by_vectors_puts_the_nearest_first_with_the_shared_tags(world):
    _embed(world.sheet, _unit(1, 0.1))
    _embed(world.twin, _unit(1, 0.2))
    _embed(world.poem, _unit(0, 1))
    _embed(world.secret, _unit(1, 0.1))
    found = similar_resources(user=world.maths_colleague, resource=world.sheet, tags=list(world.sheet.tags.all()))
    assert [s.resource for s in found] == [world.twin, world.poem]
    assert found[0].reason == "Similar topic: shares the tags Fractions, Year 4, Maths"
    assert found[1].reason == "Similar wording"


@pytest.mark.parametrize("vectors", [True, False], ids=["by-vectors", "by-search"])
def test_similar_never_shows_another_schools_private_resource(world, client, vectors):
    if vectors:
        for resource in (world.sheet, world.twin, world.poem, world.secret):
            _embed(resource, _unit(1, 0.1))
    client.force_login(world.maths_colleague)
    response = client.get(reverse("resources:detail", args=[world.sheet.pk]))
    assert response.status_code == 200
    titles = [s.resource.title for s in response.context["similar"]]
    assert "Fractions on a number line" in titles
    assert world.secret.pk not in [s.resource.pk for s in response.context["similar"]]
    assert f'href="/resources/{world.secret.pk}/"' not in response.content.decode()
    # Its author, who may see it, is offered it.
    found = similar_resources(user=world.stranger_teacher, resource=world.sheet, tags=list(world.sheet.tags.all()))
    assert world.secret in [s.resource for s in found]


def test_without_vectors_similar_falls_back_to_the_search_index_and_says_so(world, client):
    client.force_login(world.maths_colleague)
    response = client.get(reverse("resources:detail", args=[world.sheet.pk]))
    similar = response.context["similar"]
    assert similar[0].resource == world.twin
    assert "found by search" in similar[0].reason
    assert "Fractions" in similar[0].reason
    assert "Similar resources" in response.content.decode()


def test_the_resource_page_costs_the_same_with_more_similar_resources(world, client):
    def grow(count):
        for n in range(count):
            resource = make_resource(
                author=world.author, school=world.home, title=f"Fractions pack {n}", tags=FRACTIONS
            )
            _embed(resource, _unit(1, n / 50))

    _embed(world.sheet, _unit(1, 0))
    grow(2)
    client.force_login(world.maths_colleague)
    url = reverse("resources:detail", args=[world.sheet.pk])
    client.get(url)  # the first view counts a new day's row; later ones update it

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    small = queries()
    grow(20)
    client.get(url)  # the process reads the changed vectors once (one query more, once)
    assert queries() == small
    assert len(client.get(url).context["similar"]) == 5


def test_saving_a_resource_records_the_embedding_effect_once_per_text(world):
    key = embeddings.text_hash(embeddings.text_for(world.poem))
    assert OutboxEntry.objects.filter(effect=effects.EMBED, object_id=world.poem.pk, dedupe_key__endswith=key).exists()
    before = OutboxEntry.objects.filter(effect=effects.EMBED).count()
    world.poem.visibility = Visibility.COMMUNITY
    world.poem.save(update_fields=["visibility"])
    world.poem.save()  # the same text again
    assert OutboxEntry.objects.filter(effect=effects.EMBED).count() == before
    world.poem.title = "Poems about rivers"
    world.poem.save()
    assert OutboxEntry.objects.filter(effect=effects.EMBED).count() == before + 1


def test_the_effect_computes_a_vector_once_for_the_same_text(world, monkeypatch):
    calls = []

    def encode(texts):
        calls.append(texts)
        return np.stack([_unit(1, len(text)) for text in texts])

    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(embeddings, "encode", encode)
    assert effects.embedding_refresh(resource_id=world.poem.pk) is True
    assert effects.embedding_refresh(resource_id=world.poem.pk) is False
    assert len(calls) == 1
    stored = ResourceEmbedding.objects.get(resource=world.poem)
    assert stored.text_hash == embeddings.text_hash(embeddings.text_for(world.poem))
    world.poem.description = "Now with a glossary"
    world.poem.save()
    assert effects.embedding_refresh(resource_id=world.poem.pk) is True
    assert len(calls) == 2


def test_without_the_model_the_effect_does_nothing_and_succeeds(world, monkeypatch):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    assert effects.embedding_refresh(resource_id=world.poem.pk) is False
    assert not ResourceEmbedding.objects.filter(resource=world.poem).exists()


def test_for_you_picks_by_a_childs_needs_and_a_teachers_classes_with_the_reason(world, client):
    world.child.send_needs = "Dyslexia, Anxiety"
    world.child.save()
    ruler = make_resource(
        author=world.author,
        school=world.home,
        title="Reading ruler",
        kind=Kind.HOME_STRATEGY,
        published_to_families=True,
        tags=[("need", "Dyslexia")],
    )
    client.force_login(world.parent)
    response = client.get(reverse("resources:for_you"))
    assert response.status_code == 200
    suggestions = response.context["suggestions"]
    assert [s.resource for s in suggestions] == [ruler]
    assert suggestions[0].reason == "For your child's year and needs: Dyslexia"
    classes = factories.ClassGroupFactory(school=world.home, year_group="Year 4")
    classes.staff.add(world.english_colleague)
    found = for_you(user=world.english_colleague)
    # Their classes' year group, and their department's subject.
    assert {s.resource: s.reason for s in found} == {
        world.sheet: "For your classes: Year 4",
        world.twin: "For your classes: Year 4",
        world.poem: "For your classes: English",
    }


def test_the_coverage_map_lists_the_strands_with_no_resource_yet(world, client):
    strands = [("curriculum", "Add fractions"), ("curriculum", "Compare fractions"), ("curriculum", "Tenths")]
    make_resource(author=world.author, school=world.home, title="Adding", tags=[("subject", "Maths"), strands[0]])
    make_resource(
        author=world.partner_teacher,
        school=world.partner,
        title="Comparing",
        visibility=Visibility.COMMUNITY,
        tags=[("subject", "Maths"), strands[1], strands[2]],
    )
    client.force_login(world.maths_colleague)
    maths = Tag.objects.get(kind="subject", name="Maths")
    response = client.get(reverse("resources:coverage"), {"subject": maths.pk})
    assert response.status_code == 200
    found = response.context["map"]
    assert found.subject.name == "Maths"
    assert [(s.tag.name, s.resources) for s in found.statements] == [
        ("Add fractions", 1),
        ("Compare fractions", 0),
        ("Tenths", 0),
    ]
    assert [s.tag.name for s in found.uncovered] == ["Compare fractions", "Tenths"]
    assert "2 of 3 statements have no resource yet." in response.content.decode()
    # The partner school's map: its one resource covers two strands; the third is on a resource
    # its teachers cannot see, so it is not named to them.
    partner = coverage_map(user=world.partner_teacher, school=world.partner, subject_id=found.subject.pk)
    assert [(s.tag.name, s.resources) for s in partner.statements] == [("Compare fractions", 1), ("Tenths", 1)]


@pytest.mark.parametrize("who", ["parent", "nobody", "stranger_teacher"])
def test_the_coverage_map_is_for_staff_of_the_school(world, client, who):
    client.force_login(getattr(world, who))
    params = {"school": world.home.pk} if who == "stranger_teacher" else {}
    assert client.get(reverse("resources:coverage"), params).status_code == 404
