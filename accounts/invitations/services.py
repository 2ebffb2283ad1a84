"""Invitations and link requests: every write is audited; emails go through the outbox (effects.py)."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import int_to_base36
from django.utils.translation import gettext as _

from accounts import audit
from accounts.invitations import policies
from accounts.invitations.tokens import invitation_tokens, link_tokens
from accounts.models import AccountLink, ClassGroup, Department, Guardianship, Membership, Pupil, School, User
from hub import outbox


class InvitationRefused(Exception):
    """The account has a password already: its owner signs in (or resets it) instead."""


def _absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def invitation_url(*, user: User) -> str:
    return _absolute(
        reverse(
            "invitation_accept", kwargs={"uidb36": int_to_base36(user.pk), "key": invitation_tokens.make_token(user)}
        )
    )


def link_url(*, link: AccountLink) -> str:
    return _absolute(
        reverse("account_link_respond", kwargs={"uidb36": int_to_base36(link.pk), "key": link_tokens.make_token(link)})
    )


def account_create(
    *,
    actor: User | None,
    email: str,
    display_name: str,
    school: School | None = None,
    phone: str = "",
    preferred_language: str = "",
) -> User:
    """A new account with no usable password; its owner is emailed an invitation to set one."""
    with transaction.atomic():
        user = User(email=User.objects.normalize_email(email).lower(), display_name=display_name, phone=phone)
        if preferred_language:
            user.preferred_language = preferred_language
        user.set_unusable_password()
        user.save()
        audit.record(actor=actor, action="user.created", target=user, school=school)
        invitation_send(actor=actor, user=user, school=school)
    return user


@transaction.atomic
def person_add(
    *,
    actor: User,
    email: str,
    display_name: str,
    school: School | None,
    role: str = "",
    pupil: Pupil | None = None,
    relationship: str = "",
    preferred_language: str = "",
) -> tuple[User, bool]:
    """Add a person to `school` as staff (`role`) and/or as `pupil`'s guardian.

    A new email gets a new account and an invitation. An account that exists and is already
    linked to the school gets the new links at once; one that is not is only asked (a link
    request its owner accepts or declines), exactly as a roster import does, so adding someone
    in admin never hands the school an account that is someone else's. Returns the account and
    whether it was created.
    """
    existing = User.objects.filter(email__iexact=email.strip()).first()
    links = []
    if role:
        links.append({"kind": "staff", "role": role, "department_id": None, "class_group_ids": []})
    if pupil is not None:
        links.append(
            {
                "kind": "guardian",
                "pupil_id": pupil.pk,
                "relationship": relationship,
                "parental_responsibility": True,
                "primary_contact": False,
            }
        )
    if existing is not None and school is not None and not policies.is_linked_to(user=existing, school=school):
        link_request(actor=actor, user=existing, school=school, links=links)
        return existing, False
    user = existing or account_create(
        actor=actor,
        email=email,
        display_name=display_name,
        school=school,
        preferred_language=preferred_language,
    )
    if role:
        membership, created = Membership.objects.get_or_create(user=user, school=school, role=role)
        if created:
            audit.record(actor=actor, action="membership.created_in_admin", target=membership)
    if pupil is not None:
        guardianship, created = Guardianship.objects.get_or_create(
            guardian=user, pupil=pupil, defaults={"relationship": relationship}
        )
        if created:
            audit.record(actor=actor, action="guardianship.created_in_admin", target=guardianship)
    return user, existing is None


@transaction.atomic
def invitation_send(*, actor: User | None, user: User, school: School | None = None) -> None:
    """Email `user` a link to set their first password. Refused once they have one."""
    if user.has_usable_password():
        raise InvitationRefused
    entry = audit.record(actor=actor, action="user.invited", target=user, school=school)
    # Sent by the outbox after the commit (at least once, retried while the mail server is down);
    # one email per invitation, so a resend is a new entry.
    outbox.record(
        "accounts.invitation_email",
        target=user,
        key=f"audit-{entry.pk}",
        payload={"school_name": school.name if school is not None else ""},
    )


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> User:
    """Set the first password. Following the emailed link proves the address, so it is verified."""
    if user.has_usable_password():
        raise InvitationRefused
    user.set_password(password)
    user.save(update_fields=["password"])
    address, _created = EmailAddress.objects.get_or_create(user=user, email=user.email)
    EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
    address.verified = True
    address.primary = True
    address.save(update_fields=["verified", "primary"])
    now = timezone.now()
    Guardianship.objects.filter(guardian=user, status=Guardianship.Status.INVITED).update(
        status=Guardianship.Status.ACTIVE, activated_at=now
    )
    audit.record(actor=user, action="user.invitation_accepted", target=user)
    return user


# --- existing accounts met by another school ----------------------------------------------------


@transaction.atomic
def link_request(*, actor: User | None, user: User, school: School, links: list[dict]) -> AccountLink:
    """Ask the owner of an existing account to accept links to `school`; nothing is linked yet.

    A second import before they answer adds to the same pending request (one email per change).
    """
    link = (
        AccountLink.objects.select_for_update()
        .filter(user=user, school=school, status=AccountLink.Status.PENDING)
        .first()
    )
    if link is None:
        link = AccountLink.objects.create(user=user, school=school, requested_by=actor, links=[])
    added = [entry for entry in links if entry not in link.links]
    if not added:
        return link
    link.links = [*link.links, *added]
    link.save(update_fields=["links"])
    audit.record(actor=actor, action="account_link.requested", target=link, school=school, links=added)
    outbox.record("accounts.link_notice_email", target=link, key=f"links-{len(link.links)}")
    return link


def describe_links(link: AccountLink) -> list[str]:
    """What accepting would do, in the owner's words (for the notice and the page)."""
    pupils = Pupil.objects.in_bulk([e["pupil_id"] for e in link.links if e["kind"] == "guardian"])
    lines = []
    for entry in link.links:
        if entry["kind"] == "guardian" and entry["pupil_id"] in pupils:
            lines.append(_("Family contact for %(pupil)s") % {"pupil": pupils[entry["pupil_id"]].full_name})
        elif entry["kind"] == "staff":
            lines.append(_("Staff role: %(role)s") % {"role": Membership(role=entry["role"]).get_role_display()})
    return lines


