"""Search ranks what people look for first, on PostgreSQL full-text search: a library of 200
resources (made once for the module) where the words of each query also appear, less
prominently, in many other resources; title outweighs tags, tags outweigh the text."""

import pytest
from django.db import connection, transaction

from resources.models import Kind, Visibility
from resources.selectors import library_page
from tests.conftest import require
from tests.resources.world import build_world, make_resource

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SUBJECTS = ["Maths", "English", "Science", "History", "Geography", "Art", "Music", "Computing"]
FILLER = [
    "practice sheet with answers for the class",
    "a short guide to revising at home, including fractions and number work",
    "photosynthesis and plants appear in the starter quiz",
    "reading together every evening helps children with dyslexia and others",
    "times tables are practised in the warm-up",
    "a calm start to the lesson eases anxiety, then group work at home or school",
    "insha ya Kiswahili na msamiati",
    "bar models and the number line used again",
]

# The resources each query must find first, among the filler that shares its words.
TARGETS = [
    ("Fractions on a number line", Kind.WORKSHEET, [("subject", "Maths")], "Place fractions between 0 and 1."),
    ("Photosynthesis explained", Kind.GUIDE, [("subject", "Science")], "How leaves make food from light."),
    ("Reading ruler strategy", Kind.HOME_STRATEGY, [("need", "Dyslexia")], "A coloured ruler under the line."),
    ("Calm-down corner at home", Kind.HOME_STRATEGY, [("need", "Anxiety")], "A quiet space with soft things."),
    ("Times tables grid", Kind.WORKSHEET, [("subject", "Maths"), ("year", "Year 4")], "All tables to 12."),
    ("Kuandika insha: mwongozo", Kind.GUIDE, [("subject", "Kiswahili"), ("year", "Grade 6")], "Hatua za insha."),
]

QUERIES = [
    ("fractions number line", "Fractions on a number line"),
    ("photosynthesis", "Photosynthesis explained"),
    ("dyslexia", "Reading ruler strategy"),
    ("calming anxiety at home", "Calm-down corner at home"),
    ("times tables", "Times tables grid"),
    ("insha", "Kuandika insha: mwongozo"),
]


@pytest.fixture(scope="module")
def library(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        for n in range(200 - len(TARGETS)):
            make_resource(
                author=world.author,
                school=world.home,
                title=f"{SUBJECTS[n % len(SUBJECTS)]} pack {n}",
                description=FILLER[n % len(FILLER)],
                body=f"<p>{FILLER[(n + 3) % len(FILLER)]}</p><p>{FILLER[(n + 5) % len(FILLER)]}</p>",
                visibility=Visibility.COMMUNITY,
                tags=[("subject", SUBJECTS[n % len(SUBJECTS)])],
            )
        for title, kind, tags, body in TARGETS:
            make_resource(
                author=world.author,
                school=world.home,
                title=title,
                kind=kind,
                body=f"<p>{body}</p>",
                visibility=Visibility.COMMUNITY,
                tags=tags,
            )
        yield world
        transaction.set_rollback(True)


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_the_expected_resource_comes_first(library, query, expected):
    require(connection.vendor == "postgresql", "full-text search needs PostgreSQL (set DATABASE_URL)")
    listing = library_page(user=library.partner_teacher, query=query)
    # Many resources match: the order, not the filter, puts the expected one first.
    assert listing.page.paginator.count > 10
    assert listing.page.object_list[0].title == expected


def test_the_library_holds_two_hundred_resources(library):
    assert library_page(user=library.partner_teacher).page.paginator.count == 200
