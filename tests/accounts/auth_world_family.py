"""Family invitations and invited members for the resolver-walking authorization test
(tests/test_authorization.py): another family's invitation at the first school, and an invitation
and invited member at the other school, none of which anyone in the first family may manage."""

from accounts.models import FamilyInvitation, GuardianScope, Guardianship
from tests import factories


def forbidden_rows(world) -> dict:
    other_family = FamilyInvitation.objects.create(
        inviter=world.other_parent,
        email="otherfamily@example.org",
        relationship="carer",
        scopes={str(world.other_child.pk): ["progress"]},
    )
    far = FamilyInvitation.objects.create(
        inviter=world.far_parent,
        email="far.parent@example.org",
        relationship="carer",
        scopes={str(world.far_pupil.pk): ["progress"]},
    )
    carer = factories.UserFactory(display_name="Farparent carer")
    far_member = Guardianship.objects.create(
        guardian=carer, pupil=world.far_pupil, relationship="carer", status="active"
    )
    GuardianScope.objects.create(guardianship=far_member, invitation=far)
    return {FamilyInvitation: [other_family.pk, far.pk], Guardianship: [far_member.pk]}


PARAMETER_MODELS = {"family_invitation_id": FamilyInvitation, "guardianship_id": Guardianship}
