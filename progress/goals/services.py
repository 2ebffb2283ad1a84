"""Every write about shared goals, the pupil's voice, celebrations, the portfolio and pupils' own
sign-ins. Keyword-only, one transaction each, audited; the other side hears of it through
messaging's `notify()` (whose deliveries go through the outbox in the same transaction), and a
completed goal records `progress.recognise_milestones` for the pupil in the outbox.

Views find the object through `policies.access_*` first; these functions check what the acting
person may do with it and its state, and raise GoalsError (a sentence to show) or PermissionDenied.
"""

import datetime

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts import policies as people
from accounts.models import Pupil, Role, User
from hub import outbox
from messaging.notifications import services as notifications
from progress.goals import policies
from progress.models import (
    Celebration,
    CelebrationNote,
    Goal,
    GoalCategory,
    GoalOwner,
    GoalStatus,
    GoalUpdate,
    PortfolioItem,
    PortfolioVisibility,
    PupilVoice,
    ReviewStatus,
    Side,
)

RECOGNISE = "progress.recognise_milestones"
GOAL_NOTIFICATION = "goal_update"
CELEBRATION_NOTIFICATION = "celebration"
PORTFOLIO_NOTIFICATION = "portfolio"

MAX_TEXT = 5000
EVIDENCE_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "application/pdf",
    "audio/mpeg",
    "audio/mp4",
    "video/mp4",
}


class GoalsError(Exception):
    """A refusal the person can act on; `str(error)` is a sentence to show them."""


# --- evidence ---------------------------------------------------------------------------------


def evidence_max_bytes() -> int:
    """The largest evidence file for a goal update or portfolio item: `PROGRESS_EVIDENCE_MAX_BYTES`
    is shared with observations from home ({"photo": ..., "video": ..., "audio": ...}); a goal's
    evidence may be any of those, so the largest applies (10 MB when nothing is set)."""
    limits = getattr(settings, "PROGRESS_EVIDENCE_MAX_BYTES", {})
    return max(limits.values()) if limits else 10 * 1024 * 1024


