"""Reads for the announcement pages, one per page, each a constant number of queries however
many families, classes or announcements there are."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Guardianship, Membership, User
from hub.compiled_sql import reused_objects, reused_sql
from hub.db import planned_cursor
from messaging.announcements import policies
from messaging.announcements.models import Announcement, AnnouncementReceipt
from messaging.announcements.services import pending_receipts
from messaging.models import StoredTranslation
from messaging.services.language import base, language_name


def _reader_translations(user: User) -> Prefetch:
    return Prefetch(
        "translations",
        queryset=StoredTranslation.objects.filter(language=base(user.preferred_language)).exclude(body=""),
        to_attr="reader_translations",
    )


@dataclass(frozen=True)
class Shown:
    """A field as one reader sees it: their language's machine translation when stored."""

    original: str
    shown: str
    translated_from: str = ""
    lang: str = ""


def shown(announcement: Announcement, field_name: str, *, original: bool = False) -> Shown:
    """`field_name` of `announcement` for the reader whose translations were prefetched
    (`reader_translations`); the original when asked for or when there is no translation."""
    text = getattr(announcement, field_name)
    if not original:
        for translation in getattr(announcement, "reader_translations", []):
            if translation.field == field_name:
                return Shown(
                    original=text,
                    shown=translation.body,
                    translated_from=language_name(translation.source_language or announcement.language),
                    lang=translation.language,
                )
    return Shown(original=text, shown=text, lang=announcement.language)


def announcements_for(user: User) -> QuerySet[Announcement]:
    """The announcements `user` may read, newest first, with their title in the reader's language
    and, for a family, whether they read (`my_read_at`) and answered (`my_answer`) it."""
    mine = AnnouncementReceipt.objects.filter(announcement=OuterRef("pk"), guardian=user)
    return (
        policies.announcements_visible_to(user)
        .select_related("school", "author")
        .annotate(
            my_receipt=Exists(mine),
            my_read_at=Subquery(mine.values("read_at")[:1]),
            my_answered_at=Subquery(mine.values("answered_at")[:1]),
        )
        .prefetch_related(_reader_translations(user))
        .order_by("-created_at", "-pk")
    )


@dataclass
class AnnouncementPage:
    announcement: Announcement
    title: Shown
    body: Shown
    question: Shown
    attachments: list
    receipt: AnnouncementReceipt | None
    is_recipient: bool
    can_follow_up: bool


def announcement_page(*, user: User, announcement: Announcement, original: bool = False) -> AnnouncementPage:
    announcement = (
        Announcement.objects.filter(pk=announcement.pk)
        .select_related("school", "author")
        .prefetch_related("attachments", "class_groups", _reader_translations(user))
        .get()
    )
    receipt = AnnouncementReceipt.objects.filter(announcement=announcement, guardian=user).first()
    return AnnouncementPage(
        announcement=announcement,
        title=shown(announcement, "title", original=original),
        body=shown(announcement, "body", original=original),
        question=shown(announcement, "question", original=original),
        attachments=list(announcement.attachments.all()),
        receipt=receipt,
        is_recipient=policies.is_recipient(user=user, announcement=announcement),
        can_follow_up=policies.can_follow_up(user=user, announcement=announcement),
    )


@dataclass
class Figures:
    announcement: Announcement
    recipients: int
    delivered: int
    read: int
    answered: int
    tally: list[tuple[str, int]] = field(default_factory=list)
    pending: list[AnnouncementReceipt] = field(default_factory=list)
    pending_total: int = 0


PENDING_SHOWN = 200


def figures_for(announcement: Announcement) -> Figures:
    """Delivery, read and answer figures among the families who are recipients now, the answers
    counted per choice, and who has not read (or answered) yet with their children's names."""
    recipients = policies.announcement_recipients(announcement)
    receipts = AnnouncementReceipt.objects.filter(announcement=announcement, guardian__in=recipients.values("pk"))
    counts = receipts.aggregate(delivered=Count("pk"), read=Count("read_at"), answered=Count("answered_at"))
    labels = dict(announcement.answer_choices())
    answers = dict(
        receipts.exclude(answer="").values_list("answer").annotate(count=Count("pk")).values_list("answer", "count")
    )
    pending = pending_receipts(announcement)
    children = Guardianship.objects.filter(
        pupil__in=policies.audience_pupils(announcement).values("pk"), can_view=True
    ).select_related("pupil")
    shown_pending = list(
        pending.select_related("guardian")
        .prefetch_related(Prefetch("guardian__guardianships", queryset=children, to_attr="audience_links"))
        .order_by("guardian__display_name", "pk")[:PENDING_SHOWN]
    )
    return Figures(
        announcement=announcement,
        recipients=recipients.count(),
        delivered=counts["delivered"],
        read=counts["read"],
        answered=counts["answered"],
        tally=[(str(label), answers.get(value, 0)) for value, label in labels.items()],
        pending=shown_pending,
        pending_total=counts["delivered"] - counts["answered" if announcement.asks_for_reply else "read"],
    )


