"""Similar resources with the real embedding model (all-MiniLM-L6-v2 from its package, loaded
once per process): in a library of 30 resources on mixed topics, a worksheet on fractions finds
the other fractions resources before anything else."""

import pytest
from django.db import transaction

from resources.discovery import effects, embeddings
from resources.discovery.selectors import similar_resources
from resources.models import Kind, ResourceEmbedding, Visibility
from tests.conftest import require
from tests.resources.world import build_world, make_resource

pytestmark = pytest.mark.django_db

FRACTIONS = [
    ("Adding fractions with the same denominator", "Add 1/4 and 2/4: worked examples and practice."),
    ("Equivalent fractions wall", "Show that 1/2, 2/4 and 4/8 are the same amount."),
    ("Fractions of a pizza", "Cut shapes into halves, thirds and quarters and name each part."),
    ("Comparing fractions on a number line", "Which is bigger, 3/5 or 2/3? Place them on the line."),
]
OTHERS = [
    ("Phonics: the sounds of the alphabet", "Practise each letter's sound with pictures."),
    ("Photosynthesis explained", "How leaves use sunlight, water and carbon dioxide to make food."),
    ("The water cycle", "Evaporation, condensation and rain, with a diagram to label."),
    ("Romans in Britain", "Roads, forts and Hadrian's Wall."),
    ("World War Two evacuees", "Letters home from children sent to the countryside."),
    ("Calm-down corner at home", "A quiet space for a child who feels anxious."),
    ("Bedtime reading routine", "Read together for ten minutes every evening."),
    ("Persuasive letter writing", "Write to the council about a new playground."),
    ("Rivers of the world", "The Nile, the Amazon and the Thames compared."),
    ("Healthy eating plate", "Sort foods into groups for a balanced meal."),
    ("Forces: push and pull", "Magnets, friction and gravity investigations."),
    ("Singing in rounds", "Frère Jacques in three parts."),
    ("Drawing with charcoal", "Light and shade in still life."),
    ("Coding a maze game", "Loops and conditions in block code."),
    ("Kiswahili greetings", "Habari, nzuri, asante: greetings for every time of day."),
    ("Spelling the Year 3 word list", "Learn ten words a week with look, cover, write, check."),
    ("The life cycle of a butterfly", "Egg, caterpillar, chrysalis, butterfly."),
    ("Telling the time", "O'clock, half past and quarter to on an analogue clock."),
    ("Using a dictionary", "Alphabetical order and guide words."),
    ("Planets of the solar system", "From Mercury to Neptune, with sizes."),
    ("Team games in PE", "Rules for rounders and tag rugby."),
    ("Sign language alphabet", "Fingerspelling your name in BSL."),
    ("Volcanoes and earthquakes", "Plates of the Earth's crust and what happens where they meet."),
    ("Kind words: a friendship guide", "Sharing, taking turns and saying sorry."),
    ("Bar charts from a class survey", "Collect favourite colours and draw the chart."),
    ("Handwriting: joining letters", "Practice lines for joined-up writing."),
]


@pytest.fixture(scope="module")
def library(django_db_setup, django_db_blocker):
    require(embeddings.available(), "the embedding extra is not installed (requirements-embeddings.lock)")
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        kinds = [Kind.WORKSHEET, Kind.GUIDE, Kind.LESSON_PLAN, Kind.HOME_STRATEGY]
        world.fractions = [
            make_resource(
                author=world.author,
                school=world.home,
                title=title,
                description=description,
                kind=kinds[n % len(kinds)],
                visibility=Visibility.COMMUNITY,
            )
            for n, (title, description) in enumerate(FRACTIONS)
        ]
        for n, (title, description) in enumerate(OTHERS):
            make_resource(
                author=world.author,
                school=world.home,
                title=title,
                description=description,
                kind=kinds[n % len(kinds)],
                visibility=Visibility.COMMUNITY,
            )
        world.computed = effects.embeddings_backfill(world.author.resources.all())
        yield world
        transaction.set_rollback(True)


def test_a_fractions_worksheet_finds_the_other_fractions_resources_first(library):
    assert library.computed == 30
    sheet = library.fractions[0]
    found = similar_resources(user=library.partner_teacher, resource=sheet, tags=[])
    assert len(found) == 5
    assert {s.resource for s in found[:3]} == set(library.fractions[1:])
    assert all(s.reason == "Similar wording" for s in found)


def test_the_effect_is_idempotent_with_the_real_model(library):
    sheet = library.fractions[0]
    before = ResourceEmbedding.objects.get(resource=sheet)
    assert effects.embedding_refresh(resource_id=sheet.pk) is False
    assert effects.embeddings_backfill([sheet]) == 0
    assert ResourceEmbedding.objects.get(resource=sheet).vector == before.vector


def test_a_new_resource_gets_its_vector_from_the_outbox_entry_recorded_on_save(library):
    from hub import outbox
    from hub.models import OutboxEntry

    new = make_resource(
        author=library.author,
        school=library.home,
        title="Finding a quarter of an amount",
        description="A quarter of 12 sweets: share into four equal groups.",
        visibility=Visibility.COMMUNITY,
    )
    entry = OutboxEntry.objects.get(effect=effects.EMBED, object_id=new.pk)
    outbox.run(entry.pk)
    assert ResourceEmbedding.objects.filter(resource=new).exists()
    found = similar_resources(user=library.partner_teacher, resource=new, tags=[])
    assert found[0].resource in library.fractions
