"""Django admin for a school admin: their own school only, audited, pupils leave rather than vanish."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import AuditEntry, LoginAttempt, Membership, Pupil
from tests import factories
from tests.conftest import force_verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(school):
    user = factories.UserFactory(is_staff=True)
    factories.MembershipFactory(user=user, school=school, role="school_admin")
    group = Group.objects.create(name="School admins")
    group.permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    user.groups.add(group)
    return user


def test_changing_a_pupil_in_admin_is_audited(client, office, school):
    pupil = factories.PupilFactory(school=school, year_group="Year 3")
    force_verified_login(client, office)
    page = client.get(f"/admin/accounts/pupil/{pupil.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["year_group"] = "Year 4"
    for prefix in ("guardianships",):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(f"/admin/accounts/pupil/{pupil.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pupil.refresh_from_db()
    assert pupil.year_group == "Year 4"
    entry = AuditEntry.objects.get(action="pupil.changed_in_admin", target_id=str(pupil.pk))
    assert entry.actor_id == office.pk
    assert "year_group" in entry.details["fields"]


def test_school_admin_cannot_delete_a_pupil_but_can_mark_them_as_left(client, office, school):
    pupil = factories.PupilFactory(school=school)
    force_verified_login(client, office)
    assert client.get(f"/admin/accounts/pupil/{pupil.pk}/delete/").status_code == 403
    response = client.post(
        "/admin/accounts/pupil/", {"action": "mark_left", "_selected_action": [pupil.pk]}, follow=True
    )
    assert response.status_code == 200
    pupil.refresh_from_db()
    assert pupil.left_at is not None
    assert Pupil.objects.filter(pk=pupil.pk).exists()
    assert AuditEntry.objects.filter(action="pupil.left", target_id=str(pupil.pk)).exists()


# --- a school admin and people who also belong to another school ---------------------------------


@pytest.fixture
def demo_office(school):
    """A school admin with exactly the demo's "School admins" permissions."""
    from accounts.management.commands.seed_demo import school_admin_group

    user = factories.UserFactory(is_staff=True)
    factories.MembershipFactory(user=user, school=school, role="school_admin")
    user.groups.add(school_admin_group())
    return user


@pytest.fixture
def shared_teacher(school, other_school):
    """Teaches at both schools: the other school's side of them is not this school's business."""
    user = factories.UserFactory(email="shared@example.org", display_name="Shared Teacher")
    factories.MembershipFactory(user=user, school=school, role="teacher", job_title="Homejob")
    user.far_membership = factories.MembershipFactory(user=user, school=other_school, role="dsl", job_title="Farjob")
    return user


def test_school_admin_cannot_set_the_password_of_someone_from_another_school(
    client, demo_office, shared_teacher, other_school
):
    far_only = factories.MembershipFactory(school=other_school).user
    force_verified_login(client, demo_office)
    data = {"password1": "office chose this 123", "password2": "office chose this 123"}
    assert client.get(f"/admin/accounts/user/{shared_teacher.pk}/password/").status_code == 403
    assert client.post(f"/admin/accounts/user/{shared_teacher.pk}/password/", data).status_code == 403
    assert client.post(f"/admin/accounts/user/{far_only.pk}/password/", data).status_code == 404
    for person in (shared_teacher, far_only):
        person.refresh_from_db()
        assert person.check_password(factories.DEFAULT_PASSWORD)


def test_school_admin_cannot_change_the_email_or_switches_of_a_shared_person(client, demo_office, shared_teacher):
    force_verified_login(client, demo_office)
    url = f"/admin/accounts/user/{shared_teacher.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Homejob" in body
    assert "Farjob" not in body  # their role at the other school is not shown
    form = page.context["adminform"].form
    assert not set(form.fields) & {"email", "password", "is_active", "is_staff", "is_superuser", "display_name"}
    client.post(
        url,
        {
            "email": "attacker@example.org",
            "display_name": "Taken Over",
            "is_active": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "guardianships-TOTAL_FORMS": "0",
            "guardianships-INITIAL_FORMS": "0",
        },
    )
    shared_teacher.refresh_from_db()
    assert (shared_teacher.email, shared_teacher.display_name, shared_teacher.is_active) == (
        "shared@example.org",
        "Shared Teacher",
        True,
    )


