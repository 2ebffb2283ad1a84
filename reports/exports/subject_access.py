"""What a subject-access export holds: everything the platform keeps about a parent and their
children at the school the data request was made to, one JSON file per kind of record.

Scope, and why:
- The school the request was made to answers it, and its data protection lead can download the
  export: so records of other schools (messages, payments, audit entries in another school's
  chain) are left out; the person asks each school. Their own sign-in history and platform-wide
  audit entries (no school) are theirs wherever they happened, and are in.
- Children: the one child the request is about, or else every child of theirs at that school
  with viewing rights.
- Another family's data never enters: every query starts from the requester or their children.
- Safeguarding audit entries are left out: telling a family that a safeguarding lead is looking
  at a concern may put a child at risk; the data protection lead decides on that exemption.
- Mood check-ins are kept by the parents' dashboard, which reports may not read (layers): they
  are not in the export (the lead decides how they are added).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import policies as people
from accounts.models import (
    AuditEntry,
    ConsentChange,
    ConsentRecord,
    DataRequest,
    Guardianship,
    LoginAttempt,
    Membership,
    Pupil,
    User,
)
from finance.models import AccountMember, LedgerEntry, Payment
from messaging.models import Message, Notification, Participant, StoredTranslation
from progress.models import Goal, GoalUpdate

LEFT_OUT_AUDIT_PREFIXES = ("safeguarding.",)


@dataclass(frozen=True)
class Scope:
    subject: User
    data_request: DataRequest

    @property
    def school_id(self) -> int:
        return self.data_request.school_id

    def children(self):
        if self.data_request.pupil_id:
            return Pupil.objects.filter(pk=self.data_request.pupil_id)
        return people.children_of(self.subject).filter(school_id=self.school_id)


def _user_row(user: User) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.display_name,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
        "simplified_interface": user.simplified_interface,
        "joined": user.date_joined,
        "last_sign_in": user.last_login,
        "active": user.is_active,
    }


def profile(scope: Scope) -> list[dict]:
    row = _user_row(scope.subject)
    row["staff_roles"] = list(
        Membership.objects.filter(user=scope.subject, school_id=scope.school_id).values(
            "role", "job_title", "is_active", "created_at"
        )
    )
    return [row]


def children(scope: Scope) -> list[dict]:
    return list(
        scope.children()
        .order_by("pk")
        .values(
            "id",
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "year_group",
            "upn",
            "send_status",
            "send_needs",
            "home_languages",
            "left_at",
            "created_at",
        )
    )


def guardianships(scope: Scope) -> list[dict]:
    links = Guardianship.objects.filter(guardian=scope.subject, pupil__in=scope.children()).select_related("scope")
    rows = []
    for link in links.order_by("pk"):
        scope_row = getattr(link, "scope", None)
        rows.append(
            {
                "id": link.pk,
                "child_id": link.pupil_id,
                "relationship": link.relationship,
                "parental_responsibility": link.parental_responsibility,
                "viewing_rights": link.can_view,
                "primary_contact": link.is_primary_contact,
                "status": link.status,
                "invited_at": link.invited_at,
                "activated_at": link.activated_at,
                "may_see": (
                    {name: getattr(scope_row, name) for name in ("progress", "messages", "finance", "reports")}
                    if scope_row is not None
                    else "everything"
                ),
            }
        )
    return rows


def messages(scope: Scope) -> list[dict]:
    """Messages they sent, and messages sent in conversations they take part in, each with its
    original text and every stored translation of it."""
    subject = scope.subject
    conversations = Participant.objects.filter(user=subject).values("conversation_id")
    found = (
        Message.objects.filter(conversation__school_id=scope.school_id)
        .filter(Q(sender=subject) | Q(conversation_id__in=conversations, status=Message.Status.SENT))
        .select_related("conversation", "sender")
        .order_by("pk")
    )
    found = list(found)
    translations: dict[int, list[dict]] = {}
    content_type = ContentType.objects.get_for_model(Message)
    for row in StoredTranslation.objects.filter(
        content_type=content_type, object_id__in=[message.pk for message in found]
    ).order_by("pk"):
        translations.setdefault(row.object_id, []).append(
            {
                "language": row.language,
                "text": row.body,
                "engine": row.engine,
                "from_language": row.source_language,
                "checked_by_a_person": row.checked_at is not None,
                "made_at": row.created_at,
            }
        )
    return [
        {
            "id": message.pk,
            "conversation_id": message.conversation_id,
            "conversation_subject": message.conversation.subject,
            "child_id": message.conversation.pupil_id,
            "from": message.sender.display_name,
            "sent_by_you": message.sender_id == subject.pk,
            "original_text": message.body,
            "written_in": message.language,
            "status": message.status,
            "sent_at": message.sent_at,
            "edited_at": message.edited_at,
            "retracted_at": message.retracted_at,
            "translations": translations.get(message.pk, []),
        }
        for message in found
    ]


def goals(scope: Scope) -> list[dict]:
    found = list(Goal.objects.live().filter(pupil__in=scope.children()).order_by("pk"))
    updates: dict[int, list[dict]] = {}
    for update in (
        GoalUpdate.objects.live().filter(goal__in=[goal.pk for goal in found]).select_related("author").order_by("pk")
    ):
        updates.setdefault(update.goal_id, []).append(
            {
                "id": update.pk,
                "from": update.side,
                "by": update.author.display_name,
                "note": update.note,
                "progress": update.progress,
                "file": update.original_name,
                "at": update.created_at,
            }
        )
    return [
        {
            "id": goal.pk,
            "child_id": goal.pupil_id,
            "title": goal.title,
            "description": goal.description,
            "category": goal.category,
            "owner": goal.owner,
            "status": goal.status,
            "target_date": goal.target_date,
            "home_support": goal.home_support,
            "school_support": goal.school_support,
            "created_at": goal.created_at,
            "completed_at": goal.completed_at,
            "updates": updates.get(goal.pk, []),
        }
        for goal in found
    ]


def consents(scope: Scope) -> list[dict]:
    return list(
        ConsentRecord.objects.filter(pupil__in=scope.children())
        .order_by("pupil_id", "data_kind", "recipient")
        .values("id", "pupil_id", "data_kind", "recipient", "given", "expires_at", "reason", "created_at", "updated_at")
    )


def consent_history(scope: Scope) -> list[dict]:
    rows = ConsentChange.objects.filter(pupil__in=scope.children()).select_related("performed_by").order_by("pk")
    return [
        {
            "id": change.pk,
            "child_id": change.pupil_id,
            "data_kind": change.data_kind,
            "recipient": change.recipient,
            "what_happened": change.action,
            "before": change.old_value,
            "after": change.new_value,
            "ends": change.expires_at,
            "reason": change.reason,
            # Only the requester's own address and browser: another guardian's are theirs.
            "by": change.performed_by.display_name if change.performed_by_id else "",
            "ip_address": change.ip_address if change.performed_by_id == scope.subject.pk else "",
            "browser": change.user_agent if change.performed_by_id == scope.subject.pk else "",
            "at": change.created_at,
        }
        for change in rows
    ]


def _accounts(scope: Scope):
    return AccountMember.objects.filter(pupil__in=scope.children(), account__school_id=scope.school_id).values(
        "account_id"
    )


def payments(scope: Scope) -> list[dict]:
    return list(
        Payment.objects.filter(account_id__in=_accounts(scope))
        .order_by("pk")
        .values(
            "id",
            "account_id",
            "method",
            "purpose",
            "amount",
            "currency",
            "phone",
            "status",
            "failure_reason",
            "mpesa_receipt",
            "receipt_number",
            "created_at",
            "settled_at",
        )
    )


def ledger(scope: Scope) -> list[dict]:
    return list(
        LedgerEntry.objects.filter(account_id__in=_accounts(scope))
        .order_by("pk")
        .values("id", "account_id", "kind", "purpose", "amount", "currency", "payment_id", "created_at")
    )


def sign_ins(scope: Scope) -> list[dict]:
    return list(
        LoginAttempt.objects.filter(user=scope.subject)
        .order_by("pk")
        .values("id", "created_at", "outcome", "ip_address", "user_agent", "town")
    )


def audit_entries(scope: Scope) -> list[dict]:
    subject = scope.subject
    child_ids = [str(pk) for pk in scope.children().values_list("pk", flat=True)]
    request_ids = [str(pk) for pk in DataRequest.objects.filter(requester=subject).values_list("pk", flat=True)]
    about = (
        Q(actor_id=subject.pk)
        | Q(target_type=User._meta.label_lower, target_id=str(subject.pk))
        | Q(target_type=Pupil._meta.label_lower, target_id__in=child_ids)
        | Q(target_type=DataRequest._meta.label_lower, target_id__in=request_ids)
    )
    entries = AuditEntry.objects.filter(about).filter(Q(school_id=scope.school_id) | Q(school_id__isnull=True))
    for prefix in LEFT_OUT_AUDIT_PREFIXES:
        entries = entries.exclude(action__startswith=prefix)
    return list(
        entries.order_by("pk").values(
            "id", "created_at", "actor_label", "action", "target_type", "target_id", "target_label", "details"
        )
    )


def notifications(scope: Scope) -> list[dict]:
    return [
        {
            "id": notification.pk,
            "kind": notification.kind,
            "child_id": notification.pupil_id,
            "title": notification.title,
            "text": notification.body,
            "created_at": notification.created_at,
            "read_at": notification.read_at,
            "emailed_at": notification.emailed_at,
            "texted_at": notification.texted_at,
        }
        for notification in Notification.objects.filter(user=scope.subject).order_by("pk")
    ]


def data_requests(scope: Scope) -> list[dict]:
    return list(
        DataRequest.objects.filter(requester=scope.subject, school_id=scope.school_id)
        .order_by("pk")
        .values("id", "kind", "details", "status", "received_at", "due_on", "answer", "answered_at")
    )


@dataclass(frozen=True)
class Kind:
    filename: str
    label: object  # a lazy translation
    collect: Callable[[Scope], list[dict]]


KINDS = [
    Kind("profile.json", _("Your profile"), profile),
    Kind("children.json", _("Your children"), children),
    Kind("guardianships.json", _("Your links to your children (guardianships)"), guardianships),
    Kind("messages.json", _("Messages you sent or received, with originals and translations"), messages),
    Kind("goals.json", _("Goals and their updates"), goals),
    Kind("consents.json", _("Consents"), consents),
    Kind("consent_history.json", _("Consent history"), consent_history),
    Kind("payments.json", _("Payments"), payments),
    Kind("ledger.json", _("Account ledger entries"), ledger),
    Kind("sign_ins.json", _("Sign-in history"), sign_ins),
    Kind("audit.json", _("Audit log entries about you and your children"), audit_entries),
    Kind("notifications.json", _("Notifications"), notifications),
    Kind("data_requests.json", _("Your data requests"), data_requests),
]
SUMMARY_NAME = "summary.pdf"


def register_kind(filename: str, label, collect: Callable[[Scope], list[dict]]) -> None:
    """Let an app above reports add its own records to the export (the parents' dashboard adds
    mood check-ins): reports never imports it. Registering a file name twice keeps the first."""
    if all(kind.filename != filename for kind in KINDS):
        KINDS.append(Kind(filename, label, collect))