def evidence_check(upload) -> str:
    """The type of `upload` sniffed from its first bytes, if it is a photo, a PDF or a short
    recording within the size limit; GoalsError otherwise. Never the name's or the browser's claim."""
    limit = evidence_max_bytes()
    if upload.size > limit:
        raise GoalsError(
            _("%(name)s is too big: the largest file you can add is %(size)s MB.")
            % {"name": upload.name, "size": limit // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in EVIDENCE_TYPES:
        raise GoalsError(_("%(name)s cannot be added: add a photo, a PDF or a recording.") % {"name": upload.name})
    return kind.mime


def _store_file(row, upload, mime: str) -> None:
    row.original_name = (upload.name or "evidence")[:255]
    row.content_type = mime
    row.file.save(upload.name or "evidence", upload, save=False)


def _text(value: str, *, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise GoalsError(missing)
    if len(value) > MAX_TEXT:
        raise GoalsError(_("Keep it under %(count)s characters.") % {"count": MAX_TEXT})
    return value


def _adult_side(user: User, pupil: Pupil) -> str:
    side = policies.side_of(user=user, pupil=pupil)
    if side not in (Side.HOME, Side.SCHOOL):
        raise PermissionDenied("Only the pupil's family or staff may do this.")
    return side


# --- telling the other side -------------------------------------------------------------------


def _class_staff(pupil: Pupil):
    """The staff who teach the pupil, and their SENDCO: who hears of what home writes."""
    return people.staff_who_teach_or_support(pupil=pupil, roles=[Role.SENDCO])


def _other_side(*, goal: Goal, side: str) -> list[User]:
    """Who hears of something `side` did on `goal`, from current access: home hears from school,
    school from home, both from the pupil. The goal's author is told whichever side they are on."""
    pupil = goal.pupil
    recipients: dict[int, User] = {}
    if side in (Side.SCHOOL, Side.PUPIL):
        recipients.update({user.pk: user for user in people.guardians_with_scope(pupil=pupil, scope="progress")})
    if side in (Side.HOME, Side.PUPIL):
        recipients.update({user.pk: user for user in _class_staff(pupil)})
    return list(recipients.values())


def _notify_goal(*, goal: Goal, actor: User, side: str, title) -> None:
    url = reverse("progress:goal", args=[goal.pk])
    for recipient in _other_side(goal=goal, side=side):
        if recipient.pk == actor.pk:
            continue
        notifications.notify(
            user=recipient, kind=GOAL_NOTIFICATION, title=title, url=url, pupil=goal.pupil, target=goal
        )


# --- goals ------------------------------------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    author: User,
    pupil: Pupil,
    title: str,
    category: str,
    owner: str = GoalOwner.BOTH,
    description: str = "",
    target_date: datetime.date | None = None,
    home_support: str = "",
    school_support: str = "",
    client_key: str = "",
) -> Goal:
    """A new shared goal for `pupil`, set by one of their guardians or staff; the other side is told.
    The same `client_key` (the form's idempotency key) again returns the goal it already set."""
    side = _adult_side(author, pupil)
    client_key = (client_key or "")[:64]
    if client_key and (earlier := Goal.objects.filter(created_by=author, client_key=client_key).first()):
        return earlier
    title = _text(title, missing=_("Write the goal."))[:200]
    if category not in GoalCategory.values:
        raise GoalsError(_("Choose a category."))
    if owner not in GoalOwner.values:
        raise GoalsError(_("Choose who owns the goal."))
    goal = Goal.objects.create(
        pupil=pupil,
        title=title,
        description=(description or "").strip(),
        category=category,
        owner=owner,
        target_date=target_date,
        home_support=(home_support or "").strip(),
        school_support=(school_support or "").strip(),
        created_by=author,
        client_key=client_key,
    )
    audit.record(actor=author, action="goal.created", target=goal, school=pupil.school_id, pupil=pupil.pk)
    _notify_goal(
        goal=goal,
        actor=author,
        side=side,
        title=format_lazy(gettext_lazy("New shared goal for {pupil}: {goal}"), pupil=pupil.known_as, goal=goal.title),
    )
    return goal


@transaction.atomic
def goal_update_add(
    *, author: User, goal: Goal, note: str, progress: int | None = None, upload=None, client_key: str = ""
) -> GoalUpdate:
    """Progress on `goal` from home, school or the pupil, with optional evidence (sniffed, size
    limited) and percentage; the other side is told. Refuses a finished goal. The same
    `client_key` (the form's idempotency key) again returns the update it already added."""
    side = policies.side_of(user=author, pupil=goal.pupil)
    if side is None:
        raise PermissionDenied("Only the pupil, their family or staff may add an update.")
    client_key = (client_key or "")[:64]
    if client_key and (earlier := GoalUpdate.objects.filter(author=author, client_key=client_key).first()):
        return earlier
    if not policies.can_update_goal(goal):
        raise GoalsError(_("This goal is finished: reopen it to add an update."))
    note = _text(note, missing=_("Write what has happened."))
    if progress is not None and not 0 <= progress <= 100:
        raise GoalsError(_("Give how far along as a number from 0 to 100."))
    mime = evidence_check(upload) if upload else ""
    update = GoalUpdate(
        goal=goal, pupil=goal.pupil, author=author, side=side, note=note, progress=progress, client_key=client_key
    )
    if upload:
        _store_file(update, upload, mime)
    update.save()
    Goal.objects.filter(pk=goal.pk).update(updated_at=timezone.now())
    audit.record(
        actor=author,
        action="goal.update_added",
        target=update,
        school=goal.pupil.school_id,
        goal=goal.pk,
        side=side,
        evidence=bool(upload),
    )
    _notify_goal(
        goal=goal,
        actor=author,
        side=side,
        title=format_lazy(
            gettext_lazy("An update on {pupil}'s goal: {goal}"), pupil=goal.pupil.known_as, goal=goal.title
        ),
    )
    return update


@transaction.atomic
def goal_status_change(*, user: User, goal: Goal, status: str) -> Goal:
    """Mark a goal active, completed, paused or cancelled (the pupil's family or staff). Audited with
    the status before and after; completing it records the milestone recognition for the pupil."""
    side = _adult_side(user, goal.pupil)
    if status not in GoalStatus.values:
        raise GoalsError(_("Choose a status."))
    goal = Goal.objects.select_for_update(of=("self",)).select_related("pupil").get(pk=goal.pk)
    before = goal.status
    if before == status:
        return goal
    goal.status = status
    goal.completed_at = timezone.now() if status == GoalStatus.COMPLETED else None
    goal.save(update_fields=["status", "completed_at", "updated_at"])
    audit.record(
        actor=user,
        action="goal.status_changed",
        target=goal,
        school=goal.pupil.school_id,
        before=before,
        after=status,
    )
    if status == GoalStatus.COMPLETED:
        # Recognised in the outbox (at least once, after commit); one entry per goal completed.
        outbox.record(RECOGNISE, target=goal.pupil, key=f"goal:{goal.pk}")
    _notify_goal(
        goal=goal,
        actor=user,
        side=side,
        title=format_lazy(
            gettext_lazy("{pupil}'s goal is now {status}: {goal}"),
            pupil=goal.pupil.known_as,
            status=GoalStatus(status).label,
            goal=goal.title,
        ),
    )
    return goal


@transaction.atomic
def goal_delete(*, user: User, goal: Goal) -> Goal:
    """Soft-delete a goal (its author, or the pupil's staff); audited."""
    side = _adult_side(user, goal.pupil)
    if goal.created_by_id != user.pk and side != Side.SCHOOL:
        raise PermissionDenied("Only the goal's author or the pupil's staff may remove it.")
    goal.deleted_at = timezone.now()
    goal.save(update_fields=["deleted_at", "updated_at"])
    audit.record(actor=user, action="goal.deleted", target=goal, school=goal.pupil.school_id)
    return goal


# --- the pupil's voice ------------------------------------------------------------------------


@transaction.atomic
def pupil_voice_add(
    *,
    writer: User,
    pupil: Pupil,
    text: str,
    goal: Goal | None = None,
    celebration: Celebration | None = None,
    portfolio_item: PortfolioItem | None = None,
) -> PupilVoice:
    """The pupil's own words about one goal, celebration or portfolio item: written by the pupil
    signed in as themself, or by one of their family or staff for them (shown as such)."""
    about = [thing for thing in (goal, celebration, portfolio_item) if thing is not None]
    if len(about) != 1 or any(thing.pupil_id != pupil.pk for thing in about):
        raise ValueError("A pupil's voice is about exactly one of their goals, celebrations or portfolio items.")
    side = policies.side_of(user=writer, pupil=pupil)
    if side is None:
        raise PermissionDenied("Only the pupil, their family or staff may write the pupil's voice.")
    text = _text(text, missing=_("Write what they said."))
    voice = PupilVoice.objects.create(
        pupil=pupil,
        goal=goal,
        celebration=celebration,
        portfolio_item=portfolio_item,
        text=text,
        written_by=writer,
        written_by_pupil=side == Side.PUPIL,
    )
    audit.record(
        actor=writer, action="pupil_voice.added", target=voice, school=pupil.school_id, by_pupil=side == Side.PUPIL
    )
    if goal is not None and side == Side.PUPIL:
        _notify_goal(
            goal=goal,
            actor=writer,
            side=side,
            title=format_lazy(
                gettext_lazy("{pupil} wrote about their goal: {goal}"), pupil=pupil.known_as, goal=goal.title
            ),
        )
    return voice


# --- celebrations -----------------------------------------------------------------------------


@transaction.atomic
def celebration_note_add(*, author: User, celebration: Celebration, text: str) -> CelebrationNote:
    """A parent's or teacher's words on a celebration card."""
    _adult_side(author, celebration.pupil)
    note = CelebrationNote.objects.create(
        celebration=celebration, author=author, text=_text(text, missing=_("Write your words."))
    )
    audit.record(actor=author, action="celebration.note_added", target=note, school=celebration.pupil.school_id)
    return note


def celebration_families_notify(celebration: Celebration) -> None:
    """Tell the pupil's family (with viewing rights, now) about a new celebration card."""
    pupil = celebration.pupil
    url = reverse("progress:celebration", args=[celebration.pk])
    for guardian in people.guardians_with_scope(pupil=pupil, scope="progress"):
        notifications.notify(
            user=guardian,
            kind=CELEBRATION_NOTIFICATION,
            title=format_lazy(gettext_lazy("Something to celebrate for {pupil}"), pupil=pupil.known_as),
            url=url,
            pupil=pupil,
            target=celebration,
        )


# --- portfolio --------------------------------------------------------------------------------


@transaction.atomic
def portfolio_item_add(
    *,
    author: User,
    pupil: Pupil,
    kind: str,
    title: str,
    description: str = "",
    visibility: str = PortfolioVisibility.FAMILY,
    upload=None,
    client_key: str = "",
) -> PortfolioItem:
    """A piece of work, a photo or a reflection in the pupil's portfolio. Added by the family it
    waits for a teacher's approval before anyone beyond the family sees it; added by the pupil's
    staff it is approved as it is added."""
    side = _adult_side(author, pupil)
    client_key = (client_key or "")[:64]
    if client_key and (earlier := PortfolioItem.objects.filter(added_by=author, client_key=client_key).first()):
        return earlier
    if kind not in PortfolioItem.Kind.values:
        raise GoalsError(_("Choose what kind of item it is."))
    if visibility not in PortfolioVisibility.values:
        raise GoalsError(_("Choose who can see it."))
    title = _text(title, missing=_("Give it a title."))[:200]
    if kind == PortfolioItem.Kind.PHOTO and not upload:
        raise GoalsError(_("Choose the photo to add."))
    mime = evidence_check(upload) if upload else ""
    item = PortfolioItem(
        pupil=pupil,
        kind=kind,
        title=title,
        description=(description or "").strip(),
        visibility=visibility,
        added_by=author,
        client_key=client_key,
    )
    if side == Side.SCHOOL:
        item.status, item.reviewed_by, item.reviewed_at = ReviewStatus.APPROVED, author, timezone.now()
    if upload:
        _store_file(item, upload, mime)
    item.save()
    audit.record(
        actor=author, action="portfolio.item_added", target=item, school=pupil.school_id, visibility=visibility
    )
    return item


@transaction.atomic
def portfolio_item_review(*, reviewer: User, item: PortfolioItem, approve: bool) -> PortfolioItem:
    """A teacher of the pupil approves an item (it may then be seen as far as its visibility and
    consent allow) or declines it (it stays with the family); the family is told."""
    item = PortfolioItem.objects.select_for_update(of=("self",)).select_related("pupil").get(pk=item.pk)
    if not people.teaches_or_supports(user=reviewer, pupil=item.pupil_id):
        raise PermissionDenied("Only the pupil's staff approve portfolio items.")
    if item.status != ReviewStatus.PENDING:
        raise GoalsError(_("This item has already been looked at."))
    item.status = ReviewStatus.APPROVED if approve else ReviewStatus.DECLINED
    item.reviewed_by, item.reviewed_at = reviewer, timezone.now()
    item.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit.record(
        actor=reviewer, action="portfolio.item_reviewed", target=item, school=item.pupil.school_id, status=item.status
    )
    title = (
        gettext_lazy("A teacher approved {pupil}'s portfolio item: {title}")
        if approve
        else gettext_lazy("{pupil}'s portfolio item stays with the family: {title}")
    )
    url = reverse("progress:portfolio_item", args=[item.pk])
    for guardian in people.guardians_with_scope(pupil=item.pupil, scope="progress"):
        notifications.notify(
            user=guardian,
            kind=PORTFOLIO_NOTIFICATION,
            title=format_lazy(title, pupil=item.pupil.known_as, title=item.title),
            url=url,
            pupil=item.pupil,
        )
    return item


@transaction.atomic
def portfolio_item_delete(*, user: User, item: PortfolioItem) -> PortfolioItem:
    """Soft-delete a portfolio item: whoever added it, the pupil's family or staff; audited."""
    _adult_side(user, item.pupil)
    item.deleted_at = timezone.now()
    item.save(update_fields=["deleted_at"])
    audit.record(actor=user, action="portfolio.item_deleted", target=item, school=item.pupil.school_id)
    return item


# --- a pupil's own sign-in --------------------------------------------------------------------


def pupil_age(pupil: Pupil, *, on: datetime.date | None = None) -> int:
    """Whole years old on `on` (default: today on the school's clock)."""
    on = on or timezone.now().astimezone(pupil.school.zone).date()
    born = pupil.date_of_birth
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@transaction.atomic
def pupil_sign_in_grant(*, granted_by: User, pupil: Pupil, email: str) -> User:
    """Give `pupil` their own sign-in (a new account with no password yet: they choose one through
    "forgotten password"), limited to their own goals, reflections and portfolio. Only the pupil's
    staff grant it, and only from the age the school sets (`School.pupil_sign_in_age`)."""
    pupil = Pupil.objects.select_for_update(of=("self",)).select_related("school").get(pk=pupil.pk)
    if not people.teaches_or_supports(user=granted_by, pupil=pupil):
        raise PermissionDenied("Only the pupil's staff may give them a sign-in.")
    if pupil.user_id is not None:
        raise GoalsError(_("This pupil already has their own sign-in."))
    if pupil_age(pupil) < pupil.school.pupil_sign_in_age:
        raise GoalsError(
            _("Pupils at this school can have their own sign-in from the age of %(age)s.")
            % {"age": pupil.school.pupil_sign_in_age}
        )
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email:
        raise GoalsError(_("Enter the pupil's email address."))
    if User.objects.filter(email=email).exists():
        raise GoalsError(_("That email address already has an account."))
    user = User(email=email, display_name=pupil.full_name)
    user.set_unusable_password()
    user.save()
    pupil.user = user
    pupil.save(update_fields=["user"])
    audit.record(actor=granted_by, action="pupil.sign_in_granted", target=pupil, school=pupil.school_id, user=user.pk)
    return user


@transaction.atomic
def pupil_sign_in_revoke(*, revoked_by: User, pupil: Pupil) -> None:
    """Take a pupil's own sign-in away (the account is switched off, their records stay)."""
    pupil = Pupil.objects.select_for_update(of=("self",)).get(pk=pupil.pk)
    if not people.teaches_or_supports(user=revoked_by, pupil=pupil):
        raise PermissionDenied("Only the pupil's staff may take their sign-in away.")
    if pupil.user_id is None:
        return
    User.objects.filter(pk=pupil.user_id).update(is_active=False)
    user_id = pupil.user_id
    pupil.user = None
    pupil.save(update_fields=["user"])
    audit.record(actor=revoked_by, action="pupil.sign_in_revoked", target=pupil, school=pupil.school_id, user=user_id)
