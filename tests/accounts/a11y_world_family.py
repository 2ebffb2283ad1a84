"""Family members for the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
a carer the parent invited for their child (the member page), and a pending invitation whose
emailed link opens the join page."""

from accounts.family import services
from tests import factories


def candidates(world) -> dict:
    carer = factories.UserFactory(email="a11y.carer@example.org", display_name="Cara Carer")
    accepted = services.invitation_create(
        inviter=world.parent, email=carer.email, relationship="carer", scopes={world.child.pk: ["progress"]}
    )
    [link] = services.invitation_accept(user=carer, invitation=accepted)
    pending = services.invitation_create(
        inviter=world.parent,
        email="a11y.gran@example.org",
        relationship="grandparent",
        scopes={world.child.pk: ["reports"]},
    )
    return {
        "guardianship_id": [link.pk],
        "family_invitation_id": [pending.pk],
        "token": [services.invitation_token(pending)],
    }
