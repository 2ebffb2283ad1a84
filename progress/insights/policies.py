"""Who may see insights and class overviews, and whether a pupil's records may go to a language
model. The only place these rules live; every answer is read from the database on each call."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.consent import policies as consent
from accounts.models import ClassGroup, DataKind, Membership, Pupil, Recipient, User
from progress.models import Insight
from progress.models.insights import InsightRule

# Which kind of data each alert is made from (alerts about goals are not governed by consent).
RULE_DATA_KINDS = {InsightRule.ENGAGEMENT_DROP: DataKind.ACTIVITY, InsightRule.DECLINING_TREND: DataKind.ASSESSMENT}


def insights_visible_to(user: User) -> QuerySet[Insight]:
    """Insights about every pupil `user` may see (their children; pupils they teach or support)."""
    if not user.is_authenticated:
        return Insight.objects.none()
    visible = Insight.objects.filter(
        pupil__in=people.pupils_visible_with_scope(user=user, scope="progress").values("pk")
    )
    # An alert repeats what its records say: staff who may not see those records (the family's
    # consent for "other school staff") do not see the alert either.
    for rule, data_kind in RULE_DATA_KINDS.items():
        visible = visible.exclude(Q(rule=rule) & consent.withheld_from_staff(user=user, data_kind=data_kind))
    return visible


def access_insight(*, user: User, insight_id: int, for_update: bool = False) -> Insight:
    """The insight if `user` may see its pupil; otherwise Http404, whatever the reason."""
    try:
        insight = insights_visible_to(user).select_related("pupil").get(pk=insight_id)
    except (Insight.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(insight, "pupil") if for_update else insight


def class_groups_overseen_by(user: User) -> QuerySet[ClassGroup]:
    """The classes whose overview `user` may open: the classes they teach (while their membership
    at that school is active), and every class of a school where they hold a whole-school role."""
    if not user.is_authenticated:
        return ClassGroup.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    whole_school = memberships.filter(role__in=people.WHOLE_SCHOOL_ROLES).values("school_id")
    taught = Q(staff=user, school_id__in=memberships.values("school_id"))
    return ClassGroup.objects.filter(taught | Q(school_id__in=whole_school)).distinct()


def access_class_overview(*, user: User, class_id: int, for_update: bool = False) -> ClassGroup:
    """The class if `user` may open its overview; otherwise Http404 (a parent, a teacher of another
    class, staff of another school all get the same answer)."""
    try:
        group = class_groups_overseen_by(user).select_related("school").get(pk=class_id)
    except (ClassGroup.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(group, "school") if for_update else group


# The kinds of data the narrative's facts come from: the model is asked only if the family lets
# AI features use every one of them.
AI_DATA_KINDS = (DataKind.ASSESSMENT, DataKind.ACTIVITY)


def may_use_ai_for(pupil: Pupil) -> bool:
    """Whether this pupil's records may be sent to a language model for the narrative summary:
    only while the family's consent lets "AI features" use assessment results and activity
    (`accounts.consent.policies`). Otherwise the narrative comes from the templates only."""
    return all(
        pupil.pk in consent.consent_allows(pupil_ids=[pupil.pk], data_kind=kind, recipient=Recipient.AI)
        for kind in AI_DATA_KINDS
    )


def withheld_from(*, user: User, pupil_ids, data_kind: str) -> set[int]:
    """The ids among `pupil_ids` whose `data_kind` `user` may not see: they see the pupil only as
    "other school staff" and the family refused that (one query)."""
    return set(
        Pupil.objects.filter(pk__in=list(pupil_ids))
        .filter(consent.withheld_from_staff(user=user, data_kind=data_kind, pupil_field=""))
        .values_list("pk", flat=True)
    )


def kinds_withheld_from(*, user: User, pupil: Pupil) -> set[str]:
    """Which of the insights page's kinds of data (activity, assessment results) `user` may not
    see for `pupil`, by the family's consent for "other school staff"."""
    return {kind for kind in AI_DATA_KINDS if withheld_from(user=user, pupil_ids=[pupil.pk], data_kind=kind)}
