"""Receipt numbers: `UHS-2026-000123`, the school's prefix, the year (in the school's time zone)
and a sequence that restarts each year and is never shared between two payments of a school."""

import re
from zoneinfo import ZoneInfo

from django.db.models.functions import Length
from django.utils import timezone

from accounts.models import School
from finance.models import Payment

DIGITS = 6


def prefix_for(school: School) -> str:
    """The slug's initials (`urban-home-school` -> `UHS`). Receipt numbers are unique across
    schools, so a school whose initials an older school already uses adds its id (`UHS12`): the
    older school keeps its prefix, and the newer one's never changes either."""
    initials = _initials(school.slug)
    older = School.objects.filter(pk__lt=school.pk, slug__istartswith=school.slug[:1]).values_list("slug", flat=True)
    if any(_initials(slug) == initials for slug in older):
        return f"{initials}{school.pk}"
    return initials


def _initials(slug: str) -> str:
    return "".join(word[0] for word in re.split(r"[^a-z0-9]+", slug.lower()) if word)[:4].upper() or "R"


def next_receipt_number(payment: Payment) -> str:
    """The next number at the payment's school. Call inside the settling transaction: the school's
    row is locked (FOR NO KEY UPDATE, which does not hold up rows that refer to the school) until
    it ends, so two payments settled at once at one school wait for each other and the second
    reads the first's number once it is committed; schools never wait on each other."""
    school = School.objects.select_for_update(no_key=True).get(pk=payment.account.school_id)
    settled = payment.settled_at or timezone.now()
    year = settled.astimezone(ZoneInfo(school.time_zone)).year
    stem = f"{prefix_for(school)}-{year}-"
    # A fresh statement after the lock: it sees every number committed before the lock was granted.
    last = (
        Payment.objects.filter(account__school_id=school.pk, receipt_number__startswith=stem)
        .order_by(Length("receipt_number").desc(), "-receipt_number")
        .values_list("receipt_number", flat=True)
        .first()
    )
    sequence = int(last[len(stem) :]) + 1 if last else 1
    return f"{stem}{sequence:0{DIGITS}d}"
