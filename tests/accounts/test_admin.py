"""Django admin for a school admin: their own school only, audited, pupils leave rather than vanish."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import AuditEntry, Pupil
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