def test_school_admin_cannot_see_or_delete_a_membership_at_another_school(client, demo_office, shared_teacher):
    far = shared_teacher.far_membership
    force_verified_login(client, demo_office)
    assert "Farjob" not in client.get("/admin/accounts/membership/").content.decode()
    assert client.get(f"/admin/accounts/membership/{far.pk}/change/").status_code == 404
    assert client.get(f"/admin/accounts/membership/{far.pk}/delete/").status_code == 404
    assert client.post(f"/admin/accounts/membership/{far.pk}/delete/", {"post": "yes"}).status_code == 404
    response = client.post(
        "/admin/accounts/membership/", {"action": "delete_selected", "_selected_action": [far.pk], "post": "yes"}
    )
    assert response.status_code == 404
    # Through the person's page: the other school's row is not in the form, so it cannot be deleted.
    client.post(
        f"/admin/accounts/user/{shared_teacher.pk}/change/",
        {
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": far.pk,
            "memberships-0-user": shared_teacher.pk,
            "memberships-0-DELETE": "on",
            "guardianships-TOTAL_FORMS": "0",
            "guardianships-INITIAL_FORMS": "0",
        },
    )
    assert Membership.objects.filter(pk=far.pk).exists()


def test_nobody_can_delete_or_change_sign_in_history_or_the_audit_log(client, demo_office, school):
    from accounts import audit

    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    attempt = LoginAttempt.objects.create(user=demo_office, email_entered=demo_office.email, outcome="success")
    entry = audit.record(actor=operator, action="pupil.viewed", target=factories.PupilFactory(school=school))
    for user in (demo_office, operator):
        force_verified_login(client, user)
        for model, pk in (("loginattempt", attempt.pk), ("auditentry", entry.pk)):
            assert client.get(f"/admin/accounts/{model}/").status_code == 200
            assert client.get(f"/admin/accounts/{model}/{pk}/delete/").status_code == 403
            assert client.post(f"/admin/accounts/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
            assert client.get(f"/admin/accounts/{model}/add/").status_code == 403
            response = client.post(
                f"/admin/accounts/{model}/", {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
            )
            assert response.status_code in (200, 302)
        client.logout()
    assert LoginAttempt.objects.filter(pk=attempt.pk).exists()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_user_admin_changes_are_audited(client, demo_office, school):
    person = factories.MembershipFactory(school=school, role="teacher").user
    force_verified_login(client, demo_office)
    page = client.get(f"/admin/accounts/user/{person.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(display_name="Corrected Name", phone="+447911123456")
    membership = person.memberships.get()
    data.update(
        {
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": membership.pk,
            "memberships-0-user": person.pk,
            "memberships-0-school": school.pk,
            "memberships-0-role": "sendco",
            "memberships-0-is_active": "on",
            "guardianships-TOTAL_FORMS": "0",
            "guardianships-INITIAL_FORMS": "0",
        }
    )
    response = client.post(f"/admin/accounts/user/{person.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.display_name == "Corrected Name"
    entry = AuditEntry.objects.get(action="user.changed_in_admin", target_id=str(person.pk))
    assert entry.actor_id == demo_office.pk
    assert {"display_name", "phone"} <= set(entry.details["fields"])
    assert AuditEntry.objects.get(action="membership.changed_in_admin", target_id=str(membership.pk)).details[
        "fields"
    ] == ["role"]

    # The operator's own changes to an account are audited too, the password included.
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    client.logout()
    force_verified_login(client, operator)
    response = client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": "operator reset 12345", "password2": "operator reset 12345", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        action="user.password_set_in_admin", target_id=str(person.pk), actor_id=operator.pk
    ).exists()


MESSAGING_SETTINGS_PAGES = ["messagingsettings", "glossaryterm", "safeguardingphrase", "messagetemplate"]


def test_demo_school_admin_edits_their_messaging_settings_and_not_another_schools(
    client, demo_office, school, other_school
):
    from messaging.models import GlossaryTerm, MessageTemplate, MessagingSettings, SafeguardingPhrase

    def rows(for_school, word):
        return {
            "messagingsettings": MessagingSettings.objects.create(school=for_school),
            "glossaryterm": GlossaryTerm.objects.create(
                school=for_school, term=f"{word}term", language="es", translation="x"
            ),
            "safeguardingphrase": SafeguardingPhrase.objects.create(school=for_school, phrase=f"{word}phrase"),
            "messagetemplate": MessageTemplate.objects.create(
                school=for_school, title=f"{word}template", body="Hello", purpose="praise"
            ),
        }

    own, far = rows(school, "Own"), rows(other_school, "Far")
    force_verified_login(client, demo_office)
    for model in MESSAGING_SETTINGS_PAGES:
        listing = client.get(f"/admin/messaging/{model}/")
        assert listing.status_code == 200, model
        assert "Farterm" not in listing.content.decode()
        assert "Farphrase" not in listing.content.decode()
        assert client.get(f"/admin/messaging/{model}/{own[model].pk}/change/").status_code == 200, model
        assert client.get(f"/admin/messaging/{model}/{far[model].pk}/change/").status_code == 404, model
        assert client.get(f"/admin/messaging/{model}/add/").status_code == 200, model

    # Contact hours change, audited; the school field offers only their own school.
    page = client.get(f"/admin/messaging/messagingsettings/{own['messagingsettings'].pk}/change/")
    form = page.context["adminform"].form
    assert list(form.fields["school"].queryset) == [school]
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data["contact_start"] = "08:30"
    if isinstance(data.get("contact_days"), list):
        data["contact_days"] = data["contact_days"]
    response = client.post(f"/admin/messaging/messagingsettings/{own['messagingsettings'].pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AuditEntry.objects.filter(action="messagingsettings.changed_in_admin").exists()


def test_seeded_demo_office_opens_their_messaging_settings_and_not_the_other_demo_schools(client):
    from django.core.management import call_command

    from accounts.models import School, User
    from messaging.models import GlossaryTerm, MessagingSettings, SafeguardingPhrase

    call_command("seed_demo", quiet=True)
    riverside = School.objects.get(slug="riverside-primary")
    urban = School.objects.get(slug="urban-home-school")
    urban_settings = MessagingSettings.objects.get_or_create(school=urban)[0]
    urban_phrase = SafeguardingPhrase.objects.create(school=urban, phrase="Urbanonly phrase")
    urban_term = GlossaryTerm.objects.create(school=urban, term="Urbanonly", language="sw", translation="x")
    force_verified_login(client, User.objects.get(email="office@riverside.example"))
    for model in MESSAGING_SETTINGS_PAGES:
        listing = client.get(f"/admin/messaging/{model}/")
        assert listing.status_code == 200, model
        assert "Urbanonly" not in listing.content.decode()
    own = MessagingSettings.objects.get(school=riverside)
    assert client.get(f"/admin/messaging/messagingsettings/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/messaging/messagingsettings/{urban_settings.pk}/change/").status_code == 404
    assert client.get(f"/admin/messaging/safeguardingphrase/{urban_phrase.pk}/change/").status_code == 404
    assert client.get(f"/admin/messaging/glossaryterm/{urban_term.pk}/delete/").status_code == 404


def test_operator_changes_to_an_account_are_audited(client, school):
    from allauth.account.models import EmailAddress

    person = factories.MembershipFactory(school=school, role="teacher").user
    address = EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    force_verified_login(client, operator)
    page = client.get(f"/admin/accounts/user/{person.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name != "password"}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data = {name: value for name, value in data.items() if value is not False}
    data.update(
        {
            "email": "corrected@example.org",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "guardianships-TOTAL_FORMS": "0",
            "guardianships-INITIAL_FORMS": "0",
        }
    )
    response = client.post(f"/admin/accounts/user/{person.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.get(action="user.changed_in_admin", target_id=str(person.pk))
    assert "email" in entry.details["fields"]
    assert entry.actor_id == operator.pk

    client.post("/admin/account/emailaddress/", {"action": "make_verified", "_selected_action": [address.pk]})
    address.refresh_from_db()
    assert address.verified
    assert AuditEntry.objects.filter(action="emailaddress.verified_in_admin", target_id=str(address.pk)).exists()
