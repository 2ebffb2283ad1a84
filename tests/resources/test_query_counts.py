"""The library, search and resource pages make the same number of queries whatever the size of
the library (resources, tags, versions, reviews, copies)."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources import services
from resources.models import ResourceVersion, Visibility
from tests import factories
from tests.resources.world import build_world, make_resource

pytestmark = pytest.mark.django_db


def _grow(world, count: int) -> None:
    for n in range(count):
        resource = make_resource(
            author=world.author,
            school=world.home if n % 2 else world.stranger,
            title=f"Fractions sheet {world.size + n}",
            visibility=Visibility.COMMUNITY,
            tags=[("subject", "Maths"), ("topic", f"Topic {n % 5}")],
        )
        ResourceVersion.objects.create(
            resource=resource,
            number=1,
            file=ContentFile(b"%PDF-1.4", name="f.pdf"),
            original_name="f.pdf",
            content_type="application/pdf",
            size=8,
            created_by=world.author,
        )
    world.size += count


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "params", [{}, {"q": "fractions"}, {"q": "fractions", "sort": "rating", "tag": "1"}], ids=["list", "search", "tags"]
)
def test_library_and_search_pages_cost_the_same_at_two_sizes(client, params):
    world = build_world()
    world.size = 0
    _grow(world, 3)
    client.force_login(world.maths_colleague)
    url = reverse("resources:library")
    small = _queries(client, url, params)
    _grow(world, 30)
    assert _queries(client, url, params) == small


def test_the_resource_page_costs_the_same_with_more_versions_reviews_and_copies(client):
    world = build_world()
    resource = make_resource(
        author=world.author,
        school=world.home,
        title="Fractions wall",
        visibility=Visibility.COMMUNITY,
        tags=[("subject", "Maths")],
    )

    def add(n):
        for _ in range(n):
            reviewer = factories.UserFactory()
            factories.MembershipFactory(user=reviewer, school=world.partner)
            services.review_save(user=reviewer, resource=resource, stars=4)
            services.resource_copy(user=reviewer, resource=resource, school=world.partner)
            ResourceVersion.objects.create(
                resource=resource,
                number=resource.versions.count() + 1,
                file=ContentFile(b"%PDF-1.4", name="f.pdf"),
                original_name="f.pdf",
                content_type="application/pdf",
                size=8,
                created_by=world.author,
                change_note="More",
            )

    add(1)
    client.force_login(world.maths_colleague)
    url = reverse("resources:detail", args=[resource.pk])
    client.get(url)  # the day's first view creates its counter; later ones add to it
    small = _queries(client, url)
    add(6)
    assert _queries(client, url) == small
