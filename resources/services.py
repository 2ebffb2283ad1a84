"""Every write to the resource library: keyword-only, in a transaction, audited. Callers pass
objects they obtained through `resources.policies` (access already decided); these functions check
only what the acting person may do with it and the resource's state."""

from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts import policies as people
from accounts.models import Membership, Pupil, School, User
from hub import outbox
from resources import notices
from resources.checks import CAPTION_SUFFIXES, check_resource
from resources.models import (
    TIERS_BEYOND_SCHOOL,
    ApprovalStatus,
    Kind,
    Licence,
    Resource,
    ResourceGrant,
    ResourceUse,
    ResourceVersion,
    Review,
    ShareApproval,
    Status,
    StrategyFeedback,
    StrategySuggestion,
    Tag,
    TagKind,
    Visibility,
)
from resources.policies import (
    may_approve,
    may_edit,
    may_give_feedback,
    may_moderate,
    may_withdraw,
    suggestion_schools,
)

# What a resource file may be, sniffed from its first bytes (never the name or the browser's claim).
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/epub+zip",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/x-wav",
        "video/mp4",
        "video/webm",
    }
)


class ResourceRefused(Exception):
    """A write the library refuses, with a sentence the person can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def max_upload_bytes() -> int:
    return getattr(settings, "RESOURCES_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)


def upload_check(upload) -> str:
    """The sniffed content type of `upload` if the library takes it; ResourceRefused otherwise."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ResourceRefused(
            _("%(name)s is too big: the largest file you can add is %(size)s MB.")
            % {"name": upload.name, "size": limit // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    caption_type = _captions_type(name=upload.name or "", head=head)
    if caption_type:
        return caption_type
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ResourceRefused(
            _("%(name)s cannot be added: add a PDF, a picture, an office document, a recording or a video.")
            % {"name": upload.name}
        )
    return kind.mime


def _captions_type(*, name: str, head: bytes) -> str | None:
    """A video's captions file (WebVTT or SubRip) is text, which sniffing cannot tell from anything
    else: taken by its name when its first line is what those formats start with."""
    if not name.lower().endswith(CAPTION_SUFFIXES):
        return None
    first = head.lstrip(b"\xef\xbb\xbf").lstrip().split(b"\n", 1)[0].strip()
    if name.lower().endswith(".vtt") and first.startswith(b"WEBVTT"):
        return "text/vtt"
    if name.lower().endswith(".srt") and first.isdigit():
        return "application/x-subrip"
    return None


def accessibility_refresh(*, resource: Resource) -> list[dict]:
    """Run the accessibility checks again and keep what they found on the resource."""
    findings = check_resource(resource)
    Resource.objects.filter(pk=resource.pk).update(accessibility_findings=findings)
    resource.accessibility_findings = findings
    return findings


def _store_version(*, resource: Resource, user: User, upload, mime: str, change_note: str) -> ResourceVersion:
    last = resource.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ResourceVersion(
        resource=resource,
        number=last + 1,
        original_name=(upload.name or "resource")[:255],
        content_type=mime,
        size=upload.size,
        change_note=change_note,
        created_by=user,
    )
    version.file.save(upload.name or "resource", upload, save=False)
    version.save()
    return version


def _department_of(*, user: User, school: School):
    membership = (
        Membership.objects.filter(user=user, school=school, is_active=True, department__isnull=False)
        .order_by("pk")
        .first()
    )
    return membership.department if membership else None


@transaction.atomic
def resource_create(
    *,
    author: User,
    school: School,
    title: str,
    kind: str,
    description: str = "",
    body: str = "",
    link_url: str = "",
    link_captioned: bool = False,
    licence: str = Licence.CC_BY,
    attribution: str = "",
    tags: list[Tag] | tuple = (),
    sensitive: bool = False,
    status: str = Status.DRAFT,
    upload=None,
    change_note: str = "",
) -> Resource:
    """A new resource at `school`, private to its author until shared (resource_share)."""
    if not people.is_staff_at(user=author, school=school):
        raise PermissionDenied
    mime = upload_check(upload) if upload is not None else None
    resource = Resource.objects.create(
        title=title,
        kind=kind,
        description=description,
        body=body,
        link_url=link_url,
        link_captioned=link_captioned,
        licence=licence,
        attribution=attribution or author.display_name,
        author=author,
        school=school,
        department=_department_of(user=author, school=school),
        sensitive=sensitive,
        status=status,
    )
    resource.set_tags(tags)
    if mime:
        _store_version(resource=resource, user=author, upload=upload, mime=mime, change_note=change_note)
    accessibility_refresh(resource=resource)
    audit.record(actor=author, action="resource.created", target=resource)
    return resource


EDITABLE = (
    "title",
    "kind",
    "description",
    "body",
    "link_url",
    "link_captioned",
    "licence",
    "attribution",
    "sensitive",
    "status",
)
# A change to any of these changes what the accessibility checks see.
CHECKED = frozenset({"kind", "body", "link_url", "link_captioned"})


@transaction.atomic
def resource_update(*, user: User, resource: Resource, tags=None, **fields) -> Resource:
    """Change what a resource says. Marking it sensitive while it is shared beyond the school takes
    it back to the school until a leader approves (the same rule as sharing)."""
    if not may_edit(user=user, resource=resource):
        raise PermissionDenied
    for name, value in fields.items():
        if name not in EDITABLE:
            raise TypeError(name)
        setattr(resource, name, value)
    if (
        resource.sensitive
        and resource.visibility in TIERS_BEYOND_SCHOOL
        and not may_approve(user=user, resource=resource)
    ):
        resource.visibility = Visibility.SCHOOL
    resource.updated_at = timezone.now()
    resource.save()
    if tags is not None:
        resource.set_tags(tags)
    if CHECKED & set(fields):
        accessibility_refresh(resource=resource)
    audit.record(actor=user, action="resource.updated", target=resource, fields=sorted(fields))
    return resource


@transaction.atomic
def version_add(*, user: User, resource: Resource, upload, change_note: str) -> ResourceVersion:
    """A new file for the resource; earlier versions stay, each with its change note."""
    if not may_edit(user=user, resource=resource):
        raise PermissionDenied
    if not change_note.strip():
        raise ResourceRefused(_("Say what changed in this version."))
    mime = upload_check(upload)
    version = _store_version(resource=resource, user=user, upload=upload, mime=mime, change_note=change_note.strip())
    Resource.objects.filter(pk=resource.pk).update(updated_at=timezone.now())
    accessibility_refresh(resource=resource)
    audit.record(actor=user, action="resource.version_added", target=resource, version=version.number)
    return version


@transaction.atomic
def resource_copy(*, user: User, resource: Resource, school: School) -> Resource:
    """A private draft copy at `school` (one where `user` works), recording where it came from.
    Refused when the licence keeps all rights and the copy would leave the author's school."""
    if not people.is_staff_at(user=user, school=school):
        raise PermissionDenied
    if resource.status in (Status.MODERATION, Status.DECLINED):
        raise ResourceRefused(_("A family's suggestion can be copied once the school has published it."))
    if resource.licence == Licence.ALL_RIGHTS_RESERVED and school.pk != resource.school_id:
        raise ResourceRefused(_("Its licence keeps all rights: ask its author's school before copying it."))
    copy = Resource.objects.create(
        title=resource.title,
        kind=resource.kind,
        description=resource.description,
        body=resource.body,
        link_url=resource.link_url,
        link_captioned=resource.link_captioned,
        licence=resource.licence,
        # A family's strategy keeps its credit ("a parent at <school>"), not the copier's name.
        attribution=resource.credit if resource.from_family else resource.attribution,
        author=user,
        school=school,
        department=_department_of(user=user, school=school),
        sensitive=resource.sensitive,
        status=Status.DRAFT,
        copied_from=resource,
    )
    copy.set_tags(list(resource.tags.all()))
    latest = resource.versions.order_by("-number").first()
    if latest is not None:
        with latest.file.open("rb") as handle:
            content = ContentFile(handle.read(), name=latest.original_name)
        _store_version(
            resource=copy,
            user=user,
            upload=content,
            mime=latest.content_type,
            change_note=_("Copied from %(school)s") % {"school": resource.school.name},
        )
    accessibility_refresh(resource=copy)
    audit.record(actor=user, action="resource.copied", target=copy, copied_from=resource.pk)
    return copy


@dataclass
class ShareOutcome:
    shared: bool
    approval: ShareApproval | None = None


@transaction.atomic
def resource_share(*, user: User, resource: Resource, visibility: str, published_to_families: bool) -> ShareOutcome:
    """Set who sees the resource. A sensitive resource goes beyond its school only with a school
    leader's approval: a leader's own share takes effect; anyone else's becomes a request in the
    leaders' queue and the resource stays where it was. Every share is audited."""
    if not may_edit(user=user, resource=resource):
        raise PermissionDenied
    if visibility not in Visibility.values:
        raise ResourceRefused(_("Choose who can see it."))
    resource.published_to_families = published_to_families
    if resource.sensitive and visibility in TIERS_BEYOND_SCHOOL and not may_approve(user=user, resource=resource):
        resource.save(update_fields=["published_to_families"])
        approval = resource.approvals.filter(status=ApprovalStatus.PENDING).first()
        if approval is None:
            approval = ShareApproval.objects.create(resource=resource, visibility=visibility, requested_by=user)
            # The school's leaders are told (who they are is decided when the notice goes).
            outbox.record(notices.SHARE_REQUESTED, target=approval)
        else:
            approval.visibility = visibility
            approval.save(update_fields=["visibility"])
        audit.record(actor=user, action="resource.share_requested", target=resource, visibility=visibility)
        return ShareOutcome(shared=False, approval=approval)
    resource.visibility = visibility
    if resource.status == Status.DRAFT and visibility != Visibility.PRIVATE:
        resource.status = Status.PUBLISHED
    resource.save(update_fields=["visibility", "published_to_families", "status"])
    audit.record(
        actor=user,
        action="resource.shared",
        target=resource,
        visibility=visibility,
        published_to_families=published_to_families,
    )
    return ShareOutcome(shared=True)


@transaction.atomic
def approval_decide(*, user: User, approval: ShareApproval, approve: bool) -> ShareApproval:
    """A school leader approves (the share takes effect) or refuses a pending request."""
    resource = approval.resource
    if not may_approve(user=user, resource=resource):
        raise PermissionDenied
    if approval.status != ApprovalStatus.PENDING:
        raise ResourceRefused(_("This request has already been decided."))
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REFUSED
    approval.decided_by = user
    approval.decided_at = timezone.now()
    approval.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        resource.visibility = approval.visibility
        resource.status = Status.PUBLISHED
        resource.save(update_fields=["visibility", "status"])
    audit.record(
        actor=user,
        action="resource.share_approved" if approve else "resource.share_refused",
        target=resource,
        visibility=approval.visibility,
    )
    outbox.record(notices.SHARE_DECIDED, target=approval)
    return approval


@transaction.atomic
def grant_add(
    *,
    user: User,
    resource: Resource,
    grantee: User | None = None,
    school: School | None = None,
    role: str = "",
    expires_at=None,
) -> ResourceGrant:
    """Open the resource to one person or to a role at a school, until `expires_at` if given.
    A sensitive resource is granted beyond its school by a school leader only."""
    if not may_edit(user=user, resource=resource):
        raise PermissionDenied
    if (grantee is None) == (school is None or not role):
        raise ResourceRefused(_("Choose a person, or a role at a school."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ResourceRefused(_("Choose an end date in the future."))
    beyond = (
        school.pk != resource.school_id
        if school is not None
        else not people.is_staff_at(user=grantee, school=resource.school_id)
    )
    if resource.sensitive and beyond and not may_approve(user=user, resource=resource):
        raise ResourceRefused(_("This resource is sensitive: a school leader must share it beyond the school."))
    grant = ResourceGrant.objects.create(
        resource=resource, user=grantee, school=school, role=role, expires_at=expires_at, granted_by=user
    )
    audit.record(
        actor=user,
        action="resource.granted",
        target=resource,
        grantee=getattr(grantee, "pk", None),
        school_granted=getattr(school, "pk", None),
        role=role,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return grant


@transaction.atomic
def resource_delete(*, user: User, resource: Resource) -> None:
    """Soft delete: the row stays (lineage, audit) but nobody sees it."""
    if not may_edit(user=user, resource=resource):
        raise PermissionDenied
    resource.deleted_at = timezone.now()
    resource.save(update_fields=["deleted_at"])
    audit.record(actor=user, action="resource.deleted", target=resource)


def use_record(*, user: User, resource: Resource, kind: str) -> None:
    """Count one view or download of `resource` today, under the person's school (their first staff
    school; none for families). A counter per (resource, school, kind, day): no per-person row."""
    school_id = (
        Membership.objects.filter(user=user, is_active=True)
        .order_by("school_id")
        .values_list("school_id", flat=True)
        .first()
    )
    today = timezone.localdate()
    counter = ResourceUse.objects.filter(resource=resource, school_id=school_id, kind=kind, day=today)
    if counter.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ResourceUse.objects.create(resource=resource, school_id=school_id, kind=kind, day=today, count=1)
    except IntegrityError:  # someone else counted the first one of the day a moment ago
        counter.update(count=F("count") + 1)


@transaction.atomic
def review_save(*, user: User, resource: Resource, stars: int, text: str = "") -> Review:
    """The person's stars and words on a resource (one each, editable); the resource's average
    is kept beside it so the library sorts by rating without a join."""
    if resource.author_id == user.pk:
        raise ResourceRefused(_("You cannot review your own resource."))
    if resource.status in (Status.MODERATION, Status.DECLINED):
        raise ResourceRefused(_("A family's suggestion can be reviewed once the school has published it."))
    if not 1 <= int(stars) <= 5:
        raise ResourceRefused(_("Choose from 1 to 5 stars."))
    review, _created = Review.objects.update_or_create(
        resource=resource, user=user, defaults={"stars": stars, "text": text, "updated_at": timezone.now()}
    )
    summary = Review.objects.filter(resource=resource).aggregate(average=Avg("stars"), count=Count("pk"))
    Resource.objects.filter(pk=resource.pk).update(rating_average=summary["average"], rating_count=summary["count"])
    return review


@transaction.atomic
def feedback_save(
    *, user: User, resource: Resource, duration: str, outcome: str, comment: str = "", pupil: Pupil | None = None
) -> StrategyFeedback:
    """A family's word on a home strategy: one per family per strategy, editable."""
    if not may_give_feedback(user=user, resource=resource):
        raise PermissionDenied
    if pupil is not None and not people.is_guardian_of(user=user, pupil=pupil):
        raise PermissionDenied
    feedback, _created = StrategyFeedback.objects.update_or_create(
        resource=resource,
        family=user,
        defaults={
            "duration": duration,
            "outcome": outcome,
            "comment": comment,
            "pupil": pupil,
            "updated_at": timezone.now(),
        },
    )
    return feedback


# Families' suggestions --------------------------------------------------------------------------


@transaction.atomic
def strategy_suggest(
    *,
    guardian: User,
    school: School,
    title: str,
    body: str,
    needs: list[Tag] | tuple = (),
    link_url: str = "",
    show_name: bool = False,
) -> Resource:
    """A home strategy a family suggests at `school` (one of their own children's): it waits for
    moderation, seen only by them and the school's moderators, who are told. PermissionDenied
    for any other school; ResourceRefused for a tag that is not a need."""
    if not suggestion_schools(guardian).filter(pk=school.pk).exists():
        raise PermissionDenied
    needs = list(needs)
    if any(tag.kind != TagKind.NEED for tag in needs):
        raise ResourceRefused(_("Choose the needs it helps with."))
    resource = Resource.objects.create(
        title=title,
        kind=Kind.HOME_STRATEGY,
        body=body,
        link_url=link_url,
        author=guardian,
        school=school,
        # Nobody beyond the author and the moderators until approved, whatever else goes wrong.
        visibility=Visibility.PRIVATE,
        published_to_families=False,
        status=Status.MODERATION,
        from_family=True,
    )
    resource.set_tags(needs)
    StrategySuggestion.objects.create(resource=resource, show_name=show_name)
    accessibility_refresh(resource=resource)
    audit.record(actor=guardian, action="resource.suggested", target=resource)
    outbox.record(notices.SUGGESTION_WAITING, target=resource)
    return resource


@transaction.atomic
def suggestion_withdraw(*, guardian: User, resource: Resource) -> None:
    """The family takes back their own suggestion: soft-deleted (the row and its audit stay), so
    it leaves the moderators' queue and their notice of it opens nothing. Locked first, so a
    moderator deciding at the same moment either decides before (and this is refused: published,
    it is the school's now) or finds it gone. PermissionDenied for anyone but its author;
    ResourceRefused, saying why, once the school has published it."""
    resource = people.locked(resource)
    if not (resource.from_family and resource.author_id == guardian.pk):
        raise PermissionDenied
    if not may_withdraw(user=guardian, resource=resource):
        raise ResourceRefused(_("The school has already published your suggestion, so it can no longer be withdrawn."))
    resource.deleted_at = timezone.now()
    resource.save(update_fields=["deleted_at"])
    audit.record(actor=guardian, action="resource.suggestion_withdrawn", target=resource)


@dataclass
class Decision:
    resource: Resource
    # False when it had been decided already: nothing changed, nobody is told again.
    changed: bool


@transaction.atomic
def suggestion_decide(*, moderator: User, resource: Resource, approve: bool, reason: str = "") -> Decision:
    """A moderator of the suggestion's school (from the memberships now: PermissionDenied for one
    who lost the role) approves it, publishing it to the school's families credited to "a parent
    at <school>" (or the family's name, if they asked), or declines it with a reason the family
    reads. Deciding one already decided changes nothing. Audited; the family is told."""
    if not may_moderate(user=moderator, resource=resource):
        raise PermissionDenied
    resource = people.locked(resource, "school", "author")
    if not resource.from_family or resource.deleted_at is not None:  # withdrawn by the family meanwhile
        raise PermissionDenied
    if resource.status != Status.MODERATION:
        return Decision(resource=resource, changed=False)
    reason = reason.strip()
    if not approve and not reason:
        raise ResourceRefused(_("Say why it cannot be published: the parent reads it."))
    suggestion, _created = StrategySuggestion.objects.select_for_update().get_or_create(resource=resource)
    now = timezone.now()
    if approve:
        resource.status = Status.PUBLISHED
        resource.visibility = Visibility.SCHOOL
        resource.published_to_families = True
        resource.attribution = resource.author.display_name if suggestion.show_name else ""
    else:
        resource.status = Status.DECLINED
    resource.updated_at = now
    resource.save(update_fields=["status", "visibility", "published_to_families", "attribution", "updated_at"])
    suggestion.decided_by = moderator
    suggestion.decided_at = now
    suggestion.decline_reason = "" if approve else reason
    suggestion.save(update_fields=["decided_by", "decided_at", "decline_reason"])
    audit.record(
        actor=moderator,
        action="resource.suggestion_approved" if approve else "resource.suggestion_declined",
        target=resource,
    )
    outbox.record(notices.SUGGESTION_DECIDED, target=resource)
    return Decision(resource=resource, changed=True)
