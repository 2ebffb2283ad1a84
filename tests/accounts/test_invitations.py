"""Accounts are activated only by their owner: invitations for new accounts, notices for existing ones.

From the outside: a school admin makes an account in Django admin, or a roster import makes one;
nobody can sign in to it until the emailed link is followed. An existing account met by another
school's import is linked only when its owner accepts.
"""

import re

import pytest
from django.urls import reverse

from accounts.management.commands.seed_demo import school_admin_group
from accounts.models import AccountLink, AuditEntry, Guardianship, Membership, User
from accounts.roster import roster_import
from tests import factories
from tests.accounts.conftest import sign_in
from tests.conftest import force_verified_login

pytestmark = pytest.mark.django_db

HEADER = (
    "record_type,pupil_ref,first_name,last_name,date_of_birth,year_group,send_status,home_languages,class_group,"
    "email,display_name,phone,preferred_language,relationship,parental_responsibility,primary_contact,role,department"
)
NEW_PASSWORD = "a long passphrase of my own 42"


def _office(school):
    user = factories.UserFactory(is_staff=True)
    factories.MembershipFactory(user=user, school=school, role="school_admin")
    user.groups.add(school_admin_group())
    return user


def _link_in(mail, kind: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/account/{kind}/[^\s]+/)", mail.body)
    assert match, f"no /account/{kind}/ link in {mail.body!r}"
    return match.group(1)


