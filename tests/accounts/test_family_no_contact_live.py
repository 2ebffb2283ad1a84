"""No contact rights on the live channel: the restricted person's open socket closes the moment the
school saves the mark in admin, and nothing new reaches them; against Redis (skipped without it)."""

from channels.db import database_sync_to_async
from django.contrib.auth.models import Group, Permission
from django.core import mail

from accounts.models import Guardianship
from hub import sms
from messaging import realtime
from messaging.models import Notification
from tests import factories
from tests.accounts.test_family_no_contact import mark_no_contact
from tests.messaging.test_access_withdrawn import (  # noqa: F401 - fixtures
    QUIET,
    closed_with,
    emailed,
    family_thread,
    post_message,
    quiet_translation,
    redis_layer,
    socket_for,
    texted,
    world,
)
from tests.messaging.test_consumers import run


def _office(school):
    user = factories.UserFactory(is_staff=True, display_name="Olive Office")
    factories.MembershipFactory(user=user, school=school, role="school_admin")
    group = Group.objects.create(name="School admins")
    group.permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    user.groups.add(group)
    return user


def test_the_mark_closes_the_restricted_persons_socket_and_nothing_new_arrives(world):  # noqa: F811 - the fixture
    thread = family_thread(world)
    office = _office(world.school)
    link = Guardianship.objects.get(guardian=world.parent, pupil=world.child)
    before = Notification.objects.filter(user=world.parent).count()
    mail.outbox.clear()
    sms.outbox.clear()

    async def scenario():
        parent = await socket_for(world.parent)
        co_parent = await socket_for(world.co_parent)
        await database_sync_to_async(mark_no_contact)(office, link)
        await closed_with(parent, realtime.ACCESS_LOST)
        again = await socket_for(world.parent)
        response = await database_sync_to_async(post_message)(world.teacher, thread, "After the court order")
        assert response.status_code == 302
        assert "After the court order" in await co_parent.receive_from(timeout=2)
        assert await again.receive_nothing(timeout=QUIET)
        for communicator in (co_parent, again):
            await communicator.disconnect()

    run(scenario)
    assert Notification.objects.filter(user=world.parent).count() == before
    assert not emailed(world.parent)
    assert not texted(world.parent)
