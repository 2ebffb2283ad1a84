"""Values for the every-page accessibility walk: a subject-access request from the walk's parent,
and the school's data protection lead as a role (their queue and answer pages)."""

from accounts.privacy import services


def candidates(world) -> dict:
    request = services.data_request_create(
        requester=world.parent,
        school=world.school,
        kind="access",
        details="A copy of everything you hold about Visible and me, please.",
        pupil=world.child,
    )
    world.dpl = world.staff("Dana Dataprotection", "dpl")
    return {"data_request_id": [request.pk]}


def roles(world) -> dict:
    return {"dpl": world.dpl}
