"""What the library's pages read, filtered by the acting user (`resources.policies`), with a
constant number of queries per page whatever the size of the library."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When

from accounts import policies as people
from accounts.models import School, User
from resources.models import (
    SEARCH_CONFIG,
    Kind,
    Outcome,
    Resource,
    ResourceUse,
    ResourceVersion,
    Review,
    ShareApproval,
    Status,
    StrategyFeedback,
    StrategySuggestion,
    Tag,
    TagKind,
    UseKind,
)
from resources.policies import (
    approvals_visible_to,
    may_edit,
    may_give_feedback,
    may_moderate,
    resources_visible_to,
    suggestions_visible_to,
)

PAGE_SIZE = 20
SORTS = ("relevance", "rating", "recent")


@dataclass
class LibraryPage:
    page: Page
    query: str
    sort: str
    kind: str
    chosen_tags: set[int]
    tag_groups: list[tuple[str, list[Tag]]]

    @property
    def filtered(self) -> bool:
        return bool(self.query or self.kind or self.chosen_tags)


def _ids(values) -> set[int]:
    return {int(value) for value in values if str(value).isdigit()}


def search(resources: QuerySet[Resource], query: str) -> QuerySet[Resource]:
    """`resources` matching `query`, annotated with `rank`: PostgreSQL full-text search against
    the stored vector (title > tags > description > text); elsewhere a plain match, ranked by
    whether the title matches."""
    if connection.vendor == "postgresql":
        terms = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return resources.filter(search_vector=terms).annotate(rank=SearchRank(F("search_vector"), terms))
    return resources.filter(
        Q(title__icontains=query)
        | Q(tag_text__icontains=query)
        | Q(description__icontains=query)
        | Q(body__icontains=query)
    ).annotate(rank=Case(When(title__icontains=query, then=Value(2)), default=Value(1), output_field=IntegerField()))


def library_page(*, user: User, query: str = "", tag_ids=(), kind: str = "", sort: str = "", page=1) -> LibraryPage:
    """One page of the resources `user` sees, searched, filtered (every chosen tag must be on a
    resource) and sorted. Four queries whatever the library's size: the tags on offer, the count,
    the page (school and author joined) and the page's tags."""
    query = (query or "").strip()[:200]
    visible = resources_visible_to(user)
    resources = visible
    if kind not in Kind.values:
        kind = ""
    if kind:
        resources = resources.filter(kind=kind)
    chosen = _ids(tag_ids)
    for tag_id in sorted(chosen):
        resources = resources.filter(pk__in=Resource.tags.through.objects.filter(tag_id=tag_id).values("resource_id"))
    if sort not in SORTS:
        sort = "relevance" if query else "recent"
    if query:
        resources = search(resources, query)
    if sort == "relevance" and query:
        resources = resources.order_by("-rank", "-updated_at", "-pk")
    elif sort == "rating":
        resources = resources.order_by(F("rating_average").desc(nulls_last=True), "-rating_count", "-pk")
    else:
        sort = "recent" if not query else sort
        resources = resources.order_by("-updated_at", "-pk")
    paginator = Paginator(resources.select_related("school", "author").prefetch_related("tags"), PAGE_SIZE)
    tags = tags_for(user)
    groups: dict[str, list[Tag]] = {}
    for tag in tags:
        groups.setdefault(tag.kind, []).append(tag)
    labels = dict(TagKind.choices)
    return LibraryPage(
        page=paginator.get_page(page),
        query=query,
        sort=sort,
        kind=kind,
        chosen_tags=chosen,
        tag_groups=[(labels[key], groups[key]) for key in TagKind.values if key in groups],
    )


def tags_for(user: User) -> QuerySet[Tag]:
    """The tags on resources `user` sees: a tag another school made may name it, so it is offered
    only where one of its resources already reaches the person."""
    return Tag.objects.filter(pk__in=resources_visible_to(user).values("tags")).order_by("kind", "name")


@dataclass
class Effectiveness:
    """ "Helped N of M families": N counts a lot and a little."""

    families: int = 0
    a_lot: int = 0
    a_little: int = 0
    not_at_all: int = 0

    @property
    def helped(self) -> int:
        return self.a_lot + self.a_little


@dataclass
class ResourcePage:
    resource: Resource
    tags: list[Tag]
    versions: list[ResourceVersion]
    copied_from: Resource | None
    copies: list[Resource]
    reviews: list[Review]
    my_review: Review | None
    effectiveness: Effectiveness | None
    my_feedback: StrategyFeedback | None
    may_edit: bool
    may_give_feedback: bool
    pending_approval: ShareApproval | None
    may_copy: bool
    # For its author (and leaders who may edit it): views and downloads by school, most first.
    uses: list[dict] = field(default_factory=list)
    # A family's suggestion, for its author (the reason it was declined) and its moderators.
    suggestion: StrategySuggestion | None = None
    may_moderate: bool = False

    @property
    def awaits_decision(self) -> bool:
        """Still a family's suggestion waiting or declined: no reviews, copies or feedback yet."""
        return self.resource.status in (Status.MODERATION, Status.DECLINED)


