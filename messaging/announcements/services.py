"""Every write about announcements: posting, fanning out, reading, answering, reminding, replying.

A post is saved in one request; everything it leads to is an outbox entry recorded in the same
transaction (handlers in `messaging.announcements.effects`): the fan-out, in batches of
FANOUT_BATCH families, each batch computing its recipients from access as it is when it runs;
the translations, once per language; the reminders.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.models import User
from hub import outbox
from messaging import policies as conversation_policies
from messaging.announcements import policies
from messaging.announcements.models import Announcement, AnnouncementAttachment, AnnouncementReceipt
from messaging.models import Conversation, Notification
from messaging.services import MessagingError, notify_bridge
from messaging.services import language as languages
from messaging.services.messages import MAX_BODY_CHARS, attachment_check
from messaging.translation.cache import in_active_language, texts_and_languages_tried

Audience = Announcement.Audience
Response = Announcement.Response
Status = Announcement.Status

# Outbox effects (handlers in messaging.announcements.effects).
FANOUT = "announcements.fanout"
TRANSLATE = "announcements.translate"
REMIND = "announcements.remind"

# Families reached per fan-out job: each job is one transaction of bounded length, and a job run
# again after a crash redoes at most one batch (its receipts tell it who already has it).
FANOUT_BATCH = 100
MAX_OPTIONS = 8
LABEL = "messaging.announcement"


class AnnouncementError(MessagingError):
    """A refusal the author can act on; `str(error)` is the sentence to show."""


# --- posting ---------------------------------------------------------------------------------


def _clean_options(response: str, question: str, options: Iterable[str]) -> tuple[str, list[str]]:
    question = (question or "").strip()
    cleaned = [option.strip()[:200] for option in options if option and option.strip()]
    if response not in Response.values:
        raise AnnouncementError(_("Choose what reply you need."))
    if response in (Response.YES_NO, Response.CHOICE) and not question:
        raise AnnouncementError(_("Write the question families should answer."))
    if response == Response.CHOICE:
        if len(cleaned) < 2:
            raise AnnouncementError(_("Give at least two choices, one on each line."))
        if len(cleaned) > MAX_OPTIONS:
            raise AnnouncementError(_("Give at most %(count)s choices.") % {"count": MAX_OPTIONS})
        if len(set(cleaned)) != len(cleaned):
            raise AnnouncementError(_("Each choice must be different."))
    else:
        cleaned = []
    return question[:200], cleaned


@transaction.atomic
def announcement_post(
    *,
    author: User,
    school_id: int,
    audience: str,
    title: str,
    body: str,
    class_group_ids: Iterable[int] = (),
    year_group: str = "",
    urgent: bool = False,
    response: str = Response.NONE,
    question: str = "",
    options: Iterable[str] = (),
    attachments=(),
    send_at: datetime.datetime | None = None,
    client_key: str = "",
) -> Announcement:
    """Save an announcement and (unless `send_at` is later) start its fan-out.

    Raises PermissionDenied when `author` may not post to that audience (teachers: the classes
    they teach; leaders and the office: anything, and only they send urgent ones), and
    AnnouncementError (a sentence) on an empty title or body, a question without choices, or a
    refused file. The same `client_key` posted twice returns the first announcement.
    """
    if client_key:
        earlier = Announcement.objects.filter(author=author, client_key=client_key).first()
        if earlier is not None:
            return earlier
    class_group_ids = sorted({int(pk) for pk in class_group_ids}) if audience == Audience.CLASSES else []
    if not policies.can_post_announcement_to(
        user=author, school=school_id, audience=audience, class_group_ids=class_group_ids, urgent=urgent
    ):
        raise PermissionDenied
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise AnnouncementError(_("Give the announcement a title."))
    if not body:
        raise AnnouncementError(_("Write the announcement."))
    if len(body) > MAX_BODY_CHARS:
        raise AnnouncementError(_("The announcement is too long."))
    year_group = (year_group or "").strip() if audience == Audience.YEAR_GROUP else ""
    if audience == Audience.YEAR_GROUP and not year_group:
        raise AnnouncementError(_("Choose a year group."))
    question, options = _clean_options(response, question, options)
    uploads = [(upload, attachment_check(upload)) for upload in attachments]
    now = timezone.now()
    announcement = Announcement.objects.create(
        school_id=school_id,
        author=author,
        audience=audience,
        year_group=year_group,
        title=title[:200],
        body=body,
        language=languages.detect(f"{title}\n{body}", fallback=author.preferred_language),
        urgent=urgent,
        response=response,
        question=question,
        options=options,
        status=Status.SCHEDULED if send_at else Status.SENT,
        created_at=now,
        send_at=send_at,
        sent_at=None if send_at else now,
        client_key=client_key,
    )
    if class_group_ids:
        announcement.class_groups.set(class_group_ids)
    for upload, mime in uploads:
        AnnouncementAttachment.objects.create(
            announcement=announcement,
            file=upload,
            original_name=upload.name[:255],
            content_type=mime,
            size=upload.size,
        )
    audit.record(
        actor=author,
        action="announcement.posted",
        target=announcement,
        school=school_id,
        audience=audience,
        class_groups=class_group_ids,
        year_group=year_group,
        urgent=urgent,
        send_at=send_at.isoformat() if send_at else None,
    )
    if not send_at:
        _fanout_record(announcement, after=0)
    return announcement


def _fanout_record(announcement: Announcement, *, after: int) -> None:
    outbox.record(FANOUT, target=announcement, key=f"after:{after}", payload={"after": after})


@transaction.atomic
def announcement_cancel(*, user: User, announcement: Announcement) -> Announcement:
    """Its author cancels a scheduled announcement before it goes."""
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.author_id != user.pk or announcement.status != Status.SCHEDULED:
        raise PermissionDenied
    announcement.status = Status.CANCELLED
    announcement.save(update_fields=["status"])
    audit.record(actor=user, action="announcement.cancelled", target=announcement, school=announcement.school_id)
    return announcement


def announcements_dispatch_due(*, now: datetime.datetime | None = None) -> int:
    """Send the scheduled announcements whose time has come (each claimed once, by row lock)."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            due = list(
                Announcement.objects.select_for_update(skip_locked=True)
                .filter(status=Status.SCHEDULED, send_at__lte=now)
                .order_by("send_at", "pk")[:20]
            )
            if not due:
                return sent
            for announcement in due:
                announcement.status, announcement.sent_at = Status.SENT, now
                announcement.save(update_fields=["status", "sent_at"])
                _fanout_record(announcement, after=0)
            sent += len(due)


