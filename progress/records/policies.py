"""Who may see and who may write a pupil's learning records. The only place these rules live.

- A pupil's records (assessments, activity, certificates and badges, competency judgements,
  approved observations from home) are seen by whoever may see the pupil
  (`accounts.policies.pupils_visible_to`: guardians with viewing rights, staff who teach or
  support them).
- Staff who teach or support the pupil record and remove them.
- An observation from home waiting for a teacher, or one not added, is seen only by the family
  (guardians with viewing rights) and the pupil's staff; approved, it joins the record.

Every answer is read from the database on each call. Every read goes through `readable()`: the
one place where the consent matrix removes what a family refused to share with other school staff
(assessments, awards, judgements and observations count as assessment results; activity as
activity and engagement).
"""

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.consent import policies as consent
from accounts.models import DataKind, Pupil, User
from progress.models import ActivitySession, Assessment, Award, CompetencyJudgement, Observation
from progress.models.records import ReviewStatus


def readable(user: User, records: QuerySet, *, data_kind: str, pupil_field: str = "pupil") -> QuerySet:
    """`records` (already limited to pupils `user` may see) less what consent withholds from
    `user`: a member of staff who sees the pupil only as "other school staff" (a whole-school role,
    not teaching them; the DSL excepted) does not see `data_kind` the family refused to other staff
    (`accounts.consent.policies`). Every visibility queryset below ends here."""
    return records.exclude(consent.withheld_from_staff(user=user, data_kind=data_kind, pupil_field=pupil_field))


def _of_visible_pupils(model: type[Model], user: User, data_kind: str) -> QuerySet:
    if not user.is_authenticated:
        return model.objects.none()
    records = model.objects.live().filter(
        pupil__in=people.pupils_visible_with_scope(user=user, scope="progress").values("pk")
    )
    return readable(user, records, data_kind=data_kind)


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    return _of_visible_pupils(Assessment, user, DataKind.ASSESSMENT)


def activity_visible_to(user: User) -> QuerySet[ActivitySession]:
    return _of_visible_pupils(ActivitySession, user, DataKind.ACTIVITY)


def awards_visible_to(user: User) -> QuerySet[Award]:
    return _of_visible_pupils(Award, user, DataKind.ASSESSMENT)


def judgements_visible_to(user: User) -> QuerySet[CompetencyJudgement]:
    return _of_visible_pupils(CompetencyJudgement, user, DataKind.ASSESSMENT)


def observations_visible_to(user: User) -> QuerySet[Observation]:
    """Approved observations of pupils `user` may see; pending and declined ones only for the
    family (guardians with viewing rights) and the pupil's staff."""
    if not user.is_authenticated:
        return Observation.objects.none()
    family_or_staff = Q(pupil__in=people.children_with_scope(user=user, scope="progress").values("pk")) | Q(
        pupil__in=people.pupils_supported_by(user).values("pk")
    )
    approved = Q(
        status=ReviewStatus.APPROVED,
        pupil__in=people.pupils_visible_with_scope(user=user, scope="progress").values("pk"),
    )
    return readable(user, Observation.objects.live().filter(approved | family_or_staff), data_kind=DataKind.ASSESSMENT)


def _get(queryset: QuerySet, pk, for_update: bool, *related: str):
    try:
        found = queryset.select_related("pupil", *related).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(found, "pupil", *related) if for_update else found


def access_assessment(*, user: User, assessment_id: int, for_update: bool = False) -> Assessment:
    """The assessment if `user` may see it; otherwise Http404, whatever the reason."""
    return _get(assessments_visible_to(user), assessment_id, for_update, "subject")


def access_activity(*, user: User, activity_id: int, for_update: bool = False) -> ActivitySession:
    """The activity session if `user` may see it; otherwise Http404."""
    return _get(activity_visible_to(user), activity_id, for_update)


def access_award(*, user: User, award_id: int, for_update: bool = False) -> Award:
    """The certificate or badge if `user` may see it; otherwise Http404."""
    return _get(awards_visible_to(user), award_id, for_update)


def access_judgement(*, user: User, judgement_id: int, for_update: bool = False) -> CompetencyJudgement:
    """The competency judgement if `user` may see it; otherwise Http404."""
    return _get(judgements_visible_to(user), judgement_id, for_update, "competency")


def access_observation(*, user: User, observation_id: int, for_update: bool = False) -> Observation:
    """The observation from home if `user` may see it; otherwise Http404."""
    return _get(observations_visible_to(user), observation_id, for_update, "author")


# --- who may write ---------------------------------------------------------------------------


def can_record_for(*, user: User, pupil: Pupil | int) -> bool:
    """Staff who teach or support the pupil record assessments, activity, awards and judgements."""
    return people.teaches_or_supports(user=user, pupil=pupil)


def can_add_observation(*, user: User, pupil: Pupil | int) -> bool:
    """A guardian with viewing rights adds observations from home."""
    return people.is_guardian_of(user=user, pupil=pupil, scope="progress")


def can_review_observation(*, user: User, observation: Observation) -> bool:
    """Staff who teach or support the pupil approve or decline an observation while it waits."""
    return observation.status == ReviewStatus.PENDING and people.teaches_or_supports(
        user=user, pupil=observation.pupil_id
    )


def can_withdraw_observation(*, user: User, observation: Observation) -> bool:
    """Its author takes back an observation while it still waits for a teacher."""
    return observation.author_id == user.pk and observation.status == ReviewStatus.PENDING


def observations_to_review_for(user: User) -> QuerySet[Observation]:
    """Observations waiting for a teacher, of pupils `user` teaches or supports."""
    if not user.is_authenticated:
        return Observation.objects.none()
    waiting = Observation.objects.live().filter(
        status=ReviewStatus.PENDING, pupil__in=people.pupils_supported_by(user).values("pk")
    )
    return readable(user, waiting, data_kind=DataKind.ASSESSMENT)


def is_staff_anywhere(user: User) -> bool:
    """An active member of staff at some school (the review queue is theirs, empty or not)."""
    return bool(people.staff_school_ids(user))


def has_pupils_to_support(user: User) -> bool:
    return people.pupils_supported_by(user).exists()
