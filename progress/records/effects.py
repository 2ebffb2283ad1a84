"""Outbox handlers for observations from home (the contract is in `hub.outbox`); imported by
the records plug-in's ready(). Recipients are computed when the handler runs, from access as it is
then; a recipient who already has the notification is skipped, so a run repeated after a crash
notifies nobody twice."""

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import policies as people
from hub import outbox
from hub.models import OutboxEntry
from messaging.models import Notification
from messaging.notifications import notify
from messaging.notifications.targets import label_of
from progress.models import Observation, ReviewStatus
from progress.records import services

ADDED_KIND = "observation_added"
REVIEWED_KIND = "observation_reviewed"


def _already_notified(observation: Observation, kind: str) -> set[int]:
    return set(
        Notification.objects.filter(kind=kind, target_type=label_of(observation), target_id=observation.pk).values_list(
            "user_id", flat=True
        )
    )


def observation_added_notify(*, observation_id: int) -> int:
    """Tell the pupil's staff (who teach or support them, now) that a family added an observation
    waiting for review. Nothing when it was withdrawn or already reviewed. Returns how many."""
    observation = Observation.objects.select_related("pupil", "author").filter(pk=observation_id).first()
    if observation is None or observation.deleted_at is not None or observation.status != ReviewStatus.PENDING:
        return 0
    done = _already_notified(observation, ADDED_KIND)
    sent = 0
    for person in people.staff_who_teach_or_support(pupil=observation.pupil).exclude(pk__in=done):
        notify(
            user=person,
            kind=ADDED_KIND,
            title=format_lazy(_("New observation from home about {pupil}"), pupil=observation.pupil.full_name),
            url=reverse("progress:observations_review"),
            pupil=observation.pupil,
            target=observation,
        )
        sent += 1
    return sent


def observation_reviewed_notify(*, observation_id: int) -> int:
    """Tell the family (guardians with viewing rights, now) whether their observation was added."""
    observation = Observation.objects.select_related("pupil").filter(pk=observation_id).first()
    if observation is None or observation.deleted_at is not None or observation.status == ReviewStatus.PENDING:
        return 0
    if observation.status == ReviewStatus.APPROVED:
        title = format_lazy(
            _("Your observation about {pupil} was added to the record"), pupil=observation.pupil.full_name
        )
    else:
        title = format_lazy(_("Your observation about {pupil} was not added"), pupil=observation.pupil.full_name)
    done = _already_notified(observation, REVIEWED_KIND)
    sent = 0
    for person in people.guardians_with_scope(pupil=observation.pupil, scope="progress").exclude(pk__in=done):
        notify(
            user=person,
            kind=REVIEWED_KIND,
            title=title,
            body=observation.review_note,
            url=reverse("progress:observations", args=[observation.pupil_id]),
            pupil=observation.pupil,
            target=observation,
        )
        sent += 1
    return sent


@outbox.handler(services.OBSERVATION_ADDED, queue="realtime")
def observation_added(entry: OutboxEntry) -> None:
    observation_added_notify(observation_id=entry.object_id)


@outbox.handler(services.OBSERVATION_REVIEWED, queue="realtime")
def observation_reviewed(entry: OutboxEntry) -> None:
    observation_reviewed_notify(observation_id=entry.object_id)
