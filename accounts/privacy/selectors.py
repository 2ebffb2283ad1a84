"""Reads for the privacy pages, filtered by the acting user (the policies decide who opens them)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import policies as people
from accounts.models import AuditEntry, ClassGroup, DataRequest, Guardianship, Membership, Pupil, Role, User
from accounts.privacy import policies
from accounts.privacy.services import SEND_VIEWED

# Why someone holding a role sees a child, in the words a family reads. Each whole-school role
# (accounts.policies.WHOLE_SCHOOL_ROLES) must have a sentence here.
ROLE_REASONS = {
    Role.SENDCO: _("SENDCO, the special educational needs coordinator (sees every pupil at the school)"),
    Role.DSL: _("Designated safeguarding lead (sees every pupil at the school, to keep children safe)"),
    Role.LEADER: _("School leader (sees every pupil at the school)"),
    Role.SCHOOL_ADMIN: _("School office (sees every pupil at the school, to keep records up to date)"),
    Role.DPL: _("Data protection lead (sees the data requests made about this child, to answer them)"),
}
ROLE_ORDER = [Role.TEACHER, Role.SENDCO, Role.DSL, Role.LEADER, Role.SCHOOL_ADMIN, Role.DPL]


@dataclass
class Person:
    """Someone with access to the child, and every reason why (most people have one)."""

    user_id: int
    name: str
    reasons: list = field(default_factory=list)
    is_you: bool = False
    order: int = 99


@dataclass
class WhoCanSee:
    family: list[Person]
    staff: list[Person]
    child: Person | None


def _hidden_from_family(guardianships: QuerySet[Guardianship]) -> QuerySet[Guardianship]:
    """The school's "no contact rights" marker (a court order): a person the school has restricted
    is never listed to anyone, and never learns they were (the mark also switches viewing rights
    off, so `guardians_with_viewing_rights` leaves them out already; this holds if it ever did not)."""
    return guardianships.filter(no_contact=False)


def who_can_see(*, viewer: User, pupil: Pupil) -> WhoCanSee:
    """Every person with access to `pupil` now, and why, from the same rules that grant it
    (accounts.policies): guardians with viewing rights, staff who teach the child through a class,
    staff whose role sees every pupil, the school's data protection leads (requests only), and the
    child's own sign-in. Other families never appear. Four queries, whatever the numbers of people.

    `pupil` comes from `policies.access_child_privacy` (with its school and own sign-in loaded)."""
    guardians = people.guardians_with_viewing_rights(pupil)
    staff = people.staff_who_teach_or_support(pupil=pupil)
    links = _hidden_from_family(
        Guardianship.objects.filter(pupil=pupil, guardian__in=guardians).select_related("guardian")
    )
    family = [
        Person(
            user_id=link.guardian_id,
            name=link.guardian.display_name,
            reasons=[_("%(relationship)s, has viewing rights") % {"relationship": link.get_relationship_display()}],
            is_you=link.guardian_id == viewer.pk,
            order=0 if link.guardian_id == viewer.pk else 1,
        )
        for link in links
    ]
    found: dict[int, Person] = {}

    def person(user: User) -> Person:
        return found.setdefault(user.pk, Person(user_id=user.pk, name=user.display_name))

    active_staff = Prefetch(
        "staff", queryset=User.objects.filter(pk__in=staff.values("pk")).order_by("display_name"), to_attr="teachers"
    )
    for group in ClassGroup.objects.filter(pupils=pupil).prefetch_related(active_staff).order_by("name"):
        for user in group.teachers:
            person(user).reasons.append(_("Class teacher of %(class)s") % {"class": group.name})
            person(user).order = min(person(user).order, 0)
    memberships = (
        Membership.objects.filter(school_id=pupil.school_id, is_active=True, user__is_active=True)
        .filter(Q(user__in=staff.values("pk"), role__in=people.WHOLE_SCHOOL_ROLES) | Q(role=Role.DPL))
        .select_related("user")
    )
    for membership in memberships:
        entry = person(membership.user)
        entry.reasons.append(ROLE_REASONS.get(membership.role, membership.get_role_display()))
        entry.order = min(entry.order, ROLE_ORDER.index(membership.role) if membership.role in ROLE_ORDER else 98)
    for entry in found.values():
        entry.reasons.sort(key=str)
    child = None
    if pupil.user_id and pupil.user.is_active:
        child = Person(
            user_id=pupil.user_id,
            name=pupil.full_name,
            reasons=[_("Their own sign-in (their goals, reflections and portfolio)")],
        )
    return WhoCanSee(
        family=sorted(family, key=lambda p: (p.order, p.name)),
        staff=sorted(found.values(), key=lambda p: (p.order, p.name)),
        child=child,
    )


@dataclass(frozen=True)
class Look:
    name: str
    roles: str
    at: datetime.datetime


LOOKS_SHOWN = 50


def send_looks_at(*, pupil: Pupil, limit: int = LOOKS_SHOWN) -> list[Look]:
    """The newest staff views of the child's SEND information (the audit log's "pupil.send_viewed"
    entries), with who, in which role, and when. One query.

    Safeguarding views are never listed here: a family must not learn from Homeroom that the DSL
    is looking at a concern about their child (the concern may be about someone at home, and
    telling them could put the child at risk). Those entries stay in the audit log, where the
    school's admins and the operators read them."""
    entries = AuditEntry.objects.filter(
        action=SEND_VIEWED,
        target_type=Pupil._meta.label_lower,
        target_id=str(pupil.pk),
        school_id=pupil.school_id,
    ).order_by("-created_at", "-id")[:limit]
    looks = []
    for entry in entries:
        roles = [str(_role_label(role)) for role in entry.details.get("roles", [])]
        looks.append(
            Look(name=entry.details.get("name") or _("A member of staff"), roles=", ".join(roles), at=entry.created_at)
        )
    return looks


