"""Shared fixtures. A test that needs something this machine lacks is skipped with the reason,
except under CI=true, where the absence fails the run (CI must test everything)."""

import os
import uuid

import pyotp
import pytest

from tests import factories

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a system package or service is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _interface_language_starts_as_english():
    """Each test starts in the site's default language, whatever an earlier request activated."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def school(db):
    return factories.SchoolFactory()


@pytest.fixture
def other_school(db):
    return factories.SchoolFactory()


@pytest.fixture
def parent(db, school):
    """A guardian with one child at `school`."""
    child = factories.PupilFactory(school=school)
    guardian = factories.UserFactory(display_name="Pat Parent")
    factories.GuardianshipFactory(guardian=guardian, pupil=child)
    guardian.child = child
    return guardian


@pytest.fixture
def teacher(db, school, parent):
    """A teacher whose class includes `parent`'s child."""
    user = factories.UserFactory(display_name="Tess Teacher")
    factories.MembershipFactory(user=user, school=school, role="teacher")
    group = factories.ClassGroupFactory(school=school)
    group.staff.add(user)
    group.pupils.add(parent.child)
    return user


def force_verified_login(client, user):
    """Sign `user` in past both factors without the forms (for tests of other pages): gives them a
    confirmed authenticator and marks the session as verified by it, as django_otp.login does."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.twofactor import services

    device = services.totp_begin(user)
    services.totp_confirm(user=user, device=device, code=pyotp.TOTP(device.secret).now())
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def redis_layer(settings):
    """The Redis channel layer (as in production), under a prefix of its own for this test."""
    from tests.messaging.test_consumers import REDIS_URL, redis_reachable  # noqa: PLC0415 - a test module

    require(redis_reachable(), f"Redis is not reachable at {REDIS_URL}")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"test-{uuid.uuid4().hex[:8]}"},
        }
    }
