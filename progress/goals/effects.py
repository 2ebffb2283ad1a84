"""Outbox handlers of this part (registered when progress.goals.plugin.ready() imports this)."""

from accounts.models import Pupil
from hub import outbox
from progress.goals import milestones, services


@outbox.handler(services.RECOGNISE)
def recognise_milestones(entry) -> None:
    """Recognise the target pupil's milestones: idempotent, so running again is harmless."""
    if Pupil.objects.filter(pk=entry.object_id).exists():
        milestones.recognise_milestones(entry.object_id)
