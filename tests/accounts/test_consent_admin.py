"""A school admin sets their own school's consent defaults in Django admin (audited); another
school's defaults answer 404 and are not a choice; a fixed cell cannot be set to refused."""

import pytest

from accounts.management.commands.seed_demo import school_admin_group
from accounts.models import AuditEntry, SchoolConsentDefault
from tests import factories
from tests.accounts import consent_world as worlds
from tests.conftest import force_verified_login

consent_world = worlds.consent_world

URL = "/admin/accounts/schoolconsentdefault/"


@pytest.fixture
def office(consent_world, client):
    user = factories.UserFactory(display_name="Ola Office", is_staff=True)
    factories.MembershipFactory(user=user, school=consent_world.school, role="school_admin")
    user.groups.add(school_admin_group())
    force_verified_login(client, user)
    return user


def test_a_school_admin_sets_a_default_for_their_school(client, consent_world, office):
    w = consent_world
    response = client.post(f"{URL}add/", {"school": w.school.pk, "data_kind": "photos", "recipient": "partners"})
    assert response.status_code == 302
    default = SchoolConsentDefault.objects.get(school=w.school, recipient="partners")
    assert default.given is False  # the checkbox left unticked
    assert AuditEntry.objects.filter(target_id=str(default.pk), action__endswith="created_in_admin").exists()
    response = client.post(f"{URL}add/", {"school": w.far_school.pk, "data_kind": "photos", "recipient": "ai"})
    assert response.status_code == 200  # the other school is not a choice
    assert not SchoolConsentDefault.objects.filter(school=w.far_school).exists()


def test_another_school_s_default_answers_404(client, consent_world, office):
    far = SchoolConsentDefault.objects.create(
        school=consent_world.far_school, data_kind="mood", recipient="ai", given=False
    )
    assert client.get(f"{URL}{far.pk}/change/").status_code == 404
    assert "Elsewhere Academy" not in client.get(URL).content.decode()


def test_a_fixed_cell_stays_given(client, consent_world, office):
    w = consent_world
    client.post(f"{URL}add/", {"school": w.school.pk, "data_kind": "assessment", "recipient": "class_teachers"})
    assert SchoolConsentDefault.objects.get(school=w.school, recipient="class_teachers").given is True