def _role_label(role: str):
    if role == "operator":
        return _("Homeroom support")
    try:
        return Role(role).label
    except ValueError:
        return role


# --- data requests -----------------------------------------------------------------------------


def requests_made_by(user: User) -> QuerySet[DataRequest]:
    """The person's own data requests, newest first, with their school and child."""
    return DataRequest.objects.filter(requester=user).select_related("school", "pupil").order_by("-received_at", "-id")


def requests_about_child(*, user: User, pupil: Pupil) -> QuerySet[DataRequest]:
    return requests_made_by(user).filter(pupil=pupil)


@dataclass(frozen=True)
class QueueRow:
    request: DataRequest
    days_left: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def overdue_by(self) -> int:
        return max(0, -self.days_left)


def queue_for(user: User) -> tuple[list[QueueRow], QuerySet[DataRequest]]:
    """The data protection lead's queue at their schools: open requests, overdue first then the
    nearest deadline (days left counted on each school's calendar), and the latest closed ones.
    Two queries."""
    mine = DataRequest.objects.filter(school_id__in=policies.dpl_school_ids(user)).select_related(
        "school", "pupil", "requester"
    )
    open_rows = []
    for data_request in mine.filter(status__in=DataRequest.OPEN).order_by("due_on", "received_at", "id"):
        open_rows.append(QueueRow(request=data_request, days_left=days_left(data_request)))
    closed = mine.filter(status__in=DataRequest.CLOSED).order_by("-answered_at", "-id")[:25]
    return open_rows, closed


def school_today(school) -> datetime.date:
    """Today on the school's calendar (deadlines are dates there)."""
    return timezone.now().astimezone(school.zone).date()


def days_left(data_request: DataRequest) -> int:
    """Days until the request's deadline on its school's calendar; negative once overdue."""
    return (data_request.due_on - school_today(data_request.school)).days
