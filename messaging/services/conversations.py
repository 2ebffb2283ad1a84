"""Starting, closing and reopening conversations."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts import policies as people
from accounts.models import Pupil, School, User
from hub import outbox
from messaging import policies
from messaging.models import Conversation, Participant
from messaging.services import MessagingError, delivery
from messaging.services.messages import message_already_sent, message_send

Kind = Conversation.Kind


@transaction.atomic
def conversation_start(
    *,
    starter: User,
    kind: str,
    subject: str,
    body: str,
    recipient_ids: Iterable[int] = (),
    pupil: Pupil | None = None,
    school: School | None = None,
    attachments=(),
    send_at=None,
    template_key: str = "",
    client_key: str = "",
) -> Conversation:
    """Open a conversation of `kind` with the chosen people and send its first message.

    The starter may choose only among `policies.recipients_reachable` (a support conversation
    goes to the whole school office, whatever was chosen). Raises PermissionDenied when the
    starter may not start this kind of conversation, MessagingError on a bad choice of people.
    A second submit of the same form (same `client_key`) returns the conversation the first one
    started.
    """
    if client_key and (earlier := message_already_sent(sender=starter, client_key=client_key)) is not None:
        return earlier.conversation
    if kind not in Kind.values:
        raise PermissionDenied
    if pupil is not None:
        school = pupil.school
    if not policies.can_start_conversation(user=starter, kind=kind, pupil=pupil, school=school):
        raise PermissionDenied
    reachable = policies.recipients_reachable(user=starter, kind=kind, pupil=pupil, school=school)
    reachable_ids = set(reachable.values_list("pk", flat=True))
    if kind == Kind.SUPPORT:
        chosen = reachable_ids
        if not chosen:
            raise MessagingError(_("The school office is not taking messages on Homeroom yet."))
    else:
        chosen = {int(pk) for pk in recipient_ids}
        if not chosen:
            raise MessagingError(_("Choose who to write to."))
        if not chosen <= reachable_ids:
            raise MessagingError(_("You can only write to the people listed."))
        if policies.recipients_need_a_guardian(user=starter, kind=kind, pupil=pupil) and not set(
            people.guardians_with_viewing_rights(pupil).filter(pk__in=chosen).values_list("pk", flat=True)
        ):
            raise MessagingError(_("Choose at least one parent or carer."))
    subject = (subject or "").strip()
    if not subject:
        raise MessagingError(_("Give the conversation a subject."))
    now = timezone.now()
    conversation = Conversation.objects.create(
        school=school, pupil=pupil, kind=kind, subject=subject[:200], created_by=starter, created_at=now
    )
    Participant.objects.bulk_create(
        [Participant(conversation=conversation, user_id=pk, joined_at=now) for pk in sorted(chosen | {starter.pk})]
    )
    audit.record(
        actor=starter,
        action="conversation.started",
        target=conversation,
        school=school,
        kind=kind,
        pupil_id=getattr(pupil, "pk", None),
        participants=sorted(chosen | {starter.pk}),
    )
    message_send(
        sender=starter,
        conversation=conversation,
        body=body,
        attachments=attachments,
        send_at=send_at,
        template_key=template_key,
        client_key=client_key,
    )
    return conversation


def _set_closed(*, user: User, conversation: Conversation, closed: bool) -> Conversation:
    if not policies.can_close_conversation(user=user, conversation=conversation):
        raise PermissionDenied
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.is_closed == closed:
        return conversation
    conversation.closed_at = timezone.now() if closed else None
    conversation.closed_by = user if closed else None
    conversation.save(update_fields=["closed_at", "closed_by"])
    audit.record(
        actor=user,
        action="conversation.closed" if closed else "conversation.reopened",
        target=conversation,
        school=conversation.school_id,
    )
    # One entry per change (its time in the key): open pages are told the state as it is when the push goes.
    changed = conversation.closed_at or timezone.now()
    outbox.record(
        delivery.CLOSED_PUSH,
        target=conversation,
        key=f"{'closed' if closed else 'reopened'}:{changed.isoformat()}",
    )
    return conversation


@transaction.atomic
def conversation_close(*, user: User, conversation: Conversation) -> Conversation:
    """Staff end a conversation: nobody can write in it until it is reopened; nothing is removed."""
    return _set_closed(user=user, conversation=conversation, closed=True)


@transaction.atomic
def conversation_reopen(*, user: User, conversation: Conversation) -> Conversation:
    return _set_closed(user=user, conversation=conversation, closed=False)


def is_family_writer(*, user: User, conversation: Conversation) -> bool:
    """Whether `user` writes as a family (not staff) in this conversation: they get contact-hours notices."""
    return not people.is_staff_at(user=user, school=conversation.school_id)


@transaction.atomic
def conversation_mute(*, user: User, conversation: Conversation, muted: bool) -> Participant:
    """Mute (or unmute) a conversation for one participant: it stays in their inbox with its unread
    count, but its new messages send them no notification. Only a current participant may, and
    only for themselves; raises PermissionDenied otherwise."""
    participant = (
        Participant.objects.select_for_update()
        .filter(conversation=conversation, user=user, left_at__isnull=True)
        .first()
    )
    if participant is None or not policies.can_view_conversation(user=user, conversation=conversation):
        raise PermissionDenied
    if (participant.muted_at is not None) == muted:
        return participant
    participant.muted_at = timezone.now() if muted else None
    participant.save(update_fields=["muted_at"])
    audit.record(
        actor=user,
        action="conversation.muted" if muted else "conversation.unmuted",
        target=conversation,
        school=conversation.school_id,
    )
    return participant
