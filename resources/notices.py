"""Telling people what waits for them in the library, and what was decided (`hub.outbox` contract).

Each notice is recorded as an outbox entry in the transaction of the write it follows from (a
family's suggestion, a request to share a sensitive resource beyond the school, a decision on
either), so a rolled-back write announces nothing and a committed one is announced even if the
worker dies. Recipients are computed when the handler runs, from memberships and access at that
moment: a moderator or leader who lost the role a second ago is not told, and nothing is
announced about what was decided meanwhile. Whoever already has the notice is skipped, so a
repeated run tells nobody twice.
"""

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import policies as people
from accounts.models import Role, User
from hub import outbox
from hub.models import OutboxEntry
from messaging.models import Notification
from messaging.notifications import notify
from messaging.notifications.kinds import DAILY, INSTANT, OFF, NotificationKind
from messaging.notifications.targets import label_of
from resources.models import ApprovalStatus, Resource, ShareApproval, Status
from resources.policies import MODERATOR_ROLES, moderates_a_school, resources_visible_to, share_requests_notified_to

SUGGESTION_WAITING = "resources.suggestion_waiting"
SUGGESTION_DECIDED = "resources.suggestion_decided"
SHARE_REQUESTED = "resources.share_requested"
SHARE_DECIDED = "resources.share_decided"

# The kinds (resources.apps declares them): what waits for a moderator or leader, and what was
# decided about what a person suggested or asked to share.
TO_DECIDE_KIND = "library_to_decide"
DECIDED_KIND = "library_decided"


def notification_kinds() -> list[NotificationKind]:
    return [
        # To SENDCOs and school leaders (a daily email by default: nothing here is urgent).
        NotificationKind(
            name=TO_DECIDE_KIND,
            label=_("Resource library: suggestions and sharing requests to decide"),
            defaults={"email": DAILY, "sms": OFF},
            per_child=False,
            offered_to=moderates_a_school,
        ),
        # To the family who suggested a strategy, and the colleague who asked to share.
        NotificationKind(
            name=DECIDED_KIND,
            label=_("Resource library: decisions on what you suggested or asked to share"),
            defaults={"email": INSTANT, "sms": OFF},
            per_child=False,
        ),
    ]


def _already_told(*, kind: str, target) -> set[int]:
    return set(
        Notification.objects.filter(kind=kind, target_type=label_of(target), target_id=target.pk).values_list(
            "user_id", flat=True
        )
    )


def _tell(*, people_ids, kind: str, target, title, url: str, sees) -> int:
    """Notify each active person among `people_ids` not told yet about `target` who `sees(person)`."""
    told = _already_told(kind=kind, target=target)
    sent = 0
    for person in User.objects.filter(pk__in=set(people_ids) - told, is_active=True).order_by("pk"):
        if not sees(person):
            continue
        notify(user=person, kind=kind, title=title, url=url, target=target)
        sent += 1
    return sent


def suggestion_waiting_notify(*, resource_id: int) -> int:
    """Tell the school's moderators (its SENDCOs and leaders now) that a family suggested a home
    strategy, while it still waits. Returns how many were told."""
    resource = Resource.objects.select_related("school").filter(pk=resource_id, deleted_at__isnull=True).first()
    if resource is None or resource.status != Status.MODERATION:
        return 0
    moderators = people.role_holders(*MODERATOR_ROLES, school=resource.school_id).values_list("pk", flat=True)
    return _tell(
        people_ids=moderators,
        kind=TO_DECIDE_KIND,
        target=resource,
        title=format_lazy(_("A parent suggested a home strategy: {title}"), title=resource.title),
        url=reverse("resources:suggestion", args=[resource.pk]),
        sees=lambda person: resources_visible_to(person).filter(pk=resource.pk).exists(),
    )


def share_requested_notify(*, approval_id: int) -> int:
    """Tell the school's leaders (now) that a colleague asks to share a sensitive resource beyond
    the school, while the request waits."""
    approval = ShareApproval.objects.select_related("resource").filter(pk=approval_id).first()
    if approval is None or approval.status != ApprovalStatus.PENDING or approval.resource.deleted_at:
        return 0
    leaders = people.role_holders(Role.LEADER, school=approval.resource.school_id).exclude(pk=approval.requested_by_id)
    return _tell(
        people_ids=leaders.values_list("pk", flat=True),
        kind=TO_DECIDE_KIND,
        target=approval,
        title=format_lazy(_("Sharing to approve: {title}"), title=approval.resource.title),
        url=reverse("resources:approvals"),
        sees=lambda person: share_requests_notified_to(person).filter(pk=approval.pk).exists(),
    )


def suggestion_decided_notify(*, resource_id: int) -> int:
    """Tell the family who suggested a strategy that it is published, or why it is not."""
    resource = Resource.objects.filter(pk=resource_id, from_family=True, deleted_at__isnull=True).first()
    if resource is None or resource.status not in (Status.PUBLISHED, Status.DECLINED):
        return 0
    if resource.status == Status.PUBLISHED:
        title = format_lazy(_("Your home strategy is published: {title}"), title=resource.title)
    else:
        title = format_lazy(_("Your home strategy was not published: {title}"), title=resource.title)
    return _tell(
        people_ids=[resource.author_id],
        kind=DECIDED_KIND,
        target=resource,
        title=title,
        url=reverse("resources:detail", args=[resource.pk]),
        sees=lambda person: resources_visible_to(person).filter(pk=resource.pk).exists(),
    )


def share_decided_notify(*, approval_id: int) -> int:
    """Tell the colleague who asked to share (and the resource's author) what a leader decided."""
    approval = ShareApproval.objects.select_related("resource").filter(pk=approval_id).first()
    if approval is None or approval.status == ApprovalStatus.PENDING:
        return 0
    title_text = (
        _("Sharing approved: {title}") if approval.status == ApprovalStatus.APPROVED else _("Sharing refused: {title}")
    )
    return _tell(
        people_ids=[approval.requested_by_id, approval.resource.author_id],
        kind=DECIDED_KIND,
        target=approval,
        title=format_lazy(title_text, title=approval.resource.title),
        url=reverse("resources:detail", args=[approval.resource_id]),
        sees=lambda person: share_requests_notified_to(person).filter(pk=approval.pk).exists(),
    )


@outbox.handler(SUGGESTION_WAITING, queue="default")
def suggestion_waiting(entry: OutboxEntry) -> None:
    suggestion_waiting_notify(resource_id=entry.object_id)


@outbox.handler(SHARE_REQUESTED, queue="default")
def share_requested(entry: OutboxEntry) -> None:
    share_requested_notify(approval_id=entry.object_id)


@outbox.handler(SUGGESTION_DECIDED, queue="default")
def suggestion_decided(entry: OutboxEntry) -> None:
    suggestion_decided_notify(resource_id=entry.object_id)


@outbox.handler(SHARE_DECIDED, queue="default")
def share_decided(entry: OutboxEntry) -> None:
    share_decided_notify(approval_id=entry.object_id)


def register_targets() -> None:
    """A notice about a resource or a sharing request is sent, and stays in the inbox, only while
    its recipient may still see what it is about."""
    from messaging.notifications import targets

    targets.register(Resource, resources_visible_to)
    targets.register(ShareApproval, share_requests_notified_to)