def audience_label(announcement: Announcement) -> str:
    """ "Year 3", "Whole school" or the classes' names (class_groups prefetched)."""
    if announcement.audience == Announcement.Audience.SCHOOL:
        return _("The whole school")
    if announcement.audience == Announcement.Audience.YEAR_GROUP:
        return announcement.year_group
    return ", ".join(group.name for group in announcement.class_groups.all())


# A staff home page names the announcements its reader sent in these last days, at most this many.
RECENT_DAYS = 14
RECENT_SHOWN = 5


@dataclass
class SentFigures:
    """One announcement its author sent, with `figures_for`'s recipients, read and answered."""

    announcement: Announcement
    recipients: int
    read: int
    answered: int


def _counted(queryset: QuerySet, column: str = "pk") -> Coalesce:
    """COUNT(`column`) over `queryset`, as a scalar subquery (what `.count()` or
    `.aggregate(Count(column))` answers, read inside another query)."""
    counted = queryset.order_by().values(n=Func(F(column), function="COUNT", output_field=IntegerField()))
    return Coalesce(Subquery(counted), 0)


def sent_recently_by(
    user: User, *, days: int = RECENT_DAYS, limit: int = RECENT_SHOWN
) -> tuple[list[SentFigures], bool]:
    """The announcements `user` sent in the last `days` days and may still follow up (their own, at
    a school where they are staff now, as `policies.can_follow_up`), newest first, at most
    `limit`, each with the figures its figures page shows (`figures_for`); and whether more were
    sent in those days.

    Two queries however many announcements (one when there are none): the figures of all of them
    in one, each counted from the same querysets `figures_for` counts (the families who are
    recipients now, `policies.announcement_recipients`, and their receipts). Each announcement's
    part is SQL the ORM writes once per process and audience (`hub.compiled_sql`): building
    them afresh was most of a teacher's home page."""
    since = timezone.now() - datetime.timedelta(days=days)

    def newest(user_id: int) -> QuerySet[Announcement]:
        # What `announcements_visible_to` lets its author see: their own, at a school where they are staff.
        staff_at = Membership.objects.filter(user_id=user_id, is_active=True).values("school_id")
        return Announcement.objects.filter(
            author_id=user_id, status=Announcement.Status.SENT, school_id__in=staff_at
        ).order_by("-sent_at", "-pk")[: limit + 1]

    # The newest few, however old, in SQL written once per process; those of the last days kept here
    # (the time would be written into the SQL as it is).
    found = [
        announcement
        for announcement in reused_objects(
            Announcement, user.pk, shape=("announcements.sent_newest", limit), build=newest
        )
        if announcement.sent_at is not None and announcement.sent_at >= since
    ]
    more, found = len(found) > limit, found[:limit]
    if not found:
        return [], more
    parts = [
        reused_sql(
            announcement.pk,
            announcement.school_id,
            # The year group is written into the SQL as it is: the shape names it.
            shape=("announcements.sent_figures", announcement.audience, announcement.year_group),
            build=_figures_of(announcement.audience, announcement.year_group),
        )
        for announcement in found
    ]
    if all(isinstance(part, RawSQL) for part in parts):
        with planned_cursor() as cursor:
            cursor.execute(" UNION ALL ".join(part.sql for part in parts), [p for part in parts for p in part.params])
            rows = cursor.fetchall()
    else:
        built = [_figures_of(a.audience, a.year_group)(a.pk, a.school_id) for a in found]
        rows = list(built[0].union(*built[1:], all=True))
    figures = {pk: counts for pk, *counts in rows}
    return [SentFigures(announcement, *figures[announcement.pk]) for announcement in found], more


def _figures_of(audience: str, year_group: str) -> Callable[[int, int], QuerySet]:
    """What `sent_recently_by` reads of one announcement (to an `audience`, `year_group`): its id,
    recipients now, and how many of them read and answered it, as `figures_for` counts them."""

    def build(announcement_id: int, school_id: int) -> QuerySet:
        stand_in = Announcement(pk=announcement_id, school_id=school_id, audience=audience, year_group=year_group)
        recipients = policies.announcement_recipients(stand_in)
        receipts = AnnouncementReceipt.objects.filter(
            announcement_id=announcement_id, guardian__in=recipients.values("pk")
        )
        return (
            Announcement.objects.filter(pk=announcement_id)
            .annotate(
                recipients=_counted(recipients),
                read=_counted(receipts, "read_at"),
                answered=_counted(receipts, "answered_at"),
            )
            .order_by()  # no ORDER BY inside a UNION (SQLite refuses the model's default ordering)
            .values_list("pk", "recipients", "read", "answered")
        )

    return build
