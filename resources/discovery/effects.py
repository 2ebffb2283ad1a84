"""The embedding effect: recorded in the transaction that saves a resource, run by a worker on
the "default" queue. Idempotent by the text hash: a run (or a repeat) for text that already has
its vector computes nothing."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from hub import outbox
from hub.models import OutboxEntry
from resources.discovery import embeddings
from resources.models import Resource, ResourceEmbedding, TextEmbedding

log = logging.getLogger(__name__)

EMBED = "resources.embedding"
# A save that touches only these (sharing, deletion, ratings) changes nothing the model reads.
TEXT_FIELDS = frozenset({"title", "description", "body", "tag_text"})


@receiver(post_save, sender=Resource, dispatch_uid="resources.discovery.embedding_due")
def embedding_due(sender, instance: Resource, raw=False, update_fields=None, **kwargs) -> None:
    if raw or (update_fields is not None and not TEXT_FIELDS & set(update_fields)):
        return
    key = embeddings.text_hash(embeddings.text_for(instance))
    if transaction.get_connection().in_atomic_block:
        outbox.record(EMBED, target=instance, key=key)
    else:
        # A save outside a transaction (a shell): the row is already committed; record right after.
        with transaction.atomic():
            outbox.record(EMBED, target=instance, key=key)


@outbox.handler(EMBED, queue="default")
def embedding_run(entry: OutboxEntry) -> None:
    embedding_refresh(resource_id=entry.object_id)


def embedding_refresh(*, resource_id: int) -> bool:
    """Compute the resource's vector from its current text unless it already has it; True when
    it computed one. Without the optional extra, nothing (similarity uses the search index)."""
    resource = Resource.objects.filter(pk=resource_id, deleted_at__isnull=True).first()
    if resource is None:
        return False
    if not embeddings.available():
        log.info("resources: no embedding model installed; resource %s keeps the search fallback", resource_id)
        return False
    text = embeddings.text_for(resource)
    digest = embeddings.text_hash(text)
    if ResourceEmbedding.objects.filter(resource=resource, text_hash=digest).exists():
        return False
    vector = embeddings.encode([text])[0]
    ResourceEmbedding.objects.update_or_create(
        resource=resource,
        defaults={
            "vector": embeddings.to_bytes(vector),
            "text_hash": digest,
            "model_name": embeddings.MODEL_NAME,
            "computed_at": timezone.now(),
        },
    )
    return True


def embeddings_backfill(resources) -> int:
    """Vectors for many resources at once, in batches (a backfill, the tests' library, the
    bench); skips those already up to date. Returns how many it computed."""
    resources = list(resources)
    current = dict(
        ResourceEmbedding.objects.filter(resource__in=[r.pk for r in resources]).values_list("resource_id", "text_hash")
    )
    due = []
    for resource in resources:
        text = embeddings.text_for(resource)
        digest = embeddings.text_hash(text)
        if current.get(resource.pk) != digest:
            due.append((resource, text, digest))
    if not due:
        return 0
    vectors = embeddings.encode([text for _resource, text, _digest in due])
    now = timezone.now()
    ResourceEmbedding.objects.filter(resource__in=[resource.pk for resource, _t, _d in due]).delete()
    ResourceEmbedding.objects.bulk_create(
        ResourceEmbedding(
            resource=resource,
            vector=embeddings.to_bytes(vector),
            text_hash=digest,
            model_name=embeddings.MODEL_NAME,
            computed_at=now,
        )
        for (resource, _text, digest), vector in zip(due, vectors, strict=True)
    )
    return len(due)


TEXT_EMBED = "resources.text_embedding"


@outbox.handler(TEXT_EMBED, queue="default")
def text_embedding_run(entry: OutboxEntry) -> None:
    text_embedding_refresh(text=entry.payload.get("text", ""))


def text_embedding_due(texts) -> None:
    """Ask the worker for the vectors of `texts` (recorded once per text: the key is its hash).
    Called from a page that found them missing, in its own short transaction."""
    with transaction.atomic():
        for text in texts:
            outbox.record(TEXT_EMBED, payload={"text": text}, key=f"text:{embeddings.text_hash(text)}")


def text_embedding_refresh(*, text: str) -> bool:
    """Compute and keep the vector of `text` unless it is kept already; True when it computed one."""
    if not text or not embeddings.available():
        return False
    digest = embeddings.text_hash(text)
    if TextEmbedding.objects.filter(text_hash=digest, model_name=embeddings.MODEL_NAME).exists():
        return False
    vector = embeddings.encode([text])[0]
    TextEmbedding.objects.update_or_create(
        text_hash=digest,
        defaults={
            "vector": embeddings.to_bytes(vector),
            "model_name": embeddings.MODEL_NAME,
            "computed_at": timezone.now(),
        },
    )
    return True
