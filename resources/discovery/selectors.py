"""What the discovery panels and pages read, always through `resources_visible_to`: a
suggestion never names a resource its viewer may not open. Each function makes a fixed number of
queries whatever the size of the library."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils.translation import gettext as _

from accounts import policies as people
from accounts.models import ClassGroup, Membership, Pupil, School, User
from resources.discovery import embeddings
from resources.models import SEARCH_CONFIG, Resource, ResourceEmbedding, Status, Tag, TagKind
from resources.policies import resources_visible_to

SIMILAR_COUNT = 5
# Which shared tags say most about a topic, first.
_TAG_ORDER = {TagKind.CURRICULUM: 0, TagKind.TOPIC: 1, TagKind.NEED: 2, TagKind.YEAR: 3, TagKind.SUBJECT: 4}


@dataclass
class Suggestion:
    resource: Resource
    reason: str


def _shared_names(resource: Resource, tag_ids: set[int]) -> list[str]:
    shared = [tag for tag in resource.tags.all() if tag.pk in tag_ids]
    shared.sort(key=lambda tag: (_TAG_ORDER.get(tag.kind, 9), tag.name))
    return [tag.name for tag in shared]


def _in_order(ids: list[int]) -> list[Resource]:
    found = Resource.objects.filter(pk__in=ids).select_related("school").prefetch_related("tags").in_bulk()
    return [found[pk] for pk in ids if pk in found]


# Every stored vector, kept per process and read again only when they change (a new, changed or
# deleted vector moves the stamp): a page then reads the ids it may show, not 1.5 kB per resource.
_vectors: dict[str, tuple[tuple, np.ndarray, np.ndarray]] = {}


def _all_vectors() -> tuple[np.ndarray, np.ndarray]:
    """(ids, matrix) of every stored vector: one small query, and one more after a change."""
    stored = ResourceEmbedding.objects.filter(model_name=embeddings.MODEL_NAME)
    stamp = tuple(stored.aggregate(count=Count("pk"), last=Max("computed_at"), top=Max("resource_id")).values())
    cached = _vectors.get(connection.alias)
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    rows = list(stored.order_by("resource_id").values_list("resource_id", "vector"))
    ids = np.fromiter((pk for pk, _vector in rows), dtype=np.int64, count=len(rows))
    matrix = embeddings.matrix_from([bytes(blob) for _pk, blob in rows])
    _vectors[connection.alias] = (stamp, ids, matrix)
    return ids, matrix


def _nearest(vector: np.ndarray, candidates: QuerySet[Resource], limit: int) -> list[int]:
    """The ids of the `limit` candidates whose vectors are closest to `vector` (cosine: the
    stored vectors are unit length): the candidates' ids in one query, one matrix product."""
    ids, matrix = _all_vectors()
    if not len(ids):
        return []
    allowed = np.fromiter(candidates.values_list("pk", flat=True), dtype=np.int64)
    keep = np.isin(ids, allowed, assume_unique=True)
    ids, scores = ids[keep], matrix[keep] @ vector
    if not len(ids):
        return []
    if len(ids) > limit:
        best = np.argpartition(-scores, limit)[:limit]
        best = best[np.argsort(-scores[best], kind="stable")]
    else:
        best = np.argsort(-scores, kind="stable")
    return [int(ids[index]) for index in best]


def _search_words(resource: Resource, tags: list[Tag]) -> list[str]:
    words = re.findall(r"[^\W_]+", " ".join([resource.title, *(tag.name for tag in tags)]).lower())
    return list(dict.fromkeys(word for word in words if len(word) > 2))[:16]


def _by_search(resource: Resource, tags: list[Tag], candidates: QuerySet[Resource], limit: int) -> list[int]:
    """Fallback: the search index, any word of the resource's title or tags, best ranked first."""
    words = _search_words(resource, tags)
    if not words:
        return []
    if connection.vendor == "postgresql":
        # Each word is letters or digits only, so the raw query cannot be malformed.
        terms = SearchQuery(" | ".join(words), search_type="raw", config=SEARCH_CONFIG)
        found = candidates.filter(search_vector=terms).annotate(rank=SearchRank(F("search_vector"), terms))
        found = found.order_by("-rank", "-updated_at", "-pk")
    else:
        match = Q()
        for word in words:
            match |= Q(title__icontains=word) | Q(tag_text__icontains=word)
        found = candidates.filter(match).order_by("-updated_at", "-pk")
    return list(found.values_list("pk", flat=True)[:limit])


def similar_resources(
    *, user: User, resource: Resource, tags: list[Tag], limit: int = SIMILAR_COUNT
) -> list[Suggestion]:
    """Up to `limit` resources `user` sees that are most like `resource` (whose tags the page has
    already read), each with why. By meaning when the resource has its vector; otherwise by the
    search index, and the reason says so."""
    candidates = resources_visible_to(user).exclude(pk=resource.pk)
    own = ResourceEmbedding.objects.filter(resource=resource, model_name=embeddings.MODEL_NAME).first()
    tag_ids = {tag.pk for tag in tags}
    suggestions = []
    if own is not None:
        ids = _nearest(np.frombuffer(bytes(own.vector), dtype=np.float32), candidates, limit)
        for found in _in_order(ids):
            shared = _shared_names(found, tag_ids)
            reason = (
                _("Similar topic: shares the tags %(tags)s") % {"tags": ", ".join(shared)}
                if shared
                else _("Similar wording")
            )
            suggestions.append(Suggestion(found, reason))
        return suggestions
    ids = _by_search(resource, tags, candidates, limit)
    for found in _in_order(ids):
        shared = _shared_names(found, tag_ids)
        if shared:
            reason = _("Shares the tags %(tags)s (found by search: similarity by meaning is not worked out yet)") % {
                "tags": ", ".join(shared)
            }
        else:
            reason = _("Shares words of the title (found by search: similarity by meaning is not worked out yet)")
        suggestions.append(Suggestion(found, reason))
    return suggestions


