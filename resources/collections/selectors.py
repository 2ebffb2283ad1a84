"""What the collection pages read: collections through `collections_visible_to`, their items
through `resources_visible_to`, each page in a fixed number of queries whatever the number of
collections, items or resources."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from accounts.models import User
from resources.collections.policies import collections_visible_to, curates_anything, may_curate
from resources.models import (
    Audience,
    Collection,
    CollectionItem,
    Partnership,
    Resource,
    Status,
    Visibility,
)
from resources.policies import FAMILY_TIERS, resources_visible_to
from resources.selectors import search

FEATURED_COUNT = 3
# Titles shown under each featured collection on the library page.
PREVIEW_COUNT = 3
LIST_LIMIT = 100


@dataclass
class FeaturedCollection:
    collection: Collection
    preview: list[Resource]
    count: int


def featured_for(*, user: User, limit: int = FEATURED_COUNT) -> list[FeaturedCollection]:
    """The featured collections `user` sees that have at least one item they may open, most
    recently curated first, each with its first few items and how many they see. Two queries."""
    collections = list(
        collections_visible_to(user).filter(featured=True).select_related("school").order_by("-updated_at", "-pk")[:20]
    )
    if not collections:
        return []
    items = (
        CollectionItem.objects.filter(
            collection__in=[collection.pk for collection in collections],
            resource_id__in=resources_visible_to(user).values("pk"),
        )
        .select_related("resource")
        .order_by("collection_id", "position", "pk")
    )
    by_collection: dict[int, list[Resource]] = {}
    for item in items:
        by_collection.setdefault(item.collection_id, []).append(item.resource)
    featured = [
        FeaturedCollection(collection, by_collection[collection.pk][:PREVIEW_COUNT], len(by_collection[collection.pk]))
        for collection in collections
        if by_collection.get(collection.pk)
    ]
    return featured[:limit]


@dataclass
class CollectionsPage:
    collections: list[Collection]
    may_create: bool


def collections_page(*, user: User) -> CollectionsPage:
    """Every collection `user` sees, featured first, each annotated with `shown` (the items they
    may open). Two queries (three for an editor)."""
    visible = resources_visible_to(user).values("pk")
    collections = list(
        collections_visible_to(user)
        .select_related("school")
        .annotate(shown=Count("items", filter=Q(items__resource_id__in=visible)))
        .order_by("-featured", "-updated_at", "-pk")[:LIST_LIMIT]
    )
    return CollectionsPage(collections=collections, may_create=curates_anything(user))


@dataclass
class Entry:
    """One item as its viewer sees it: `resource` is None when they may not open it (an editor
    still sees the row, to take it out); `reaches_audience` warns an editor that the people the
    collection is for cannot open it."""

    item: CollectionItem
    resource: Resource | None
    reaches_audience: bool = True


@dataclass
class CollectionPage:
    collection: Collection
    entries: list[Entry]
    may_curate: bool


def audience_sees(*, collection: Collection, resource: Resource, partner_of: set[int]) -> bool:
    """Whether the people `collection` is for may open `resource` through its tier (grants to
    named people aside): an editor's warning, never an access decision. `partner_of`: the schools
    that name the collection's school as a partner."""
    if resource.deleted_at is not None or resource.status != Status.PUBLISHED:
        return False
    if collection.audience == Audience.FAMILIES:
        return resource.published_to_families and (
            resource.visibility == Visibility.PUBLIC
            or resource.visibility in FAMILY_TIERS
            and resource.school_id == collection.school_id
        )
    if collection.audience == Audience.COMMUNITY:
        return resource.visibility in (Visibility.COMMUNITY, Visibility.PUBLIC)
    if resource.visibility in (Visibility.COMMUNITY, Visibility.PUBLIC):
        return True
    if resource.visibility == Visibility.PARTNERS and resource.school_id in partner_of:
        return True
    return (
        resource.school_id == collection.school_id
        and resource.visibility != Visibility.PRIVATE
        and (resource.visibility != Visibility.DEPARTMENT)
    )


def collection_page(*, user: User, collection: Collection) -> CollectionPage:
    """The collection's items in order. A viewer gets only the items they may open; an editor gets
    every item (one they cannot open named as such, to take out) with a warning on those the
    collection's audience cannot open. Two queries (four for an editor)."""
    editor = may_curate(user=user, collection=collection)
    visible = resources_visible_to(user)
    items = collection.items.select_related("resource", "resource__school").order_by("position", "pk")
    if not editor:
        entries = [
            Entry(item=item, resource=item.resource) for item in items.filter(resource_id__in=visible.values("pk"))
        ]
        return CollectionPage(collection=collection, entries=entries, may_curate=False)
    visible_ids = set(visible.filter(pk__in=collection.items.values("resource_id")).values_list("pk", flat=True))
    partner_of: set[int] = set()
    if collection.audience == Audience.STAFF:
        partner_of = set(
            Partnership.objects.filter(partner_id=collection.school_id).values_list("school_id", flat=True)
        )
    entries = []
    for item in items:
        if item.resource_id in visible_ids:
            reaches = audience_sees(collection=collection, resource=item.resource, partner_of=partner_of)
            entries.append(Entry(item=item, resource=item.resource, reaches_audience=reaches))
        else:
            entries.append(Entry(item=item, resource=None, reaches_audience=False))
    return CollectionPage(collection=collection, entries=entries, may_curate=True)


def resources_to_add(*, user: User, collection: Collection, query: str, limit: int = 20) -> list[Resource]:
    """Published resources the editor sees that are not in the collection yet, matching `query`
    (the library's search), best match first."""
    query = (query or "").strip()[:200]
    if not query:
        return []
    candidates = (
        resources_visible_to(user)
        .filter(status=Status.PUBLISHED)
        .exclude(pk__in=collection.items.values("resource_id"))
    )
    found = search(candidates, query).order_by("-rank", "-updated_at", "-pk").select_related("school")
    return list(found[:limit])
