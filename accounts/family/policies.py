"""Who may manage which invitation and which family member. A guessed id answers 404."""

from django.http import Http404

from accounts.models import FamilyInvitation, Guardianship, Pupil, User
from accounts.policies import locked


def children_to_share(user: User):
    """Children whose guardian `user` is, with viewing rights: the ones they may invite others to."""
    if not user.is_authenticated:
        return Pupil.objects.none()
    mine = Guardianship.objects.filter(guardian=user, can_view=True, no_contact=False).values("pupil_id")
    return Pupil.objects.filter(pk__in=mine)


def access_family_invitation(*, user: User, family_invitation_id: int, for_update: bool = False) -> FamilyInvitation:
    """An invitation its sender may see or cancel; anyone else gets 404."""
    if not user.is_authenticated:
        raise Http404
    try:
        invitation = FamilyInvitation.objects.get(pk=family_invitation_id, inviter=user)
    except (FamilyInvitation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return locked(invitation) if for_update else invitation


def members_managed_by(user: User):
    """Guardianships `user` created by invitation for a child they still see, never restricted ones."""
    if not user.is_authenticated:
        return Guardianship.objects.none()
    return Guardianship.objects.filter(
        scope__invitation__inviter=user,
        pupil_id__in=children_to_share(user).values("pk"),
        no_contact=False,
    ).exclude(guardian=user)


def access_family_member(*, user: User, guardianship_id: int, for_update: bool = False) -> Guardianship:
    try:
        member = members_managed_by(user).select_related("guardian", "pupil", "scope").get(pk=guardianship_id)
    except (Guardianship.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return locked(member, "guardian", "pupil", "scope") if for_update else member
