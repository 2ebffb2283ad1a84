"""What the family page shows: the user's children, the members they invited, their open invitations.
A fixed number of queries however many children and members there are."""

from collections import defaultdict

from accounts.family.policies import children_to_share, members_managed_by
from accounts.models import FamilyInvitation, User


def family_overview(user: User) -> list[dict]:
    children = list(children_to_share(user).order_by("date_of_birth", "pk"))
    members = defaultdict(list)
    for member in (
        members_managed_by(user)
        .filter(can_view=True)
        .select_related("guardian", "scope")
        .order_by("guardian__display_name", "pk")
    ):
        members[member.pupil_id].append(member)
    pending = defaultdict(list)
    for invitation in FamilyInvitation.objects.filter(inviter=user, status=FamilyInvitation.Status.PENDING):
        for pid in invitation.pupil_ids:
            pending[pid].append(invitation)
    return [{"child": child, "members": members[child.pk], "pending": pending[child.pk]} for child in children]
