"""Who may see, start, write in and close conversations. The only place these rules live.

`access_*` returns the object or raises Http404 whatever the reason (a guessed id learns nothing);
`can_*` answers yes or no; `*_reachable_*` returns the people a starter may write to.
Every answer is read from the database on each call, so a revoked viewing right, a class change
or a deactivated membership takes effect on the next request.
"""

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from accounts import policies as people
from accounts.models import Guardianship, Membership, Pupil, Role, School, User
from hub.compiled_sql import padded, reused_objects, reused_sql
from messaging.models import Attachment, Conversation, Message, Participant, SafeguardingAlert

Kind = Conversation.Kind

# Staff a guardian may write to about their child besides the child's class teachers.
PUPIL_CONTACT_ROLES = frozenset({Role.SENDCO, Role.LEADER})
# Staff who answer the school office (support) conversations.
OFFICE_ROLES = frozenset({Role.SCHOOL_ADMIN})


# --- conversations -------------------------------------------------------------------------


def conversations_allowed_for(user: User) -> QuerySet[Conversation]:
    """Conversations whose rules let `user` see them, taking part or not (the rules alone).

    A guardian whose viewing rights were withdrawn, or a teacher who no longer teaches the pupil,
    loses the pupil's conversations at once; a member of staff who left the school loses its
    staff-only and office threads. `readers_of_conversation` is the same rules, read the other way.
    """
    if not user.is_authenticated:
        return Conversation.objects.none()
    staff_schools = Membership.objects.filter(user=user, is_active=True).values("school_id")
    pupils = people.pupils_visible_with_scope(user=user, scope="messages").values("pk")
    guardian_schools = Pupil.objects.filter(guardianships__guardian=user, guardianships__can_view=True).values(
        "school_id"
    )
    return Conversation.objects.filter(
        (Q(pupil__isnull=True) | Q(pupil__in=pupils))
        & (~Q(kind=Kind.STAFF_TEAM) | Q(school__in=staff_schools))
        & (~Q(kind=Kind.SUPPORT) | Q(school__in=staff_schools) | Q(school__in=guardian_schools))
    )


def conversations_visible_to(user: User) -> QuerySet[Conversation]:
    """Conversations `user` takes part in (and has not left) and still has the right to see."""
    if not user.is_authenticated:
        return Conversation.objects.none()
    return Conversation.objects.filter(pk__in=_visible_ids(user))


def _conversations_visible_to(user: User) -> QuerySet[Conversation]:
    """The rules of `conversations_visible_to`, as an ORM query (built anew on each call)."""
    mine = Participant.objects.filter(user=user, left_at__isnull=True).values("conversation_id")
    return conversations_allowed_for(user).filter(pk__in=mine)


# The rules above and below are compiled to SQL once per process and reused with the ids as
# parameters (hub.compiled_sql): building them through the ORM costs about 3 ms each.


def _visible_ids(user: User) -> RawSQL | QuerySet:
    return reused_sql(
        user.pk, shape=("visible",), build=lambda user_id: _conversations_visible_to(User(pk=user_id)).values("pk")
    )


def readers_of_conversation(conversation: Conversation) -> QuerySet[User]:
    """Everyone who may read `conversation` now: active participants who have not left and who pass
    the rules of `conversations_visible_to`. One query however many take part.

    Every push, notification, typing, receipt and "closed" event is addressed from this set at the
    moment it is delivered, never from a list kept earlier, so rights withdrawn a second ago mean
    nothing new arrives.
    """
    kind, about_a_pupil = conversation.kind, conversation.pupil_id is not None

    def build(conversation_id: int, school_id: int, pupil_id: int | None = None) -> QuerySet:
        stand_in = Conversation(pk=conversation_id, school_id=school_id, pupil_id=pupil_id, kind=kind)
        return _readers_of_conversation(stand_in).values("pk")

    ids = [conversation.pk, conversation.school_id] + ([conversation.pupil_id] if about_a_pupil else [])
    readers = reused_sql(*ids, shape=("readers", kind, about_a_pupil), build=build)
    return User.objects.filter(pk__in=readers).order_by("pk")


