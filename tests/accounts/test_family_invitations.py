"""A parent invites a co-parent or carer by email; the invited person signs in (or signs up) and
accepts; the link works once, until it expires or is cancelled."""

import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, FamilyInvitation, Guardianship, User
from accounts.policies import children_of
from tests import factories
from tests.accounts.family_world import family, invite, link_in, signed_in
from tests.factories import DEFAULT_PASSWORD


def _send(parent, kids, mailoutbox, capture, email="gran@example.org", scopes=None):
    with capture(execute=True):
        response = invite(signed_in(parent), email, scopes or {kids[0]: ["progress", "messages"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    return link_in(mailoutbox[-1])


def test_invited_person_signs_in_accepts_and_sees_only_the_children_offered(
    school, mailoutbox, django_capture_on_commit_callbacks
):
    parent, (maya, leo) = family(school)
    path = _send(parent, [maya, leo], mailoutbox, django_capture_on_commit_callbacks)
    assert mailoutbox[-1].to == ["gran@example.org"]
    gran = factories.UserFactory(email="gran@example.org", display_name="Gran")

    anonymous = Client()
    page = anonymous.get(path)
    assert page.status_code == 200
    assert "Sign in" in page.content.decode()

    client = signed_in(gran)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    assert list(children_of(gran)) == [maya]
    link = Guardianship.objects.get(guardian=gran)
    assert (link.can_view, link.status, link.parental_responsibility) == (True, "active", False)
    assert link.scope.granted() == ["progress", "messages"]
    assert AuditEntry.objects.filter(action="family_invitation.sent", actor_id=parent.pk).exists()
    assert AuditEntry.objects.filter(action="guardianship.created_by_invitation", actor_id=gran.pk).exists()
    assert AuditEntry.objects.filter(action="family_invitation.accepted", actor_id=gran.pk).exists()


def test_link_is_single_use(school, mailoutbox, django_capture_on_commit_callbacks):
    parent, kids = family(school)
    path = _send(parent, kids, mailoutbox, django_capture_on_commit_callbacks)
    gran = factories.UserFactory(email="gran@example.org")
    client = signed_in(gran)
    assert client.post(path).status_code == 302
    Guardianship.objects.filter(guardian=gran).delete()
    again = client.get(path)
    assert again.status_code == 404
    assert "This invitation does not work" in again.content.decode()
    assert client.post(path).status_code == 404
    assert not Guardianship.objects.filter(guardian=gran).exists()


def test_expired_link_shows_a_clear_page_and_creates_nothing(
    school, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    parent, kids = family(school)
    path = _send(parent, kids, mailoutbox, django_capture_on_commit_callbacks)
    gran = factories.UserFactory(email="gran@example.org")
    later = timezone.now() + datetime.timedelta(days=8)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client = signed_in(gran)
    page = client.post(path)
    assert page.status_code == 404
    assert "This invitation does not work" in page.content.decode()
    assert not Guardianship.objects.filter(guardian=gran).exists()
    assert FamilyInvitation.objects.get().status == "expired"


def test_cancelled_invitation_link_stops_working(school, mailoutbox, django_capture_on_commit_callbacks):
    parent, kids = family(school)
    path = _send(parent, kids, mailoutbox, django_capture_on_commit_callbacks)
    invitation = FamilyInvitation.objects.get()
    page = signed_in(parent).get(reverse("family:overview")).content.decode()
    assert "gran@example.org" in page
    assert signed_in(parent).post(reverse("family:revoke", args=[invitation.pk])).status_code == 302
    gran = factories.UserFactory(email="gran@example.org")
    assert signed_in(gran).post(path).status_code == 404
    assert not Guardianship.objects.filter(guardian=gran).exists()
    assert AuditEntry.objects.filter(action="family_invitation.revoked", actor_id=parent.pk).exists()


def test_a_tampered_link_does_not_work(school, mailoutbox, django_capture_on_commit_callbacks):
    parent, kids = family(school)
    path = _send(parent, kids, mailoutbox, django_capture_on_commit_callbacks)
    gran = factories.UserFactory(email="gran@example.org")
    assert signed_in(gran).post(path[:-3] + "xx/").status_code == 404


def test_someone_else_signed_in_cannot_accept(school, mailoutbox, django_capture_on_commit_callbacks):
    parent, kids = family(school)
    path = _send(parent, kids, mailoutbox, django_capture_on_commit_callbacks)
    stranger = factories.UserFactory(email="stranger@example.org")
    client = signed_in(stranger)
    assert "sent to gran@example.org" in client.get(path).content.decode()
    assert client.post(path).status_code == 422
    assert not Guardianship.objects.filter(guardian=stranger).exists()
    assert FamilyInvitation.objects.get().status == "pending"


def test_an_invited_person_without_an_account_signs_up_from_the_link(
    school, mailoutbox, django_capture_on_commit_callbacks
):
    parent, kids = family(school)
    path = _send(parent, kids, mailoutbox, django_capture_on_commit_callbacks)
    client = Client()
    stranger = Client()
    stranger.post(
        reverse("account_signup"),
        {"email": "nobody@example.org", "password1": DEFAULT_PASSWORD, "password2": DEFAULT_PASSWORD},
    )
    assert not User.objects.filter(email="nobody@example.org").exists()  # sign-up is closed to strangers
    client.get(path)  # opening the link opens sign-up for this session
    response = client.post(
        reverse("account_signup"),
        {"email": "gran@example.org", "password1": DEFAULT_PASSWORD, "password2": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.post(path).status_code == 302
    assert list(children_of(Guardianship.objects.get(pupil=kids[0], relationship="carer").guardian)) == [kids[0]]


def test_only_a_guardian_with_viewing_rights_may_invite_and_only_for_their_children(school):
    parent, kids = family(school)
    other_parent, (other_child,) = family(school, children=1, name="Other")
    client = signed_in(parent)
    response = invite(client, "x@example.org", {other_child: ["progress"]})
    # another family's child is not even a field of the form
    assert response.status_code == 422
    assert not FamilyInvitation.objects.exists()
    teacher = factories.UserFactory()
    factories.MembershipFactory(user=teacher, school=school, role="teacher")
    assert signed_in(teacher).get(reverse("family:invite")).status_code == 404


def test_bad_input_rerenders_with_an_error_summary(school):
    parent, kids = family(school)
    response = invite(signed_in(parent), "not an email", {kids[0]: []})
    assert response.status_code == 422
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose at least one child and what they may see." in page


def test_another_familys_invitation_id_answers_404(school, mailoutbox, django_capture_on_commit_callbacks):
    parent, kids = family(school)
    _send(parent, kids, mailoutbox, django_capture_on_commit_callbacks)
    invitation = FamilyInvitation.objects.get()
    other_parent, _kids = family(school, children=1, name="Other")
    assert signed_in(other_parent).post(reverse("family:revoke", args=[invitation.pk])).status_code == 404
    assert FamilyInvitation.objects.get().status == "pending"
