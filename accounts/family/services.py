"""Invite, accept, cancel, change and remove family members. Every write is audited; the
invitation email goes through the outbox (effects.py).

The emailed link carries the invitation's id signed by Django (`django.core.signing`, its own
salt, checked with the invitation's lifetime); the invitation's status makes it single-use.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts.family.policies import children_to_share
from accounts.models import FamilyInvitation, GuardianScope, Guardianship, Pupil, User
from accounts.models.family import ALL_SCOPES, INVITATION_LIFETIME
from hub import outbox

INVITATION_EMAIL = "accounts.family_invitation_email"
_SALT = "accounts.family.invitation"


class FamilyError(Exception):
    """A refusal worded for the person who asked (`field` names the form field it belongs to)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


# --- the link ------------------------------------------------------------------------------------


def invitation_token(invitation: FamilyInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email.lower()}, salt=_SALT, compress=True)


def invitation_url(invitation: FamilyInvitation) -> str:
    path = reverse("family:join", kwargs={"token": invitation_token(invitation)})
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def invitation_from_token(token: str) -> FamilyInvitation | None:
    """The invitation the link names, whatever its state, or None when the signature or age fails."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=INVITATION_LIFETIME)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    invitation = FamilyInvitation.objects.select_related("inviter").filter(pk=data.get("i")).first()
    if invitation is None or invitation.email.lower() != data.get("e"):
        return None
    return invitation


SESSION_KEY = "family_invitation_token"


def remember_for_signup(request, token: str) -> None:
    """An invited person without an account may sign up while this session holds their link."""
    request.session[SESSION_KEY] = token


def signup_invitation(request) -> FamilyInvitation | None:
    token = getattr(request, "session", {}).get(SESSION_KEY)
    invitation = invitation_from_token(token) if token else None
    return invitation if invitation is not None and invitation.is_usable() else None


# --- invite --------------------------------------------------------------------------------------


def _clean_scopes(scopes) -> list[str]:
    return [s for s in ALL_SCOPES if s in set(scopes)]


@transaction.atomic
def invitation_create(
    *, inviter: User, email: str, relationship: str, scopes: dict[int, list[str]], parental_responsibility=False
) -> FamilyInvitation:
    """Offer `email` a link to each child in `scopes` (pupil id -> what they may see)."""
    email = email.strip()
    offered = {int(pid): _clean_scopes(granted) for pid, granted in scopes.items() if _clean_scopes(granted)}
    if not offered:
        raise FamilyError(_("Choose at least one child and what they may see."))
    pupils = list(children_to_share(inviter).filter(pk__in=offered).select_related("school").order_by("pk"))
    if len(pupils) != len(offered):
        raise FamilyError(_("Choose at least one child and what they may see."))
    if email.lower() == (inviter.email or "").lower():
        raise FamilyError(_("Enter the email address of the person you are inviting."), field="email")
    # A person the school has barred from a child (court order) is never invited again to that
    # child. The answer is neutral: it says nothing about why.
    if Guardianship.objects.filter(guardian__email__iexact=email, pupil__in=pupils, no_contact=True).exists():
        raise FamilyError(_("You cannot invite this person. Contact the school if you think this is wrong."), "email")
    invitation = FamilyInvitation.objects.create(
        inviter=inviter,
        email=email,
        relationship=relationship,
        parental_responsibility=parental_responsibility,
        scopes={str(pid): granted for pid, granted in sorted(offered.items())},
    )
    for pupil in pupils:
        audit.record(
            actor=inviter,
            action="family_invitation.sent",
            target=invitation,
            school=pupil.school,
            pupil_id=pupil.pk,
            email=email,
            scopes=offered[pupil.pk],
        )
    outbox.record(INVITATION_EMAIL, target=invitation)
    return invitation


def _school_of(invitation: FamilyInvitation):
    first = Pupil.objects.filter(pk__in=invitation.pupil_ids).order_by("pk").values("school_id").first()
    return first["school_id"] if first else None


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: FamilyInvitation) -> FamilyInvitation:
    invitation = FamilyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != FamilyInvitation.Status.PENDING:
        raise FamilyError(_("This invitation has already been answered or cancelled."))
    invitation.status = FamilyInvitation.Status.REVOKED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    audit.record(actor=actor, action="family_invitation.revoked", target=invitation, school=_school_of(invitation))
    return invitation


@transaction.atomic
def invitation_expire_if_due(*, invitation: FamilyInvitation) -> FamilyInvitation:
    """Record the lapse when someone meets an invitation past its date (audited once)."""
    invitation = FamilyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status == FamilyInvitation.Status.PENDING and timezone.now() >= invitation.expires_at:
        invitation.status = FamilyInvitation.Status.EXPIRED
        invitation.save(update_fields=["status"])
        audit.record(actor=None, action="family_invitation.expired", target=invitation, school=_school_of(invitation))
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, invitation: FamilyInvitation) -> list[Guardianship]:
    """The invited person (signed in with the invited address) accepts: one guardianship per child
    the inviter still sees, each with the scopes offered. Single-use: refused unless pending."""
    invitation = FamilyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable():
        raise FamilyError(_("This invitation can no longer be used."))
    if user.email.lower() != invitation.email.lower():
        raise FamilyError(_("This invitation was sent to another email address."))
    now = timezone.now()
    still_shared = children_to_share(invitation.inviter).filter(pk__in=invitation.pupil_ids).select_related("school")
    made = []
    for pupil in still_shared.order_by("pk"):
        granted = invitation.scopes.get(str(pupil.pk), [])
        guardianship, created = Guardianship.objects.get_or_create(
            guardian=user,
            pupil=pupil,
            defaults={
                "relationship": invitation.relationship,
                "parental_responsibility": invitation.parental_responsibility,
                "status": Guardianship.Status.ACTIVE,
                "activated_at": now,
            },
        )
        if guardianship.no_contact:
            continue  # barred by the school: nothing changes, and nothing says so
        if not created:
            has_scope = GuardianScope.objects.filter(guardianship=guardianship).exists()
            if guardianship.can_view and not has_scope:
                continue  # already a full guardian through the school: an invitation never narrows that
            guardianship.can_view = True
            guardianship.status = Guardianship.Status.ACTIVE
            guardianship.activated_at = guardianship.activated_at or now
            guardianship.save(update_fields=["can_view", "status", "activated_at"])
        GuardianScope.objects.update_or_create(
            guardianship=guardianship,
            defaults={**{s: s in granted for s in ALL_SCOPES}, "invitation": invitation},
        )
        audit.record(
            actor=user,
            action="guardianship.created_by_invitation",
            target=guardianship,
            school=pupil.school,
            invitation_id=invitation.pk,
            scopes=granted,
        )
        made.append(guardianship)
    invitation.status = FamilyInvitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.responded_at = now
    invitation.save(update_fields=["status", "accepted_by", "responded_at"])
    audit.record(actor=user, action="family_invitation.accepted", target=invitation, school=_school_of(invitation))
    return made


# --- members -------------------------------------------------------------------------------------


@transaction.atomic
def member_scopes_change(*, actor: User, member: Guardianship, scopes: list[str]) -> GuardianScope:
    scope = GuardianScope.objects.select_for_update().get(guardianship=member)
    old = scope.granted()
    new = _clean_scopes(scopes)
    for name in ALL_SCOPES:
        setattr(scope, name, name in new)
    scope.save(update_fields=list(ALL_SCOPES))
    # Saved again so that everything listening to a change of rights (messaging closes the
    # member's open sockets and ends participations they lost) hears of it.
    member.save(update_fields=["can_view"])
    audit.record(
        actor=actor,
        action="guardianship.scopes_changed",
        target=member,
        school=member.pupil.school_id,
        old=old,
        new=new,
    )
    return scope


@transaction.atomic
def member_remove(*, actor: User, member: Guardianship) -> Guardianship:
    """Soft: the link stays (history, audit) but grants nothing from the next request on."""
    member = Guardianship.objects.select_for_update().get(pk=member.pk)
    member.can_view = False
    member.save(update_fields=["can_view"])
    audit.record(actor=actor, action="guardianship.removed_by_family", target=member, school=member.pupil.school_id)
    return member
