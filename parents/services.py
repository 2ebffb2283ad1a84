"""Writes of the parents' dashboard: keyword-only, in a transaction, audited."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Pupil, User
from parents import policies
from parents.models import MOOD_VALUE, Mood, MoodCheckIn


class DashboardError(Exception):
    """A refusal with a sentence the guardian can read."""


@transaction.atomic
def mood_check_in(
    *, guardian: User, emoji: str, energy: int, pupil: Pupil | None = None, note: str = ""
) -> MoodCheckIn:
    """Record how the guardian feels (the emoji carries the mood 1–5) and their energy 1–5, about the
    family or about one of their own children. Refuses a child they have no viewing rights of."""
    if emoji not in Mood.values:
        raise DashboardError(_("Choose one of the faces."))
    if not 1 <= int(energy) <= 5:
        raise DashboardError(_("Choose your energy from 1 to 5."))
    if pupil is not None and not policies.children_visible_to(guardian).filter(pk=pupil.pk).exists():
        raise DashboardError(_("Choose one of your children, or the whole family."))
    check_in = MoodCheckIn.objects.create(
        guardian=guardian,
        pupil=pupil,
        emoji=emoji,
        mood=MOOD_VALUE[Mood(emoji)],
        energy=int(energy),
        note=note.strip(),
    )
    audit.record(
        actor=guardian,
        action="parents.mood_checked_in",
        target=check_in,
        school=pupil.school_id if pupil is not None else None,
    )
    return check_in
