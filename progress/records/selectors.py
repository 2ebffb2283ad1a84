"""Reads for the learning-record pages, each filtered by the acting user through
`progress.records.policies` (and so through its consent seam), in a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from accounts.models import Pupil, User
from progress.models import (
    ActivitySession,
    Assessment,
    Award,
    Competency,
    CompetencyJudgement,
    Observation,
    ReviewStatus,
    Subject,
)
from progress.records import policies, services

# Each list on a page shows the latest this many (the record page is a summary, not an archive).
RECORD_LIST_LIMIT = 20
REVIEW_QUEUE_LIMIT = 50
FAMILY_LIST_LIMIT = 50


@dataclass
class RecordPage:
    pupil: Pupil
    can_record: bool
    assessments: list[Assessment]
    activity: list[ActivitySession]
    awards: list[Award]
    judgements: list[CompetencyJudgement]
    observations: list[Observation]
    limit: int = RECORD_LIST_LIMIT
    # The kinds that have more than `limit` rows (only the latest are shown).
    more: set[str] = field(default_factory=set)

    def __post_init__(self):
        for kind in ("assessments", "activity", "awards", "judgements", "observations"):
            rows = getattr(self, kind)
            if len(rows) > self.limit:
                self.more.add(kind)
                setattr(self, kind, rows[: self.limit])


def _latest(queryset: QuerySet, pupil: Pupil, limit: int) -> list:
    """The latest `limit` rows, and one more to tell whether there are others (no count query)."""
    return list(queryset.filter(pupil=pupil)[: limit + 1])


def record_page_for(*, user: User, pupil: Pupil, limit: int = RECORD_LIST_LIMIT) -> RecordPage:
    """What `user` sees of `pupil`'s learning record: the latest of each kind, newest first."""
    return RecordPage(
        limit=limit,
        pupil=pupil,
        can_record=policies.can_record_for(user=user, pupil=pupil),
        assessments=_latest(policies.assessments_visible_to(user).select_related("subject"), pupil, limit),
        activity=_latest(policies.activity_visible_to(user).select_related("subject"), pupil, limit),
        awards=_latest(policies.awards_visible_to(user), pupil, limit),
        judgements=_latest(
            policies.judgements_visible_to(user).select_related("competency", "competency__subject"), pupil, limit
        ),
        observations=_latest(
            policies.observations_visible_to(user).filter(status=ReviewStatus.APPROVED).select_related("author"),
            pupil,
            limit,
        ),
    )


def subjects_for(pupil: Pupil) -> QuerySet[Subject]:
    return Subject.objects.filter(school_id=pupil.school_id)


def competencies_for(pupil: Pupil) -> QuerySet[Competency]:
    """The competencies a judgement of `pupil` may name: the built-in ones of the school's framework
    and the school's own."""
    school = pupil.school
    return (
        Competency.objects.filter(framework=school.curriculum)
        .filter(Q(school__isnull=True) | Q(school_id=school.pk))
        .select_related("subject")
    )


def scales_for(pupil: Pupil) -> tuple[str, ...]:
    return services.scales_for(pupil.school)


def review_queue_for(*, user: User, limit: int = REVIEW_QUEUE_LIMIT) -> list[Observation]:
    """Observations waiting for review of pupils `user` teaches or supports, oldest first."""
    return list(
        policies.observations_to_review_for(user).select_related("pupil", "author").order_by("created_at", "id")[:limit]
    )


def review_queue_count_for(user: User) -> int:
    return policies.observations_to_review_for(user).count()


def family_observations_for(*, user: User, pupil: Pupil, limit: int = FAMILY_LIST_LIMIT) -> list[Observation]:
    """The observations of `pupil` that `user` may see (a family sees all of theirs, with their
    status), newest first."""
    return list(
        policies.observations_visible_to(user).filter(pupil=pupil).select_related("author", "reviewed_by")[:limit]
    )
