"""The inviting parent sees their family members per child, changes what each may see, or removes
them; what a member may see is enforced where it is read (messages, progress)."""

from django.urls import reverse

from accounts.models import AuditEntry, Guardianship
from messaging.models import Conversation, Notification
from messaging.services import conversations as conversation_services
from tests import factories
from tests.accounts.family_world import family, member, signed_in

MEMBER_ROW = '<dt class="govuk-summary-list__key">Cara Carer'


def _teacher_of(school, *children):
    teacher = factories.UserFactory(display_name="Tess Teacher")
    factories.MembershipFactory(user=teacher, school=school, role="teacher")
    group = factories.ClassGroupFactory(school=school)
    group.staff.add(teacher)
    group.pupils.add(*children)
    return teacher


def _thread(teacher, child, *recipients):
    return conversation_services.conversation_start(
        starter=teacher,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=child,
        subject="Trip",
        body="First word",
        recipient_ids=[person.pk for person in recipients],
    )


def _link(person, child):
    return Guardianship.objects.get(guardian=person, pupil=child)


def test_family_page_lists_members_per_child_with_what_they_see(school):
    parent, (maya, leo) = family(school)
    member(parent, {maya: ["progress", "messages"], leo: ["reports"]})
    page = signed_in(parent).get(reverse("family:overview"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count(MEMBER_ROW) == 2
    assert "Progress, Messages" in html
    assert "Reports" in html


def test_the_member_sees_only_the_children_granted(school):
    parent, (maya, leo) = family(school)
    cara = member(parent, {maya: ["progress", "messages"]})
    client = signed_in(cara)
    assert client.get(reverse("progress:pupil_record", args=[maya.pk])).status_code == 200
    assert client.get(reverse("progress:pupil_record", args=[leo.pk])).status_code == 404


def test_progress_off_answers_404_on_that_childs_progress_pages(school):
    parent, (maya, leo) = family(school)
    cara = member(parent, {maya: ["messages"], leo: ["progress"]})
    client = signed_in(cara)
    assert client.get(reverse("progress:pupil_record", args=[maya.pk])).status_code == 404
    assert client.get(reverse("progress:goals", args=[maya.pk])).status_code == 404
    assert client.get(reverse("progress:pupil_record", args=[leo.pk])).status_code == 200


def test_messages_off_the_member_loses_the_conversation_and_its_notifications(school):
    parent, (maya, _leo) = family(school)
    cara = member(parent, {maya: ["progress", "messages"]})
    teacher = _teacher_of(school, maya)
    thread = _thread(teacher, maya, parent, cara)
    client = signed_in(cara)
    assert client.get(reverse("messaging:thread", args=[thread.pk])).status_code == 200

    response = signed_in(parent).post(
        reverse("family:member", args=[_link(cara, maya).pk]), {"action": "save", "scopes": ["progress"]}
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="guardianship.scopes_changed", actor_id=parent.pk).exists()
    before = Notification.objects.filter(user=cara).count()
    parent_before = Notification.objects.filter(user=parent).count()
    signed_in(teacher).post(reverse("messaging:send", args=[thread.pk]), {"body": "After the change"})
    assert client.get(reverse("messaging:thread", args=[thread.pk])).status_code == 404
    assert Notification.objects.filter(user=cara).count() == before
    assert Notification.objects.filter(user=parent).count() >= parent_before  # the parent still reads it
    assert signed_in(parent).get(reverse("messaging:thread", args=[thread.pk])).status_code == 200
    assert client.get(reverse("progress:pupil_record", args=[maya.pk])).status_code == 200


def test_removing_a_member_ends_their_access_at_once(school):
    parent, (maya, leo) = family(school)
    cara = member(parent, {maya: ["progress", "messages"], leo: ["progress"]})
    client = signed_in(cara)
    assert client.get(reverse("progress:pupil_record", args=[maya.pk])).status_code == 200
    response = signed_in(parent).post(reverse("family:member", args=[_link(cara, maya).pk]), {"action": "remove"})
    assert response.status_code == 302
    assert client.get(reverse("progress:pupil_record", args=[maya.pk])).status_code == 404
    assert client.get(reverse("progress:pupil_record", args=[leo.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="guardianship.removed_by_family", actor_id=parent.pk).exists()
    html = signed_in(parent).get(reverse("family:overview")).content.decode()
    assert html.count(MEMBER_ROW) == 1  # only under Leo now


def test_another_familys_member_id_answers_404_and_changes_nothing(school):
    parent, (maya, _leo) = family(school)
    cara = member(parent, {maya: ["progress"]})
    other_parent, _kids = family(school, children=1, name="Other")
    link = _link(cara, maya)
    client = signed_in(other_parent)
    assert client.get(reverse("family:member", args=[link.pk])).status_code == 404
    assert client.post(reverse("family:member", args=[link.pk]), {"action": "remove"}).status_code == 404
    # the member cannot manage themselves or the parent who invited them either
    assert signed_in(cara).get(reverse("family:member", args=[link.pk])).status_code == 404
    parent_link = _link(parent, maya)
    assert signed_in(cara).get(reverse("family:member", args=[parent_link.pk])).status_code == 404
    assert _link(cara, maya).can_view


def test_a_school_made_guardian_is_not_narrowed_by_an_invitation(school):
    parent, (maya, _leo) = family(school)
    co_parent = factories.UserFactory(email="dad@example.org")
    factories.GuardianshipFactory(guardian=co_parent, pupil=maya, relationship="father")
    member(parent, {maya: ["reports"]}, email="dad@example.org")
    assert signed_in(co_parent).get(reverse("progress:pupil_record", args=[maya.pk])).status_code == 200