@transaction.atomic
def link_accept(*, link: AccountLink) -> AccountLink:
    """The owner agreed: create the staff roles and family links the school asked for."""
    link = AccountLink.objects.select_for_update().get(pk=link.pk)
    if link.status != AccountLink.Status.PENDING:
        raise PermissionDenied
    now = timezone.now()
    for entry in link.links:
        if entry["kind"] == "guardian":
            pupil = Pupil.objects.filter(pk=entry["pupil_id"], school=link.school).first()
            if pupil is None:
                continue  # removed since the import
            guardianship, created = Guardianship.objects.get_or_create(
                guardian=link.user,
                pupil=pupil,
                defaults={
                    "relationship": entry["relationship"],
                    "parental_responsibility": entry["parental_responsibility"],
                    "is_primary_contact": entry["primary_contact"],
                    "status": Guardianship.Status.ACTIVE,
                    "activated_at": now,
                },
            )
            if created:
                audit.record(actor=link.user, action="guardianship.created", target=guardianship, link_id=link.pk)
        elif entry["kind"] == "staff":
            department = Department.objects.filter(pk=entry.get("department_id"), school=link.school).first()
            membership, created = Membership.objects.get_or_create(
                user=link.user, school=link.school, role=entry["role"], defaults={"department": department}
            )
            if created:
                audit.record(actor=link.user, action="membership.created", target=membership, link_id=link.pk)
            for group in ClassGroup.objects.filter(pk__in=entry.get("class_group_ids", []), school=link.school):
                group.staff.add(link.user)
    link.status = AccountLink.Status.ACCEPTED
    link.responded_at = now
    link.save(update_fields=["status", "responded_at"])
    audit.record(actor=link.user, action="account_link.accepted", target=link, school=link.school)
    return link


@transaction.atomic
def link_decline(*, link: AccountLink) -> AccountLink:
    link = AccountLink.objects.select_for_update().get(pk=link.pk)
    if link.status != AccountLink.Status.PENDING:
        raise PermissionDenied
    link.status = AccountLink.Status.DECLINED
    link.responded_at = timezone.now()
    link.save(update_fields=["status", "responded_at"])
    audit.record(actor=link.user, action="account_link.declined", target=link, school=link.school)
    return link