def resource_page(*, user: User, resource: Resource) -> ResourcePage:
    """Everything the resource's page shows, each list in one query (constant in library size):
    the lineage only as far as `user` may see it."""
    visible = resources_visible_to(user)
    copied_from = None
    if resource.copied_from_id:
        copied_from = visible.filter(pk=resource.copied_from_id).select_related("school").first()
    copies = list(visible.filter(copied_from=resource).select_related("school").order_by("-created_at")[:20])
    reviews = list(resource.reviews.select_related("user")[:10])
    my_review = next((review for review in reviews if review.user_id == user.pk), None)
    if my_review is None and resource.rating_count > len(reviews):
        my_review = resource.reviews.filter(user=user).first()
    effectiveness = None
    my_feedback = None
    feedback_allowed = may_give_feedback(user=user, resource=resource)
    if resource.is_strategy:
        counts = StrategyFeedback.objects.filter(resource=resource).aggregate(
            families=Count("pk"),
            a_lot=Count("pk", filter=Q(outcome=Outcome.A_LOT)),
            a_little=Count("pk", filter=Q(outcome=Outcome.A_LITTLE)),
            not_at_all=Count("pk", filter=Q(outcome=Outcome.NOT_AT_ALL)),
        )
        effectiveness = Effectiveness(**counts)
        if feedback_allowed:
            my_feedback = StrategyFeedback.objects.filter(resource=resource, family=user).first()
    editable = may_edit(user=user, resource=resource)
    pending = resource.approvals.filter(status="pending").first() if editable else None
    suggestion = None
    moderating = False
    if resource.from_family and resource.status in (Status.MODERATION, Status.DECLINED):
        moderating = resource.status == Status.MODERATION and may_moderate(user=user, resource=resource)
        if moderating or resource.author_id == user.pk:
            suggestion = StrategySuggestion.objects.filter(resource=resource).first()
    return ResourcePage(
        resource=resource,
        tags=list(resource.tags.order_by("kind", "name")),
        versions=list(resource.versions.select_related("created_by").order_by("-number")),
        copied_from=copied_from,
        copies=copies,
        reviews=reviews,
        my_review=my_review,
        effectiveness=effectiveness,
        my_feedback=my_feedback,
        may_edit=editable,
        may_give_feedback=feedback_allowed,
        pending_approval=pending,
        may_copy=bool(people.staff_school_ids(user)) and resource.status not in (Status.MODERATION, Status.DECLINED),
        uses=uses_by_school(resource) if editable else [],
        suggestion=suggestion,
        may_moderate=moderating,
    )


def uses_by_school(resource: Resource) -> list[dict]:
    """Views and downloads of `resource` per school (school name None: families and others), in
    one query."""
    rows = (
        ResourceUse.objects.filter(resource=resource)
        .values("school__name")
        .annotate(
            views=Sum("count", filter=Q(kind=UseKind.VIEW)),
            downloads=Sum("count", filter=Q(kind=UseKind.DOWNLOAD)),
        )
        .order_by(F("views").desc(nulls_last=True), "school__name")
    )
    return [
        {"school": row["school__name"], "views": row["views"] or 0, "downloads": row["downloads"] or 0} for row in rows
    ]


def approvals_queue(user: User) -> list[ShareApproval]:
    """The pending sharing requests of the schools `user` leads, oldest first."""
    return list(
        approvals_visible_to(user)
        .filter(status="pending")
        .select_related("resource", "resource__school", "requested_by")
        .order_by("requested_at", "pk")
    )


def staff_schools(user: User) -> QuerySet[School]:
    return School.objects.filter(pk__in=people.staff_school_ids(user)).order_by("name")


def suggestions_waiting(user: User) -> QuerySet[Resource]:
    """The families' suggestions waiting at the schools `user` moderates, oldest first."""
    return suggestions_visible_to(user).filter(status=Status.MODERATION).order_by("created_at", "pk")


def suggestions_queue(user: User) -> list[Resource]:
    """The moderators' queue page: each waiting suggestion with its school, family, choice of
    credit and needs, in two queries whatever its length."""
    return list(suggestions_waiting(user).select_related("school", "author", "suggestion").prefetch_related("tags"))


def need_tags_for(user: User) -> QuerySet[Tag]:
    """The needs a family may tie a suggestion to: the need tags on what they already see (a tag
    another school made may name it, so only those that reach them)."""
    return tags_for(user).filter(kind=TagKind.NEED)
