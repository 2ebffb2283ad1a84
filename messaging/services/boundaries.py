"""Staff contact hours: when a family writing to school should expect a reply.

Pure functions over a school's MessagingSettings (or the defaults when it has none); no writes.
"""

import datetime

from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from accounts.models import School
from hub.compiled_sql import reused_objects
from messaging.models import MessagingSettings


def settings_for(school: School) -> MessagingSettings:
    """The school's settings, or unsaved defaults (the model's) when it has not set any."""
    # Its SQL compiled once per process: every thread page asks.
    school_id = getattr(school, "pk", school)
    found = next(
        iter(
            reused_objects(
                MessagingSettings,
                school_id,
                shape=("messaging_settings",),
                build=lambda school_id: MessagingSettings.objects.filter(school_id=school_id).order_by("pk")[:1],
            )
        ),
        None,
    )
    if found is not None and isinstance(school, School):
        found.school = school  # the caller's, loaded already: contact hours need its time zone
    return found or MessagingSettings(school=school)


def _time(value) -> datetime.time:
    # An unsaved default keeps the model default's string ("08:00").
    if isinstance(value, str):
        return datetime.time.fromisoformat(value)
    return value


def contact_days(settings: MessagingSettings) -> list[int]:
    days = []
    for part in (settings.contact_days or "").split(","):
        part = part.strip()
        if part.isdigit() and 0 <= int(part) <= 6:
            days.append(int(part))
    return sorted(set(days))


def within_contact_hours(settings: MessagingSettings, at: datetime.datetime) -> bool:
    local = at.astimezone(settings.school.zone)
    start, end = _time(settings.contact_start), _time(settings.contact_end)
    return local.weekday() in contact_days(settings) and start <= local.time() < end


def next_contact_start(settings: MessagingSettings, at: datetime.datetime) -> datetime.datetime | None:
    """The next moment staff contact hours begin after `at` (aware, in the school's zone)."""
    zone = settings.school.zone
    local = at.astimezone(zone)
    days = contact_days(settings)
    if not days:
        return None
    start = _time(settings.contact_start)
    for offset in range(8):
        day = local.date() + datetime.timedelta(days=offset)
        if day.weekday() not in days:
            continue
        candidate = datetime.datetime.combine(day, start, tzinfo=zone)
        if candidate > local:
            return candidate
    return None


def contact_hours_summary(settings: MessagingSettings) -> str:
    """ "Monday, Tuesday, Wednesday, Thursday, Friday, 08:00 to 17:00"."""
    days = ", ".join(str(WEEKDAYS[day]) for day in contact_days(settings))
    start, end = _time(settings.contact_start), _time(settings.contact_end)
    return _("%(days)s, %(start)s to %(end)s") % {
        "days": days,
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
    }


def reply_expectation(
    *, school: School, at: datetime.datetime | None = None, settings: MessagingSettings | None = None
) -> str:
    """A sentence for a family writing outside staff contact hours; "" during them. `settings`:
    the school's (`settings_for`), when the caller has read them already."""
    settings = settings or settings_for(school)
    at = at or timezone.now()
    if within_contact_hours(settings, at):
        return ""
    summary = contact_hours_summary(settings)
    reopens = next_contact_start(settings, at)
    if reopens is None:
        return _("Staff read messages during contact hours (%(hours)s).") % {"hours": summary}
    when = formats.date_format(reopens, "l j F, H:i")
    return _("Staff read messages during contact hours (%(hours)s). Expect a reply from %(when)s.") % {
        "hours": summary,
        "when": when,
    }


def reply_expectation_for(
    *,
    user,
    conversation,
    at: datetime.datetime | None = None,
    staff_side: bool | None = None,
    settings: MessagingSettings | None = None,
) -> str:
    """What `user` is told about reply times in `conversation`: families writing to staff outside
    contact hours learn when to expect a reply; staff, and family-only threads, get nothing.
    `staff_side` (whether `user` is staff at its school) and `settings` (the school's), when the
    caller knows them already, are not read again."""
    from accounts import policies as people

    if conversation.kind == conversation.Kind.FAMILY:
        return ""
    if staff_side is None:
        staff_side = people.is_staff_at(user=user, school=conversation.school_id)
    if staff_side:
        return ""
    return reply_expectation(school=conversation.school, at=at, settings=settings)
