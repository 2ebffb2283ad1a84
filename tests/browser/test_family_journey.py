"""Family members in Chromium: a parent of two children invites a co-parent for one child with only
"progress" ticked, through the page; the emailed link is opened in a second browser context where
the co-parent (an existing account, signed in there) accepts; the co-parent then sees that child's
progress and nothing else (the other child and that child's conversation answer 404). The invite,
join and family pages are axe-clean at 1280 px and at 360 px, and never wider than the phone."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Guardianship
from messaging.models import Conversation
from messaging.services import conversations as conversation_services
from tests import factories
from tests.accounts.family_world import family, link_in
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than

PHONE = {"width": 360, "height": 740}
CO_PARENT_EMAIL = "sam@example.org"


@pytest.fixture
def world(transactional_db):
    school = factories.SchoolFactory()
    parent, (maya, leo) = family(school)
    teacher = factories.UserFactory(display_name="Tess Teacher")
    factories.MembershipFactory(user=teacher, school=school, role="teacher")
    group = factories.ClassGroupFactory(school=school)
    group.staff.add(teacher)
    group.pupils.add(maya, leo)
    thread = conversation_services.conversation_start(
        starter=teacher,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=maya,
        subject="Trip",
        body="First word",
        recipient_ids=[parent.pk],
    )
    co_parent = factories.UserFactory(email=CO_PARENT_EMAIL, display_name="Sam Second")
    return parent, maya, leo, thread, co_parent


def accessible_at_both_widths(page, phone):
    """axe-clean on `page` (1280 px) and on the same address in `phone` (360 px, no sideways scroll)."""
    assert_accessible(page)
    phone.goto(page.url)
    assert_accessible(phone)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert wider_than(phone, PHONE["width"]) == []


def wait_for_mail(count: int, timeout: float = 10.0):
    """The invitation email is sent after the commit (the outbox); wait until it reaches the outbox."""
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) >= count, "the invitation email was never sent"
    return mail.outbox[count - 1]


def test_a_co_parent_invited_for_one_child_sees_only_that_childs_progress(world, page, new_context, sign_in, live_url):
    parent, maya, leo, thread, co_parent = world
    parent_phone = new_context(viewport=dict(PHONE)).new_page()
    sign_in(parent, page)
    sign_in(parent, parent_phone)

    # The parent invites through the page: one child, progress only.
    page.goto(f"{live_url}/account/family/invite/")
    accessible_at_both_widths(page, parent_phone)
    sent_before = len(mail.outbox)
    page.fill("input[name=email]", CO_PARENT_EMAIL)
    page.check("input[name=relationship][value=carer]")
    page.check(f"input[name=child_{maya.pk}][value=progress]")
    with page.expect_navigation():
        page.click("button:has-text('Send invitation')")
    assert page.url.endswith("/account/family/")
    accessible_at_both_widths(page, parent_phone)
    message = wait_for_mail(sent_before + 1)
    assert message.to == [CO_PARENT_EMAIL]
    path = link_in(message)

    # A second browser context: the co-parent, signed in there, opens the link and accepts.
    co_page = new_context().new_page()
    co_phone = new_context(viewport=dict(PHONE)).new_page()
    sign_in(co_parent, co_page)
    sign_in(co_parent, co_phone)
    response = co_page.goto(f"{live_url}{path}")
    assert response.status == 200
    assert "Accept the invitation" in co_page.content()
    accessible_at_both_widths(co_page, co_phone)
    with co_page.expect_navigation():
        co_page.click("button:has-text('Accept')")
    link = Guardianship.objects.get(guardian=co_parent)
    assert link.pupil_id == maya.pk
    assert link.scope.granted() == ["progress"]
    assert not Guardianship.objects.filter(guardian=co_parent, pupil=leo).exists()

    # Only what was granted: that child's progress, not the other child, not the messages.
    response = co_page.goto(live_url + reverse("progress:pupil_record", args=[maya.pk]))
    assert response.status == 200
    assert "Maya" in co_page.content()
    for address in (
        reverse("progress:pupil_record", args=[leo.pk]),
        reverse("progress:goals", args=[leo.pk]),
        reverse("messaging:thread", args=[thread.pk]),
    ):
        assert co_page.goto(f"{live_url}{address}").status == 404, address
        # The same addresses answer the parent, so the 404s are the co-parent's scope, not a bad link.
        assert page.goto(f"{live_url}{address}").status == 200, address

    # The parent's family page now lists the co-parent.
    page.goto(f"{live_url}/account/family/")
    assert "Sam Second" in page.content()
    accessible_at_both_widths(page, parent_phone)
