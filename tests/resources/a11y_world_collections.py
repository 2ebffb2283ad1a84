"""Featured collections in the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
a collection for the school's families, curated by the SENDCO, with a home strategy published to
families and a worksheet for staff (the editor's page warns that the families cannot open it)."""

from resources import services as resource_services
from resources.collections import services
from resources.models import Audience, Kind, Visibility


def candidates(world) -> dict:
    strategy = resource_services.resource_create(
        author=world.teacher,
        school=world.school,
        title="Reading together at bedtime",
        kind=Kind.HOME_STRATEGY,
        description="Ten minutes a night.",
        body="<p>Take turns to read a page each.</p>",
    )
    resource_services.resource_share(
        user=world.teacher, resource=strategy, visibility=Visibility.SCHOOL, published_to_families=True
    )
    worksheet = resource_services.resource_create(
        author=world.teacher, school=world.school, title="Phonics check sheet", kind=Kind.WORKSHEET
    )
    resource_services.resource_share(
        user=world.teacher, resource=worksheet, visibility=Visibility.SCHOOL, published_to_families=False
    )
    collection = services.collection_create(
        user=world.sendco,
        school=world.school,
        audience=Audience.FAMILIES,
        title="Reading at home",
        introduction="Our favourite ways to read together.",
    )
    first = services.collection_item_add(user=world.sendco, collection=collection, resource=strategy)
    services.collection_item_add(user=world.sendco, collection=collection, resource=worksheet)
    return {"collection_id": [collection.pk], "item_id": [first.pk]}
