"""Every write to a collection: keyword-only, in a transaction, audited. Callers pass a collection
obtained through `access_collection` and resources through `access_resource`; these functions check
that the acting person curates the collection now."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import School, User
from resources.collections.policies import audiences_for, may_curate, may_curate_at
from resources.models import Audience, Collection, CollectionItem, Resource

EDITABLE = ("title", "introduction", "audience", "featured")
UP, DOWN = "up", "down"


class CollectionRefused(Exception):
    """A change the collection refuses, with a sentence the editor can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _audience_for(*, audience: str, school: School | None) -> str:
    if audience not in Audience.values:
        raise CollectionRefused(_("Choose who the collection is for."))
    if audience not in audiences_for(school_id=school.pk if school is not None else None):
        raise CollectionRefused(
            _("A school's collection is for its staff or its families; a community collection has no school.")
        )
    return audience


@transaction.atomic
def collection_create(
    *,
    user: User,
    school: School | None,
    audience: str,
    title: str,
    introduction: str = "",
    featured: bool = True,
    client_key: str = "",
) -> Collection:
    """A new collection of `school` (None: the community's), curated by `user`. The same
    `client_key` (the form's idempotency key) again returns the collection it already made."""
    if not may_curate_at(user=user, school=school):
        raise PermissionDenied
    client_key = (client_key or "")[:64]
    if client_key and (earlier := Collection.objects.filter(curated_by=user, client_key=client_key).first()):
        return earlier
    audience = _audience_for(audience=audience, school=school)
    if not title.strip():
        raise CollectionRefused(_("Give the collection a title."))
    collection = Collection.objects.create(
        title=title.strip(),
        introduction=introduction.strip(),
        audience=audience,
        school=school,
        featured=featured,
        curated_by=user,
        client_key=client_key,
    )
    audit.record(actor=user, action="collection.created", target=collection, audience=audience)
    return collection


@transaction.atomic
def collection_update(*, user: User, collection: Collection, **fields) -> Collection:
    """Change a collection's title, introduction, audience or whether it is featured. Its school
    never changes (a community collection stays the community's)."""
    if not may_curate(user=user, collection=collection):
        raise PermissionDenied
    for name in fields:
        if name not in EDITABLE:
            raise TypeError(name)
    if "audience" in fields:
        _audience_for(audience=fields["audience"], school=collection.school)
    if "title" in fields and not fields["title"].strip():
        raise CollectionRefused(_("Give the collection a title."))
    for name, value in fields.items():
        setattr(collection, name, value.strip() if isinstance(value, str) and name != "audience" else value)
    collection.updated_at = timezone.now()
    collection.save()
    audit.record(actor=user, action="collection.updated", target=collection, fields=sorted(fields))
    return collection


@transaction.atomic
def collection_delete(*, user: User, collection: Collection) -> None:
    """Soft delete: the rows stay for the audit, nobody sees the collection."""
    if not may_curate(user=user, collection=collection):
        raise PermissionDenied
    collection.deleted_at = timezone.now()
    collection.save(update_fields=["deleted_at"])
    audit.record(actor=user, action="collection.deleted", target=collection)


def _touch(collection: Collection) -> None:
    Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())


@transaction.atomic
def collection_item_add(*, user: User, collection: Collection, resource: Resource) -> CollectionItem:
    """Put `resource` (one the editor sees) at the end of the collection."""
    if not may_curate(user=user, collection=collection):
        raise PermissionDenied
    # The collection's row is the lock that keeps two editors' additions from taking one position.
    Collection.objects.select_for_update().filter(pk=collection.pk).first()
    if collection.items.filter(resource=resource).exists():
        raise CollectionRefused(_("%(title)s is already in this collection.") % {"title": resource.title})
    last = collection.items.aggregate(last=Max("position"))["last"]
    item = CollectionItem.objects.create(
        collection=collection, resource=resource, position=0 if last is None else last + 1, added_by=user
    )
    _touch(collection)
    audit.record(actor=user, action="collection.item_added", target=collection, resource=resource.pk)
    return item


@transaction.atomic
def collection_item_remove(*, user: User, collection: Collection, item: CollectionItem) -> None:
    if not may_curate(user=user, collection=collection):
        raise PermissionDenied
    if item.collection_id != collection.pk:
        raise PermissionDenied
    resource_id = item.resource_id
    item.delete()
    _touch(collection)
    audit.record(actor=user, action="collection.item_removed", target=collection, resource=resource_id)


@transaction.atomic
def collection_item_move(*, user: User, collection: Collection, item: CollectionItem, direction: str) -> None:
    """Swap the item with its neighbour above (`up`) or below (`down`); at either end, nothing."""
    if not may_curate(user=user, collection=collection):
        raise PermissionDenied
    if item.collection_id != collection.pk or direction not in (UP, DOWN):
        raise PermissionDenied
    items = list(collection.items.select_for_update().order_by("position", "pk"))
    index = next((n for n, found in enumerate(items) if found.pk == item.pk), None)
    if index is None:
        return
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    # Positions renumbered 0..n-1: equal positions left by earlier edits cannot make a swap a no-op.
    changed = []
    for position, found in enumerate(items):
        if found.position != position:
            found.position = position
            changed.append(found)
    CollectionItem.objects.bulk_update(changed, ["position"])
    _touch(collection)
    audit.record(
        actor=user, action="collection.item_moved", target=collection, resource=item.resource_id, direction=direction
    )
