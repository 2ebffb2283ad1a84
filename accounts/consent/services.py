"""Changing a child's consent, and letting consents lapse at their end date. Every change is a
`ConsentChange` (the family's timeline) and an audit entry."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.consent import policies
from accounts.models import ConsentChange, ConsentRecord, Pupil, SchoolConsentDefault, User


class ConsentError(Exception):
    """A change that cannot be made, with a sentence the guardian can read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def effective(*, record: ConsentRecord | None, school_id: int, data_kind: str, recipient: str, now=None) -> bool:
    """What a cell is now: fixed cells given; else the guardian's choice (refused once past its
    end date); else the school's default; else the built-in default."""
    if policies.is_fixed(data_kind=data_kind, recipient=recipient):
        return True
    now = now or timezone.now()
    if record is not None:
        return record.given and (record.expires_at is None or record.expires_at > now)
    default = (
        SchoolConsentDefault.objects.filter(school_id=school_id, data_kind=data_kind, recipient=recipient)
        .values_list("given", flat=True)
        .first()
    )
    return policies.builtin_default(recipient) if default is None else default


@transaction.atomic
def consent_set(
    *,
    guardian: User,
    pupil: Pupil,
    data_kind: str,
    recipient: str,
    given: bool,
    expires_at: datetime.datetime | None = None,
    reason: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """Give or refuse one cell of `pupil`'s matrix, as `guardian` (a guardian with viewing rights;
    either guardian may, the latest change wins). Refuses a fixed cell, an end date on a refusal,
    and an end date already past, changing nothing."""
    if policies.is_fixed(data_kind=data_kind, recipient=recipient):
        raise ConsentError(str(policies.FIXED[(data_kind, recipient)]))
    if not policies.can_change_consent(user=guardian, pupil=pupil, data_kind=data_kind, recipient=recipient):
        raise PermissionDenied
    now = timezone.now()
    if expires_at is not None and not given:
        raise ConsentError(_("An end date only applies when you give consent. Leave it empty to refuse."))
    if expires_at is not None and expires_at <= now:
        raise ConsentError(_("The end date must be in the future."))
    # Changes to one child's consent wait for each other (two guardians at once): the latest wins,
    # and the first choice for a cell is never created twice.
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    record = ConsentRecord.objects.filter(pupil=pupil, data_kind=data_kind, recipient=recipient).first()
    old = effective(record=record, school_id=pupil.school_id, data_kind=data_kind, recipient=recipient, now=now)
    if record is None:
        record = ConsentRecord(pupil=pupil, data_kind=data_kind, recipient=recipient)
    record.given = given
    record.expires_at = expires_at if given else None
    record.reason = reason
    record.set_by = guardian
    record.save()
    ConsentChange.objects.create(
        record=record,
        pupil=pupil,
        data_kind=data_kind,
        recipient=recipient,
        action=ConsentChange.Action.GIVEN if given else ConsentChange.Action.REFUSED,
        performed_by=guardian,
        old_value=old,
        new_value=given,
        expires_at=record.expires_at,
        reason=reason,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:500],
    )
    audit.record(
        actor=guardian,
        action="consent.given" if given else "consent.refused",
        target=pupil,
        school=pupil.school_id,
        data_kind=data_kind,
        recipient=recipient,
        old=old,
        new=given,
        expires_at=record.expires_at.isoformat() if record.expires_at else None,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:200],
    )
    return record


def consents_expire_due(*, now: datetime.datetime | None = None) -> int:
    """Every consent past its end date becomes refused, recorded as "expired" in its child's
    timeline and the audit log (one transaction per consent). Returns how many lapsed."""
    now = now or timezone.now()
    due = list(
        ConsentRecord.objects.filter(given=True, expires_at__lte=now).order_by("pk").values_list("pk", flat=True)
    )
    return sum(consent_expire(record_id=record_id, now=now) for record_id in due)


@transaction.atomic
def consent_expire(*, record_id: int, now: datetime.datetime) -> bool:
    """One consent lapses, if it is still given and past its end date (a guardian may have changed
    it since it was found)."""
    pupil_id = ConsentRecord.objects.filter(pk=record_id).values_list("pupil_id", flat=True).first()
    # The same lock as `consent_set`: a guardian's change and the lapse never interleave.
    Pupil.objects.select_for_update().filter(pk=pupil_id).first()
    record = ConsentRecord.objects.select_related("pupil").filter(pk=record_id, given=True, expires_at__lte=now).first()
    if record is None:
        return False
    ended = record.expires_at
    record.given = False
    record.expires_at = None
    record.set_by = None
    record.save()
    ConsentChange.objects.create(
        record=record,
        pupil=record.pupil,
        data_kind=record.data_kind,
        recipient=record.recipient,
        action=ConsentChange.Action.EXPIRED,
        performed_by=None,
        old_value=True,
        new_value=False,
        expires_at=ended,
    )
    audit.record(
        actor=None,
        action="consent.expired",
        target=record.pupil,
        school=record.pupil.school_id,
        data_kind=record.data_kind,
        recipient=record.recipient,
        ended=ended.isoformat(),
    )
    return True