def readers_among(*, conversation: Conversation, user_ids) -> list[User]:
    """Those of `user_ids` who may read `conversation` now (`readers_of_conversation`), by id: one
    query, decided from current rows, its SQL compiled once per process (after every read, the
    senders its receipts go to; at every notification sent, who may still be told)."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return []
    kind, about_a_pupil = conversation.kind, conversation.pupil_id is not None
    conversation_ids = [conversation.pk, conversation.school_id] + ([conversation.pupil_id] if about_a_pupil else [])
    among = padded(user_ids)

    def build(*ids: int) -> QuerySet[User]:
        conversation_id, school_id, pupil_id = ids[0], ids[1], ids[2] if about_a_pupil else None
        stand_in = Conversation(pk=conversation_id, school_id=school_id, pupil_id=pupil_id, kind=kind)
        return readers_of_conversation(stand_in).filter(pk__in=ids[len(conversation_ids) :])

    return reused_objects(
        User, *conversation_ids, *among, shape=("readers.among", kind, about_a_pupil, len(among)), build=build
    )


def _readers_of_conversation(conversation: Conversation) -> QuerySet[User]:
    """The rules of `readers_of_conversation`, as an ORM query (built anew on each call)."""
    readers = User.objects.filter(
        is_active=True,
        pk__in=Participant.objects.filter(conversation_id=conversation.pk, left_at__isnull=True).values("user_id"),
    )
    if conversation.pupil_id is not None:
        readers = readers.filter(
            pk__in=people.people_who_see_pupil_with_scope(pupil=conversation.pupil_id, scope="messages").values("pk")
        )
    staff_here = Membership.objects.filter(school_id=conversation.school_id, is_active=True).values("user_id")
    if conversation.kind == Kind.STAFF_TEAM:
        readers = readers.filter(pk__in=staff_here)
    elif conversation.kind == Kind.SUPPORT:
        families_here = Guardianship.objects.filter(pupil__school_id=conversation.school_id, can_view=True).values(
            "guardian_id"
        )
        readers = readers.filter(Q(pk__in=staff_here) | Q(pk__in=families_here))
    return readers


def access_conversation(*, user: User, conversation_id: int, for_update: bool = False) -> Conversation:
    """The conversation if `user` takes part in it; otherwise Http404, whatever the reason. Decided
    from current rows at every call; its SQL (the rules and the conversation with its school and
    pupil) is compiled once per process, as every page and post in a conversation asks it."""
    try:
        conversation_id = int(conversation_id)
    except (ValueError, TypeError):
        raise Http404 from None
    if not user.is_authenticated or not 0 < conversation_id < 2**63:
        raise Http404

    def build(user_id: int, conversation_id: int) -> QuerySet[Conversation]:
        return Conversation.objects.filter(
            pk=conversation_id, pk__in=_conversations_visible_to(User(pk=user_id)).values("pk")
        ).order_by()

    found = reused_objects(
        Conversation, user.pk, conversation_id, shape=("access_conversation",), build=build, related=("school", "pupil")
    )
    if not found:
        raise Http404
    conversation = found[0]
    if for_update:
        conversation = people.locked(conversation, "school", "pupil")
    return conversation


def can_view_conversation(*, user: User, conversation: Conversation | int) -> bool:
    """Whether `user` takes part in `conversation` and may see it (one query)."""
    return conversations_visible_to(user).filter(pk=getattr(conversation, "pk", conversation)).exists()


def can_post_in(*, user: User, conversation: Conversation) -> bool:
    """Participants may write while the conversation is open."""
    return not conversation.is_closed and can_view_conversation(user=user, conversation=conversation)


def is_staff_side(*, user: User, conversation: Conversation) -> bool:
    """Whether `user` is active staff at the conversation's school (`people.is_staff_at`: one
    query, its SQL compiled once per process; every thread page asks)."""
    return people.is_staff_at(user=user, school=conversation.school_id)


def can_close_conversation(*, user: User, conversation: Conversation) -> bool:
    """Staff taking part may close (and reopen) a conversation; families may not."""
    return is_staff_side(user=user, conversation=conversation) and can_view_conversation(
        user=user, conversation=conversation
    )


# --- messages and attachments ---------------------------------------------------------------


def access_message(*, user: User, message_id: int, for_update: bool = False) -> Message:
    """A sent message (or the viewer's own scheduled one) in a conversation `user` may see."""
    try:
        message = (
            Message.objects.filter(conversation__in=conversations_visible_to(user))
            .filter(Q(status=Message.Status.SENT) | Q(sender=user))
            .select_related("conversation", "conversation__school")
            .get(pk=message_id)
        )
    except (Message.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(message, "conversation", "conversation__school") if for_update else message


def access_own_scheduled_message(*, user: User, message_id: int, for_update: bool = False) -> Message:
    """A message `user` scheduled and that has not gone yet; otherwise Http404."""
    message = access_message(user=user, message_id=message_id, for_update=for_update)
    if message.sender_id != user.pk or message.status != Message.Status.SCHEDULED:
        raise Http404
    return message


def access_attachment(*, user: User, attachment_id: int, for_update: bool = False) -> Attachment:
    """An attachment of a visible, not retracted message; otherwise Http404."""
    try:
        attachment = (
            Attachment.objects.filter(
                message__conversation__in=conversations_visible_to(user), message__retracted_at__isnull=True
            )
            .filter(Q(message__status=Message.Status.SENT) | Q(message__sender=user))
            .get(pk=attachment_id)
        )
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(attachment) if for_update else attachment


def can_retract_message(*, user: User, message: Message) -> bool:
    """The sender only (the window is checked by the service, which knows the school's setting)."""
    return message.sender_id == user.pk and message.status == Message.Status.SENT and not message.is_retracted


# --- who may start what with whom ----------------------------------------------------------


def can_start_conversation(*, user: User, kind: str, pupil: Pupil | None = None, school: School | None = None) -> bool:
    """Whether `user` may start a conversation of `kind` (about `pupil`, or with `school`'s office)."""
    if not user.is_authenticated:
        return False
    if kind == Kind.GUARDIAN_STAFF:
        return pupil is not None and (
            people.is_guardian_of(user=user, pupil=pupil) or people.teaches_or_supports(user=user, pupil=pupil)
        )
    if kind == Kind.STAFF_TEAM:
        return pupil is not None and people.teaches_or_supports(user=user, pupil=pupil)
    if kind == Kind.FAMILY:
        return pupil is not None and people.is_guardian_of(user=user, pupil=pupil)
    if kind == Kind.SUPPORT:
        return school is not None and people.children_of(user).filter(school=school).exists()
    return False


def recipients_reachable(*, user: User, kind: str, pupil: Pupil | None = None, school: School | None = None):
    """The people `user` may add to a new conversation of `kind`; empty when they may not start one.

    - guardian → staff about their child: class teachers, SENDCO, leaders;
    - staff → a pupil's guardians with viewing rights (each may be in a separate conversation),
      and colleagues who teach or support the pupil;
    - staff team: colleagues who teach or support the pupil;
    - family: the child's other guardians with viewing rights;
    - support: the school office (fixed; the starter does not choose).
    """
    if not can_start_conversation(user=user, kind=kind, pupil=pupil, school=school):
        return User.objects.none()
    if kind == Kind.GUARDIAN_STAFF:
        if people.is_guardian_of(user=user, pupil=pupil):
            found = people.staff_who_teach_or_support(pupil=pupil, roles=PUPIL_CONTACT_ROLES)
        else:
            found = User.objects.filter(
                Q(pk__in=people.guardians_with_viewing_rights(pupil).values("pk"))
                | Q(pk__in=people.staff_who_teach_or_support(pupil=pupil).values("pk"))
            )
    elif kind == Kind.STAFF_TEAM:
        found = people.staff_who_teach_or_support(pupil=pupil)
    elif kind == Kind.FAMILY:
        found = people.guardians_with_viewing_rights(pupil)
    else:
        found = people.role_holders(*OFFICE_ROLES, school=school)
    return found.exclude(pk=user.pk).order_by("display_name")


def recipients_need_a_guardian(*, user: User, kind: str, pupil: Pupil | None) -> bool:
    """Staff writing to a family must include at least one guardian."""
    return kind == Kind.GUARDIAN_STAFF and pupil is not None and not people.is_guardian_of(user=user, pupil=pupil)


# --- safeguarding --------------------------------------------------------------------------


def safeguarding_school_ids(user: User) -> list[int]:
    """Schools where `user` is the designated safeguarding lead (a deputy holds the same role)."""
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user, is_active=True, role=Role.DSL).values_list("school_id", flat=True))


def alerts_visible_to(user: User) -> QuerySet[SafeguardingAlert]:
    """Alerts of the schools where `user` is DSL now (a subquery: building it costs no query)."""
    if not user.is_authenticated:
        return SafeguardingAlert.objects.none()
    dsl_schools = Membership.objects.filter(user=user, is_active=True, role=Role.DSL).values("school_id")
    return SafeguardingAlert.objects.filter(school_id__in=dsl_schools)


def access_safeguarding_alert(*, user: User, alert_id: int, for_update: bool = False) -> SafeguardingAlert:
    """An alert of a school where `user` is the designated safeguarding lead; otherwise Http404."""
    try:
        alert = alerts_visible_to(user).select_related("message", "message__conversation").get(pk=alert_id)
    except (SafeguardingAlert.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(alert, "message", "message__conversation") if for_update else alert
