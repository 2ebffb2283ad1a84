"""Keeping who takes part in a conversation in step with who may see it.

Called after a change to someone's rights commits (messaging.signals): a guardianship withdrawn,
a membership switched off or its role changed, a class's teachers or pupils changed, an account
deactivated. Deliveries never depend on this having run (they ask `policies.readers_of_conversation`
at the moment they go); it records the change for people (the participant is marked as left, with
an audit entry) and closes the person's open sockets at once, so their pages reconnect and show
only what they may still see.

When the right comes back (a guardianship restored, a membership switched on again), a
participation that ended *because* access was lost is resumed, with an audit entry: access
returns by the normal rules, and the person sees the conversation again, history included, as any
participant would. Someone who left for any other reason (removed in admin) stays out.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import User
from messaging import policies, realtime
from messaging.models import Participant

ACCESS_LOST = "access_lost"


@dataclass
class Revalidated:
    left: list[int] = field(default_factory=list)  # conversation ids the person no longer takes part in
    rejoined: list[int] = field(default_factory=list)  # conversation ids they take part in again


@transaction.atomic
def participations_revalidate(*, user_id: int) -> Revalidated:
    """Mark `user_id`'s participations they may no longer see as left, resume those left for lost
    access that they may see again, audit each, and (after commit) close their open sockets when
    anything was lost or the account is switched off. A fixed number of queries plus one audit
    entry per change. A deactivated account keeps its participations (reactivating it gives them
    back); its sockets close and no delivery reaches it meanwhile."""
    result = Revalidated()
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return result
    if not user.is_active:
        transaction.on_commit(lambda: realtime.close_user_sockets(user_id, code=realtime.SESSION_ENDED), robust=True)
        return result
    allowed = policies.conversations_allowed_for(user).values("pk")
    now = timezone.now()
    lost = list(
        Participant.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(user=user, left_at__isnull=True)
        .exclude(conversation__in=allowed)
    )
    regained = list(
        Participant.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(user=user, left_at__isnull=False, left_because=ACCESS_LOST, conversation__in=allowed)
    )
    if lost:
        Participant.objects.filter(pk__in=[p.pk for p in lost]).update(left_at=now, left_because=ACCESS_LOST)
    if regained:
        Participant.objects.filter(pk__in=[p.pk for p in regained]).update(left_at=None, left_because="")
    for participant, action in [(p, "conversation.access_lost") for p in lost] + [
        (p, "conversation.access_regained") for p in regained
    ]:
        audit.record(
            actor=None,
            action=action,
            target=participant.conversation,
            school=participant.conversation.school_id,
            user_id=user_id,
        )
    result.left = [p.conversation_id for p in lost]
    result.rejoined = [p.conversation_id for p in regained]
    if lost:
        transaction.on_commit(lambda: realtime.close_user_sockets(user_id, code=realtime.ACCESS_LOST), robust=True)
    return result
