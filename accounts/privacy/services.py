"""Every write of the privacy pages: data requests and their answers, and the audit of staff
looking at a child's SEND information.

The family is told of an answer through messaging, which accounts may not import: the answer
records an outbox entry (`DATA_REQUEST_ANSWERED`) in its transaction, and messaging's handler
(`messaging/privacy_effects.py`) sends the notification after the commit. The school's data
protection leads are told of a new request the same way (`DATA_REQUEST_RECEIVED`).
"""

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts import policies as people
from accounts.models import AuditEntry, DataRequest, Membership, Pupil, School, SendStatus, User
from accounts.models.people import zone_named
from accounts.privacy import policies
from hub import outbox

# Outbox effects; their handlers live in messaging (messaging/privacy_effects.py).
DATA_REQUEST_RECEIVED = "accounts.data_request_received"
DATA_REQUEST_ANSWERED = "accounts.data_request_answered"

# The audit action of a member of staff seeing a child's SEND information.
SEND_VIEWED = "pupil.send_viewed"

Status = DataRequest.Status


class DataRequestError(Exception):
    """A request or an answer the rules refuse, with a sentence the person can read, and the form
    field it is about (None: the whole form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- deadlines ---------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same date `months` calendar months later, or that month's last day when it has no such
    date (31 January + 1 month = 28 February, or 29 in a leap year): how the ICO counts a month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadline_for(*, school: School, received_at: datetime.datetime) -> datetime.date:
    """The last day to answer a request `school` received at `received_at`: counted from the day it
    arrived on the school's calendar, in the school's unit (calendar months, or days)."""
    received_on = received_at.astimezone(school.zone).date()
    period = max(1, school.data_request_period or 1)
    if school.data_request_period_unit == "days":
        return received_on + datetime.timedelta(days=period)
    return add_months(received_on, period)


# --- data requests -----------------------------------------------------------------------------


@transaction.atomic
def data_request_create(
    *,
    requester: User,
    school: School,
    kind: str,
    details: str,
    pupil: Pupil | None = None,
    client_key: str = "",
) -> DataRequest:
    """Send a data request to `school`, optionally about one child of the requester's there; its
    deadline is fixed now from the school's rule. The same `client_key` posted twice returns the
    first request. Refuses (PermissionDenied) a school the requester has no link with, or a child
    who is not theirs or not at that school; (DataRequestError) empty details or an unknown kind."""
    if client_key:
        earlier = DataRequest.objects.filter(requester=requester, client_key=client_key).first()
        if earlier is not None:
            return earlier
    if kind not in DataRequest.Kind.values:
        raise DataRequestError(_("Choose what you are asking for."), field="kind")
    if not details.strip():
        raise DataRequestError(_("Tell the school what you are asking for."), field="details")
    if not policies.schools_to_ask(requester).filter(pk=school.pk).exists():
        raise PermissionDenied("The requester has no link with this school.")
    if pupil is not None and (pupil.school_id != school.pk or not people.is_guardian_of(user=requester, pupil=pupil)):
        raise PermissionDenied("The child is not the requester's, or not at this school.")
    now = timezone.now()
    data_request = DataRequest.objects.create(
        school=school,
        requester=requester,
        pupil=pupil,
        kind=kind,
        details=details.strip(),
        received_at=now,
        due_on=deadline_for(school=school, received_at=now),
        client_key=client_key,
    )
    audit.record(
        actor=requester,
        action="data_request.received",
        target=data_request,
        kind=kind,
        pupil=pupil.pk if pupil else None,
        due_on=data_request.due_on.isoformat(),
    )
    outbox.record(DATA_REQUEST_RECEIVED, target=data_request)
    return data_request


@transaction.atomic
def data_request_respond(*, responder: User, data_request: DataRequest, status: str, answer: str = "") -> DataRequest:
    """The data protection lead moves a request on: in progress, answered (with the answer) or
    refused (with the reason). An answer or a refusal closes it and the requester is told (after
    the commit). Refuses (DataRequestError) a closed request, an unknown status, or closing it
    without words for the family. The caller has checked `responder` may answer it
    (`policies.access_data_request_to_answer`, with for_update=True)."""
    if not policies.can_answer(data_request=data_request):
        raise DataRequestError(_("This request has already been answered."))
    answer = answer.strip()
    if status not in (Status.IN_PROGRESS, Status.ANSWERED, Status.REFUSED):
        raise DataRequestError(_("Choose what happens to the request."), field="status")
    if status == Status.ANSWERED and not answer:
        raise DataRequestError(_("Write the answer the family will read."), field="answer")
    if status == Status.REFUSED and not answer:
        raise DataRequestError(_("Write why the request is refused: the family has a right to know."), field="answer")
    previous = data_request.status
    data_request.status = status
    fields = ["status"]
    if status in DataRequest.CLOSED:
        data_request.answer = answer
        data_request.answered_by = responder
        data_request.answered_at = timezone.now()
        fields += ["answer", "answered_by", "answered_at"]
    data_request.save(update_fields=fields)
    audit.record(
        actor=responder,
        action=f"data_request.{status}",
        target=data_request,
        previous=previous,
        late=data_request.answered_at is not None
        and data_request.answered_at.astimezone(data_request.school.zone).date() > data_request.due_on,
    )
    if status in DataRequest.CLOSED:
        outbox.record(DATA_REQUEST_ANSWERED, target=data_request)
    return data_request


def data_request_opened(*, reader: User, data_request: DataRequest) -> None:
    """Audit the data protection lead opening a request (it may carry sensitive details)."""
    audit.record(actor=reader, action="data_request.viewed", target=data_request)


# --- who has looked ----------------------------------------------------------------------------


def has_send_information(pupil: Pupil) -> bool:
    """Whether a page that shows the pupil's SEND status or needs shows anything about SEND."""
    return pupil.send_status != SendStatus.NONE or bool(pupil.send_needs)