def _set_password(client, path):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_account_made_in_admin_cannot_sign_in_until_its_owner_follows_the_invitation(
    client, school, mailoutbox, django_capture_on_commit_callbacks
):
    office = _office(school)
    pupil = factories.PupilFactory(school=school)
    force_verified_login(client, office)
    form = client.get("/admin/accounts/user/add/")
    assert form.status_code == 200
    assert "password1" not in form.context["adminform"].form.fields  # the school never picks a password
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/user/add/",
            {
                "email": "New.Parent@Example.org",
                "display_name": "New Parent",
                "preferred_language": "en-gb",
                "school": school.pk,
                "pupil": pupil.pk,
                "relationship": "mother",
                # Whatever a browser sends, no password is taken from the form.
                "password1": "chosen by the office 1",
                "password2": "chosen by the office 1",
                "_save": "Save",
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    invited = User.objects.get(email="new.parent@example.org")
    assert not invited.has_usable_password()
    assert Guardianship.objects.get(guardian=invited).pupil == pupil
    assert AuditEntry.objects.filter(action="user.created", target_id=str(invited.pk), actor_id=office.pk).exists()
    assert AuditEntry.objects.filter(action="user.invited", target_id=str(invited.pk)).exists()

    client.logout()
    assert sign_in(client, invited, password="chosen by the office 1").status_code == 200  # refused
    [mail] = mailoutbox
    assert mail.to == ["new.parent@example.org"]
    path = _link_in(mail, "invitation")
    assert _set_password(client, path).status_code == 302
    assert sign_in(client, invited, password=NEW_PASSWORD).status_code == 302
    # The link worked once; it proves the address, which is now verified.
    client.logout()
    assert client.get(path).status_code == 404
    assert invited.emailaddress_set.get().verified
    assert Guardianship.objects.get(guardian=invited).status == Guardianship.Status.ACTIVE


def test_account_made_by_roster_import_cannot_sign_in_until_the_invitation_is_followed(
    client, school, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(
            school=school, csv_text=f"{HEADER}\nstaff,,,,,,,,,tariq@example.org,Tariq Shah,,,,,,teacher,\n"
        )
    assert result.ok
    tariq = User.objects.get(email="tariq@example.org")
    for guess in ("", "password", "homeroom-demo"):
        assert sign_in(client, tariq, password=guess).status_code != 302
    [mail] = mailoutbox
    assert _set_password(client, _link_in(mail, "invitation")).status_code == 302
    assert sign_in(client, tariq, password=NEW_PASSWORD).status_code == 302


def test_a_tampered_or_foreign_invitation_link_answers_404(
    client, school, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        roster_import(school=school, csv_text=f"{HEADER}\nstaff,,,,,,,,,a@example.org,A Person,,,,,,teacher,\n")
    path = _link_in(mailoutbox[0], "invitation")
    other = factories.UserFactory()
    other.set_unusable_password()
    other.save()
    uid, key = path.strip("/").split("/")[-2:]
    from django.utils.http import int_to_base36

    assert client.get(f"/account/invitation/{int_to_base36(other.pk)}/{key}/").status_code == 404
    assert client.get(f"/account/invitation/{uid}/{key[:-2]}zz/").status_code == 404
    assert (
        client.post(
            f"/account/invitation/{int_to_base36(other.pk)}/{key}/",
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        ).status_code
        == 404
    )
    other.refresh_from_db()
    assert not other.has_usable_password()


def test_a_person_with_a_password_cannot_be_invited_again(client, school):
    office = _office(school)
    person = factories.MembershipFactory(school=school).user
    force_verified_login(client, office)
    client.post("/admin/accounts/user/", {"action": "send_invitation", "_selected_action": [person.pk]})
    assert not AuditEntry.objects.filter(action="user.invited", target_id=str(person.pk)).exists()
    person.refresh_from_db()
    assert person.check_password(factories.DEFAULT_PASSWORD)


def test_pre_made_account_is_not_adopted_by_another_schools_import(
    client, school, other_school, mailoutbox, django_capture_on_commit_callbacks
):
    """School A's admin makes an account for someone; school B imports the same email later."""
    office_a = _office(school)
    office_b = _office(other_school)
    force_verified_login(client, office_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/accounts/user/add/",
            {
                "email": "victim@example.org",
                "display_name": "Victim",
                "preferred_language": "en-gb",
                "school": school.pk,
                "role": "teacher",
                "password1": "office-a-knows-this",
                "password2": "office-a-knows-this",
                "_save": "Save",
            },
        )
    victim = User.objects.get(email="victim@example.org")
    client.logout()
    assert sign_in(client, victim, password="office-a-knows-this").status_code == 200  # no password was set
    mailoutbox.clear()

    pupil_b = factories.PupilFactory(school=other_school, upn="B1", first_name="Bchild")
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(
            school=other_school,
            actor=office_b,
            csv_text=f"{HEADER}\nguardian,B1,,,,,,,,victim@example.org,Victim,,,mother,,,,\n",
        )
    assert result.ok
    assert result.links_requested == 1
    assert not Guardianship.objects.filter(guardian=victim).exists()  # not adopted silently
    assert AccountLink.objects.get(user=victim).status == AccountLink.Status.PENDING
    # School B has no hold on the account: it is not even theirs to open in admin.
    force_verified_login(client, office_b)
    assert client.get(f"/admin/accounts/user/{victim.pk}/change/").status_code == 404
    client.logout()

    [notice] = mailoutbox
    assert notice.to == ["victim@example.org"]
    assert "Bchild" in notice.body
    page = client.get(_link_in(notice, "link"))
    assert page.status_code == 200
    response = client.post(_link_in(notice, "link"), {"answer": "accept"})
    # Accepted: linked, and since the account never had a password its owner sets one now.
    assert Guardianship.objects.get(guardian=victim).pupil == pupil_b
    assert "/account/invitation/" in response["Location"]
    assert _set_password(client, response["Location"]).status_code == 302
    assert sign_in(client, victim, password=NEW_PASSWORD).status_code == 302


def test_declined_link_links_nothing_and_the_link_works_once(
    client, school, other_school, mailoutbox, django_capture_on_commit_callbacks
):
    parent = factories.GuardianshipFactory(pupil__school=school).guardian
    factories.PupilFactory(school=other_school, upn="B1")
    with django_capture_on_commit_callbacks(execute=True):
        roster_import(
            school=other_school,
            csv_text=f"{HEADER}\nguardian,B1,,,,,,,,{parent.email},Someone,,,father,,,,\n"
            f"staff,,,,,,,,,{parent.email},Someone,,,,,,school_admin,\n",
        )
    [notice] = mailoutbox
    path = _link_in(notice, "link")
    assert client.post(path, {"answer": "decline"}).status_code == 302
    assert not Guardianship.objects.filter(guardian=parent, pupil__school=other_school).exists()
    assert not Membership.objects.filter(user=parent).exists()
    assert client.post(path, {"answer": "accept"}).status_code == 404
    assert not Membership.objects.filter(user=parent).exists()
    assert AuditEntry.objects.filter(action="account_link.declined").exists()


def test_accepted_link_gives_the_school_no_control_over_the_account(
    client, school, other_school, mailoutbox, django_capture_on_commit_callbacks
):
    parent = factories.GuardianshipFactory(pupil__school=school).guardian
    factories.PupilFactory(school=other_school, upn="B1")
    office_b = _office(other_school)
    with django_capture_on_commit_callbacks(execute=True):
        roster_import(
            school=other_school,
            csv_text=f"{HEADER}\nguardian,B1,,,,,,,,{parent.email},Renamed,+447911123456,,father,,,,\n",
        )
    client.post(_link_in(mailoutbox[0], "link"), {"answer": "accept"})
    parent.refresh_from_db()
    assert parent.guardianships.filter(pupil__school=other_school).exists()
    assert parent.display_name != "Renamed"
    assert parent.phone == ""

    force_verified_login(client, office_b)
    page = client.get(f"/admin/accounts/user/{parent.pk}/change/")
    assert page.status_code == 200
    editable = set(page.context["adminform"].form.fields)
    assert not editable & {"email", "password", "is_active", "display_name", "phone", "is_staff", "is_superuser"}
    assert client.get(f"/admin/accounts/user/{parent.pk}/password/").status_code == 403
    assert reverse("admin:accounts_totpdevice_changelist")
    assert client.get(reverse("admin:accounts_totpdevice_changelist")).status_code == 403


def test_an_invitation_the_mail_server_refused_is_sent_later_once(
    client, school, settings, mailoutbox, django_capture_on_commit_callbacks
):
    import socket

    from django.utils import timezone

    from hub import outbox
    from hub.models import OutboxEntry

    with socket.socket() as probe:  # a port nothing listens on: the mail server is down
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 1
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(
            school=school, csv_text=f"{HEADER}\nstaff,,,,,,,,,late@example.org,Late Mail,,,,,,teacher,\n"
        )
    assert result.ok  # the import is not undone (or failed) by the mail server
    entry = OutboxEntry.objects.get(effect="accounts.invitation_email")
    assert entry.status == OutboxEntry.Status.PENDING
    assert not mailoutbox

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    assert outbox.run(entry.pk) == "done"
    assert outbox.run(entry.pk) == "skipped"
    [mail] = mailoutbox
    assert mail.to == ["late@example.org"]
    assert _set_password(client, _link_in(mail, "invitation")).status_code == 302


def test_adding_someone_who_has_an_account_elsewhere_only_asks_them_and_tells_the_school_nothing(
    client, school, other_school, mailoutbox, django_capture_on_commit_callbacks
):
    elsewhere = factories.MembershipFactory(school=other_school, role="teacher").user
    office = _office(school)
    force_verified_login(client, office)

    def add(email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/admin/accounts/user/add/",
                {
                    "email": email,
                    "display_name": "Someone",
                    "preferred_language": "en-gb",
                    "school": school.pk,
                    "role": "teacher",
                    "_save": "Save",
                },
                follow=True,
            )

    existing_answer = add(elsewhere.email.upper())
    new_answer = add("brand.new@example.org")
    # The same page and wording either way: adding someone reveals no account at another school.
    assert existing_answer.redirect_chain[-1][0] == new_answer.redirect_chain[-1][0] == "/admin/accounts/user/"
    shown = [str(m) for m in existing_answer.context["messages"]]
    assert any("If the address already has a Homeroom account" in m for m in shown)
    assert "already exists" not in existing_answer.content.decode()

    elsewhere.refresh_from_db()
    assert elsewhere.display_name != "Someone"
    assert not elsewhere.memberships.filter(school=school).exists()  # not until they accept
    assert AccountLink.objects.get(user=elsewhere, school=school).status == AccountLink.Status.PENDING
    assert client.get(f"/admin/accounts/user/{elsewhere.pk}/change/").status_code == 404
    notice = next(mail for mail in mailoutbox if mail.to == [elsewhere.email])
    client.logout()
    client.post(_link_in(notice, "link"), {"answer": "accept"})
    assert elsewhere.memberships.filter(school=school, role="teacher").exists()
