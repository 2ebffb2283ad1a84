"""Featured collections for the resolver walk (tests/test_authorization.py): the far school's
collections for its staff and for its families, each holding the far school's strategy, which
nobody at the first school (or in the first family) may see; and, at the first school, a
collection for its staff that holds a far-school resource among its items, which its readers and
editors see without that item's name (it is in the list of ids to try, so its pages are walked)."""

from resources.collections import services
from resources.models import Audience, Collection, CollectionItem, Kind, Resource, Status, Visibility

PARAMETER_MODELS: dict = {"collection_id": Collection, "item_id": CollectionItem}


def forbidden_rows(world) -> dict:
    far_leader = world.far_teacher  # curated straight into the table: the far school has no leader
    far_strategy = Resource.objects.create(
        author=world.far_teacher,
        school=world.other_school,
        title="Farschool collection strategy",
        kind=Kind.HOME_STRATEGY,
        visibility=Visibility.SCHOOL,
        status=Status.PUBLISHED,
        published_to_families=True,
    )
    rows = []
    for audience in (Audience.STAFF, Audience.FAMILIES):
        collection = Collection.objects.create(
            title=f"Farschool {audience} collection",
            introduction="Farschool only",
            audience=audience,
            school=world.other_school,
            curated_by=far_leader,
        )
        CollectionItem.objects.create(collection=collection, resource=far_strategy, position=0, added_by=far_leader)
        rows.append(collection)
    # The first school's own collection: its readers see it, never its far-school item's name.
    home = services.collection_create(
        user=world.sendco, school=world.school, audience=Audience.STAFF, title="Home staff picks"
    )
    CollectionItem.objects.create(collection=home, resource=far_strategy, position=0, added_by=world.sendco)
    return {
        Collection: [collection.pk for collection in rows] + [home.pk],
        CollectionItem: list(CollectionItem.objects.filter(collection__in=rows).values_list("pk", flat=True)),
    }