# --- fan-out (in the worker) -----------------------------------------------------------------


def _notification_title(announcement: Announcement, *, reminder: bool = False, titles: dict[str, str] | None = None):
    """In each family's language, the title too where its translation is stored (`titles`, by
    language; one that arrives later is put in by `notifications_retitle`)."""
    title = in_active_language(titles, announcement.title) if titles else announcement.title
    if reminder:
        return format_lazy(gettext_lazy("Reminder: {title}"), title=title)
    if announcement.urgent:
        return format_lazy(gettext_lazy("Urgent: {title}"), title=title)
    return format_lazy(gettext_lazy("{school}: {title}"), school=announcement.school.name, title=title)


def _notify(announcement: Announcement, guardians: list[User], *, reminder: bool = False) -> None:
    """One notification each for `guardians` (a batch: a fixed number of queries, one outbox entry
    for their emails and texts and one for their badges), in each family's language."""
    if not guardians:
        return
    titles, tried = texts_and_languages_tried(announcement, "title")
    written_in = languages.base(announcement.language)
    notify_bridge.notify_many(
        users=guardians,
        # Urgent: a school alert, which breaks through quiet hours and goes by text too.
        kind="school_alert" if announcement.urgent else "announcement",
        title=_notification_title(announcement, reminder=reminder, titles=titles),
        url=reverse("messaging:announcement", args=[announcement.pk]),
        urgent=announcement.urgent,
        target=announcement,
        # Read from `announcement_recipients` (its audience) in this transaction.
        audience_checked=True,
        # A family reading another language is emailed (or texted) the title in theirs: the
        # translation is on its way (recorded in the fan-out), unless it was tried already.
        awaiting_translation={languages.base(guardian.preferred_language) for guardian in guardians}
        - {"", written_in}
        - tried,
    )


def announcement_fanout(*, announcement_id: int, after: int) -> int:
    """Deliver the announcement to the next FANOUT_BATCH recipients (by id, above `after`), as
    they are now: a receipt and a notification each (written together: `notify_many`), and one
    translation per new language; then
    record the next batch. Returns how many families this batch reached. Idempotent: families
    who already have a receipt are skipped. Runs in the outbox handler's transaction."""
    announcement = Announcement.objects.select_related("school").filter(pk=announcement_id).first()
    if announcement is None or announcement.status != Status.SENT:
        return 0
    batch = list(
        policies.announcement_recipients(announcement)
        .filter(pk__gt=after)
        .order_by("pk")
        .only("id", "preferred_language", "time_zone")[:FANOUT_BATCH]
    )
    if not batch:
        return 0
    have = set(
        AnnouncementReceipt.objects.filter(announcement=announcement, guardian__in=batch).values_list(
            "guardian_id", flat=True
        )
    )
    new = [guardian for guardian in batch if guardian.pk not in have]
    now = timezone.now()
    AnnouncementReceipt.objects.bulk_create(
        [AnnouncementReceipt(announcement=announcement, guardian=guardian, delivered_at=now) for guardian in new]
    )
    _notify(announcement, new)
    written_in = languages.base(announcement.language)
    for language in sorted({languages.base(guardian.preferred_language) for guardian in new} - {"", written_in}):
        # One entry per language for the whole announcement, whichever batch meets it first.
        outbox.record(TRANSLATE, target=announcement, key=language, payload={"language": language})
    if len(batch) == FANOUT_BATCH:
        _fanout_record(announcement, after=batch[-1].pk)
    return len(new)


# --- families reading and answering ----------------------------------------------------------


