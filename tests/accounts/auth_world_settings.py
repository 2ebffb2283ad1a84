"""Settings for the resolver-walking authorization test (tests/test_authorization.py): a device
(session) signed in to another school's parent's account, whose id is guessed on the pages that
sign one device out, and in Django admin."""

from allauth.usersessions.models import UserSession


def forbidden_rows(world) -> dict:
    far = UserSession.objects.create(
        user=world.far_parent,
        session_key="farschoolsession0000000000000000",
        ip="198.51.100.7",
        user_agent="Farschool browser",
    )
    return {UserSession: [far.pk]}


PARAMETER_MODELS = {"session_id": UserSession}
