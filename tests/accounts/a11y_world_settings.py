"""Settings for the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
a device signed in to the parent's account, for the route that signs one device out (POST only)."""

from allauth.usersessions.models import UserSession


def candidates(world) -> dict:
    device = UserSession.objects.create(
        user=world.parent, session_key="a11yworldsession000000000000000", ip="203.0.113.9", user_agent="Firefox"
    )
    return {"session_id": [device.pk]}