def _receipt_for(*, reader: User, announcement: Announcement) -> AnnouncementReceipt | None:
    """The reader's receipt (made now for a family who joined the audience after the fan-out);
    None for anyone who is not a recipient now (staff, a family whose rights were withdrawn)."""
    if not policies.is_recipient(user=reader, announcement=announcement):
        return None
    receipt, _created = AnnouncementReceipt.objects.select_for_update().get_or_create(
        announcement=announcement, guardian=reader
    )
    return receipt


@transaction.atomic
def announcement_mark_read(*, reader: User, announcement: Announcement) -> AnnouncementReceipt | None:
    """A family opened the announcement: counted as read, and its notifications marked read."""
    receipt = _receipt_for(reader=reader, announcement=announcement)
    if receipt is None:
        return None
    now = timezone.now()
    if receipt.read_at is None:
        receipt.read_at = now
        receipt.save(update_fields=["read_at"])
    Notification.objects.filter(user=reader, target_type=LABEL, target_id=announcement.pk, read_at__isnull=True).update(
        read_at=now
    )
    return receipt


@transaction.atomic
def announcement_answer(*, reader: User, announcement: Announcement, answer: str) -> AnnouncementReceipt:
    """A family answers the announcement's question (or confirms they read it); a later answer
    replaces an earlier one. PermissionDenied for anyone who is not a recipient now."""
    valid = dict(announcement.answer_choices())
    if answer not in valid:
        raise AnnouncementError(_("Choose an answer."))
    receipt = _receipt_for(reader=reader, announcement=announcement)
    if receipt is None:
        raise PermissionDenied
    now = timezone.now()
    receipt.answer, receipt.answered_at = answer, now
    receipt.read_at = receipt.read_at or now
    receipt.save(update_fields=["answer", "answered_at", "read_at"])
    audit.record(
        actor=reader, action="announcement.answered", target=announcement, school=announcement.school_id, answer=answer
    )
    return receipt


# --- the author following up -----------------------------------------------------------------


def pending_receipts(announcement: Announcement):
    """Receipts of families who are still recipients and have not read it (or, when a reply is
    asked for, not answered)."""
    receipts = AnnouncementReceipt.objects.filter(
        announcement=announcement, guardian__in=policies.announcement_recipients(announcement).values("pk")
    )
    if announcement.asks_for_reply:
        return receipts.filter(answered_at__isnull=True)
    return receipts.filter(read_at__isnull=True)


@transaction.atomic
def announcement_remind(*, user: User, announcement: Announcement) -> datetime.datetime:
    """Remind the families who have not read (or answered) yet; the others hear nothing. The
    reminders go from an outbox job, to those still pending when it runs."""
    if not policies.can_follow_up(user=user, announcement=announcement) or announcement.status != Status.SENT:
        raise PermissionDenied
    now = timezone.now()
    outbox.record(REMIND, target=announcement, key=f"at:{now.isoformat()}", payload={"at": now.isoformat()})
    audit.record(actor=user, action="announcement.reminded", target=announcement, school=announcement.school_id)
    return now


def announcement_remind_deliver(*, announcement_id: int, at: datetime.datetime) -> int:
    """Notify the next FANOUT_BATCH families still pending and not yet reminded since `at`, stamp
    them, and record the rest as another job. Idempotent: a stamped family is not reminded twice."""
    announcement = Announcement.objects.select_related("school").filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    batch = list(
        pending_receipts(announcement)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=at))
        .select_related("guardian")
        .order_by("pk")[:FANOUT_BATCH]
    )
    _notify(announcement, [receipt.guardian for receipt in batch], reminder=True)
    AnnouncementReceipt.objects.filter(pk__in=[receipt.pk for receipt in batch]).update(reminded_at=at)
    if len(batch) == FANOUT_BATCH:
        outbox.record(
            REMIND, target=announcement, key=f"at:{at.isoformat()}:{batch[-1].pk}", payload={"at": at.isoformat()}
        )
    return len(batch)


# --- a private reply -------------------------------------------------------------------------


@transaction.atomic
def announcement_reply(*, guardian: User, announcement: Announcement, body: str) -> Conversation:
    """Open an ordinary conversation between the family and the announcement's author, about a
    child of theirs in the audience (or with the school office when the author is not someone
    the family may write to about that child)."""
    from messaging.services.conversations import conversation_start

    if not policies.is_recipient(user=guardian, announcement=announcement):
        raise PermissionDenied
    subject = _("Re: %(title)s") % {"title": announcement.title}
    children = policies.audience_pupils(announcement).filter(
        guardianships__guardian=guardian, guardianships__can_view=True
    )
    for child in children.order_by("pk"):
        reachable = conversation_policies.recipients_reachable(
            user=guardian, kind=Conversation.Kind.GUARDIAN_STAFF, pupil=child
        )
        if reachable.filter(pk=announcement.author_id).exists():
            return conversation_start(
                starter=guardian,
                kind=Conversation.Kind.GUARDIAN_STAFF,
                pupil=child,
                subject=subject,
                body=body,
                recipient_ids=[announcement.author_id],
            )
    return conversation_start(
        starter=guardian, kind=Conversation.Kind.SUPPORT, school=announcement.school, subject=subject, body=body
    )