def _interests(user: User) -> list[tuple[str, set[str]]]:
    """What `user` cares about, as (why, tag names): for staff their classes' year groups and
    subjects, and the tags of resources they reviewed; for families their children's year groups
    and SEND needs. Three queries."""
    interests: list[tuple[str, set[str]]] = []
    if people.staff_school_ids(user):
        classes = ClassGroup.objects.filter(staff=user).values_list("year_group", "department__name")
        names = {name for row in classes for name in row if name}
        names |= {
            name
            for name in Membership.objects.filter(user=user, is_active=True, department__isnull=False).values_list(
                "department__name", flat=True
            )
            if name
        }
        if names:
            interests.append((_("your classes"), names))
        reviewed = set(Tag.objects.filter(resources__reviews__user=user).values_list("name", flat=True))
        if reviewed:
            interests.append((_("resources you reviewed"), reviewed))
    children = Pupil.objects.filter(pk__in=people.viewing_guardianships().filter(guardian=user).values("pupil_id"))
    child_names: set[str] = set()
    for year_group, needs in children.values_list("year_group", "send_needs"):
        child_names.add(year_group)
        child_names |= {need.strip() for need in re.split(r"[,;\n]", needs or "") if need.strip()}
    child_names.discard("")
    if child_names:
        interests.append((_("your child's year and needs"), child_names))
    return interests


def for_you(*, user: User, limit: int = 10) -> list[Suggestion]:
    """Resources `user` sees whose tags match their interests, most matches first, each with the
    interest it matches."""
    interests = _interests(user)
    wanted = {name.casefold() for _why, names in interests for name in names}
    if not wanted:
        return []
    match = Q()
    for name in wanted:
        match |= Q(name__iexact=name)
    tag_ids = list(Tag.objects.filter(match).values_list("pk", flat=True))
    if not tag_ids:
        return []
    ids = list(
        resources_visible_to(user)
        .exclude(author=user)
        .filter(tags__in=tag_ids)
        .annotate(matches=Count("tags", distinct=True))
        .order_by("-matches", F("rating_average").desc(nulls_last=True), "-updated_at", "-pk")
        .values_list("pk", flat=True)[:limit]
    )
    suggestions = []
    for found in _in_order(ids):
        names = {tag.name.casefold(): tag.name for tag in found.tags.all()}
        for why, interest in interests:
            shared = sorted(names[name.casefold()] for name in interest if name.casefold() in names)
            if shared:
                reason = _("For %(why)s: %(tags)s") % {"why": why, "tags": ", ".join(shared)}
                suggestions.append(Suggestion(found, reason))
                break
    return suggestions


@dataclass
class Statement:
    tag: Tag
    resources: int

    @property
    def covered(self) -> bool:
        return self.resources > 0


@dataclass
class CoverageMap:
    school: School
    subject: Tag | None
    subjects: list[Tag]
    statements: list[Statement]

    @property
    def uncovered(self) -> list[Statement]:
        return [statement for statement in self.statements if not statement.covered]


def coverage_map(*, user: User, school: School, subject_id=None) -> CoverageMap:
    """The curriculum statements or CBC strands of a subject (those on resources `user` sees
    that carry the subject's tag, and those on the school's own), each with how many published
    resources of `school` carry it: zero is a gap. Four queries."""
    visible = resources_visible_to(user)
    subjects = list(Tag.objects.filter(kind=TagKind.SUBJECT, pk__in=visible.values("tags")).order_by("name"))
    subject = next((tag for tag in subjects if str(tag.pk) == str(subject_id)), subjects[0] if subjects else None)
    if subject is None:
        return CoverageMap(school=school, subject=None, subjects=[], statements=[])
    of_subject = Resource.objects.filter(tags=subject, deleted_at__isnull=True).filter(
        Q(pk__in=visible.values("pk")) | Q(school=school)
    )
    at_school = Q(
        resources__school=school,
        resources__status=Status.PUBLISHED,
        resources__deleted_at__isnull=True,
        resources__tags=subject,
    )
    statements = (
        Tag.objects.filter(
            kind=TagKind.CURRICULUM,
            # Through the link table: `of_subject.values("tags")` would reuse its join on the subject.
            pk__in=Resource.tags.through.objects.filter(resource__in=of_subject.values("pk")).values("tag_id"),
        )
        .annotate(at_school=Count("resources", filter=at_school, distinct=True))
        .order_by("name")
    )
    return CoverageMap(
        school=school,
        subject=subject,
        subjects=subjects,
        statements=[Statement(tag, tag.at_school) for tag in statements],
    )
