"""No contact rights (a court order), set by the school in admin: overrides everything, ends the
person's access at once on every channel, and is never shown to them or offered back by the family."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.family import services
from accounts.models import AuditEntry, FamilyInvitation, Guardianship
from messaging.models import Conversation, Notification
from messaging.services import conversations as conversation_services
from tests import factories
from tests.accounts.family_world import family, invite, member, signed_in
from tests.conftest import force_verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(school):
    user = factories.UserFactory(is_staff=True, display_name="Olive Office")
    factories.MembershipFactory(user=user, school=school, role="school_admin")
    group = Group.objects.create(name="School admins")
    group.permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    user.groups.add(group)
    return user


def mark_no_contact(office, link: Guardianship):
    """The school's office ticks "no contact rights" on the guardianship in Django admin."""
    client = Client()
    force_verified_login(client, office)
    url = f"/admin/accounts/guardianship/{link.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None or value is False else value) for name, value in data.items()}
    data["no_contact"] = "on"
    for name, field in form.fields.items():  # split date and time widgets post two values
        if hasattr(field, "fields") and form[name].value():
            value = form[name].value()
            data.pop(name)
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.fixture
def restricted(school, office):
    """Maya's family: her mother, and a carer the mother invited (progress and messages), in a
    conversation with Maya's teacher; then the school marks the carer as having no contact."""
    parent, (maya, leo) = family(school)
    carer = member(parent, {maya: ["progress", "messages"], leo: ["progress"]}, email="carer@example.org")
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
        recipient_ids=[parent.pk, carer.pk],
    )
    assert signed_in(carer).get(reverse("messaging:thread", args=[thread.pk])).status_code == 200
    mark_no_contact(office, Guardianship.objects.get(guardian=carer, pupil=maya))
    return {"parent": parent, "carer": carer, "maya": maya, "leo": leo, "teacher": teacher, "thread": thread}


def test_the_mark_is_audited_and_switches_viewing_rights_off(restricted, office):
    link = Guardianship.objects.get(guardian=restricted["carer"], pupil=restricted["maya"])
    assert link.no_contact
    assert not link.can_view
    assert AuditEntry.objects.filter(action="guardianship.no_contact_set", actor_id=office.pk).exists()


def test_pages_end_at_once_and_say_nothing_about_it(restricted):
    client = signed_in(restricted["carer"])
    maya, leo = restricted["maya"], restricted["leo"]
    assert client.get(reverse("progress:pupil_record", args=[maya.pk])).status_code == 404
    assert client.get(reverse("messaging:thread", args=[restricted["thread"].pk])).status_code == 404
    assert client.get(reverse("progress:pupil_record", args=[leo.pk])).status_code == 200  # not barred from Leo
    for url in (reverse("home"), reverse("privacy:overview"), reverse("family:overview")):
        html = client.get(url).content.decode()
        assert maya.first_name not in html
        for word in ("restrict", "court", "no contact"):
            assert word not in html.lower()


def test_no_notification_or_email_after_the_mark(restricted, django_capture_on_commit_callbacks):
    carer = restricted["carer"]
    mail.outbox.clear()
    before = Notification.objects.filter(user=carer).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(restricted["teacher"]).post(
            reverse("messaging:send", args=[restricted["thread"].pk]), {"body": "After the court order"}
        )
    assert response.status_code == 302
    assert Notification.objects.filter(user=carer).count() == before
    assert not [email for email in mail.outbox if carer.email in email.to]


def test_the_family_page_of_the_other_parent_no_longer_lists_them(restricted):
    html = signed_in(restricted["parent"]).get(reverse("family:overview")).content.decode()
    rows = html.split('<h2 class="govuk-heading-m">')
    maya_section = next(part for part in rows if part.startswith(restricted["maya"].full_name))
    assert "Cara Carer" not in maya_section
    link = Guardianship.objects.get(guardian=restricted["carer"], pupil=restricted["maya"])
    assert signed_in(restricted["parent"]).get(reverse("family:member", args=[link.pk])).status_code == 404


def test_the_family_cannot_invite_them_back_and_is_told_neutrally(restricted):
    response = invite(signed_in(restricted["parent"]), "carer@example.org", {restricted["maya"]: ["progress"]})
    assert response.status_code == 422
    html = response.content.decode()
    assert "You cannot invite this person. Contact the school if you think this is wrong." in html
    assert "court" not in html.lower()
    assert not FamilyInvitation.objects.filter(status="pending").exists()


def test_an_invitation_sent_before_the_mark_grants_nothing_for_that_child(school, office):
    parent, (maya, leo) = family(school)
    carer = factories.UserFactory(email="carer@example.org")
    link = factories.GuardianshipFactory(guardian=carer, pupil=maya, relationship="father")
    invitation = services.invitation_create(
        inviter=parent, email="carer@example.org", relationship="carer", scopes={maya.pk: ["progress"], leo.pk: []}
    )
    mark_no_contact(office, link)
    services.invitation_accept(user=carer, invitation=invitation)
    link.refresh_from_db()
    assert link.no_contact
    assert not link.can_view
    assert signed_in(carer).get(reverse("progress:pupil_record", args=[maya.pk])).status_code == 404


def test_who_can_see_my_child_never_lists_the_restricted_person(restricted):
    html = signed_in(restricted["parent"]).get(reverse("privacy:child", args=[restricted["maya"].pk])).content.decode()
    assert "Cara Carer" not in html
    assert "Ana García" in html