def send_views_record(*, viewer: User, pupils: Iterable[Pupil], page: str) -> int:
    """Audit that `viewer` (staff of the pupil's school, or an operator in admin) was shown the SEND
    information of `pupils` on `page`: one entry "pupil.send_viewed" per pupil with SEND recorded, at most once per
    viewer, pupil and day of the pupil's school (a register opened twenty times a day says no more
    than once, and the log stays readable for the family). Pupils without SEND recorded are not
    counted: nothing about SEND was shown. Returns how many entries were written.

    The throttle is the audit log itself (is there an entry since the school's midnight?), not a
    cache, so it survives restarts and never drops an entry that should be there; two pages opened
    at the same instant may both write one, which is harmless. Four queries plus three per school
    with new entries, however many pupils."""
    if not viewer.is_authenticated:
        return 0
    shown = {pupil.pk: pupil for pupil in pupils if has_send_information(pupil)}
    if not shown:
        return 0  # nothing about SEND was shown: no query, no transaction
    return _send_views_record(viewer=viewer, shown=shown, page=page)


@transaction.atomic
def _send_views_record(*, viewer: User, shown: dict[int, Pupil], page: str) -> int:
    school_ids = {pupil.school_id for pupil in shown.values()}
    zones = {
        pk: zone_named(name) for pk, name in School.objects.filter(pk__in=school_ids).values_list("pk", "time_zone")
    }
    now = timezone.now()
    midnight = {
        school_id: datetime.datetime.combine(now.astimezone(zone).date(), datetime.time.min, tzinfo=zone)
        for school_id, zone in zones.items()
    }
    seen = AuditEntry.objects.filter(
        action=SEND_VIEWED,
        actor_id=viewer.pk,
        target_type=Pupil._meta.label_lower,
        target_id__in=[str(pk) for pk in shown],
        created_at__gte=min(midnight.values()),
    ).values_list("target_id", "created_at")
    already = {int(target_id) for target_id, at in seen if at >= midnight[shown[int(target_id)].school_id]}
    roles = defaultdict(list)
    for school_id, role in Membership.objects.filter(user=viewer, is_active=True, school_id__in=school_ids).values_list(
        "school_id", "role"
    ):
        roles[school_id].append(role)
    by_school = defaultdict(list)
    for pk in sorted(set(shown) - already):
        school_id = shown[pk].school_id
        # Staff of the pupil's school, and operators; a family seeing its own child's is not a "look".
        if roles[school_id] or viewer.is_superuser or viewer.is_staff:
            by_school[school_id].append(shown[pk])
    written = 0
    for school_id in sorted(by_school):  # a consistent order of chain locks (see audit.record)
        entries = audit.record_many(
            actor=viewer,
            action=SEND_VIEWED,
            targets=by_school[school_id],
            school=school_id,
            name=viewer.display_name,
            roles=sorted(roles[school_id]) or ["operator"],
            page=page,
        )
        written += len(entries)
    return written
