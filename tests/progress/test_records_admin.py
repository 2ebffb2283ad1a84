"""Django admin for learning records: a school admin sees and corrects only their own school's
rows (another school's id answers 404), removing marks rows deleted with an audit entry, and
observations from home are read-only there."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import AuditEntry
from progress.models import Assessment
from tests import factories
from tests.conftest import force_verified_login
from tests.progress import factories_records as rf

pytestmark = pytest.mark.django_db

MODELS = ["subject", "competency", "assessment", "activitysession", "award", "competencyjudgement", "observation"]


@pytest.fixture
def office(client):
    """A school admin holding every permission on the records models, signed in."""
    school = factories.SchoolFactory(name="Leeds Primary")
    user = factories.UserFactory(display_name="Ola Office", is_staff=True)
    factories.MembershipFactory(user=user, school=school, role="school_admin")
    group = Group.objects.create(name="Records admins")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="progress", content_type__model__in=MODELS)
        | Permission.objects.filter(content_type__app_label="accounts", codename="view_pupil")
    )
    user.groups.add(group)
    force_verified_login(client, user)
    user.school = school
    return user


def test_a_school_admin_sees_only_their_own_schools_records(client, office):
    pupil = factories.PupilFactory(school=office.school, first_name="Ownpupil")
    mine = rf.AssessmentFactory(pupil=pupil, title="Ownschool test")
    far = rf.AssessmentFactory(title="Farschool test")
    far_observation = rf.ObservationFactory(note="Farschool observation")
    body = client.get("/admin/progress/assessment/").content.decode()
    assert "Ownschool test" in body
    assert "Farschool" not in body
    assert client.get(f"/admin/progress/assessment/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/progress/assessment/{far.pk}/change/").status_code == 404
    assert client.get(f"/admin/progress/observation/{far_observation.pk}/change/").status_code == 404
    for model in MODELS:
        response = client.get(f"/admin/progress/{model}/")
        assert response.status_code == 200, model
        assert "Farschool" not in response.content.decode()


def test_removing_in_admin_marks_rows_deleted_with_an_audit_entry(client, office):
    pupil = factories.PupilFactory(school=office.school)
    mine = rf.AssessmentFactory(pupil=pupil)
    far = rf.AssessmentFactory()
    response = client.post(
        "/admin/progress/assessment/", {"action": "soft_delete_selected", "_selected_action": [mine.pk]}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.deleted_at is not None
    assert AuditEntry.objects.filter(action="assessment.deleted_in_admin").count() == 1
    response = client.post(
        "/admin/progress/assessment/", {"action": "soft_delete_selected", "_selected_action": [far.pk]}
    )
    assert response.status_code == 404
    assert Assessment.objects.get(pk=far.pk).deleted_at is None
    assert client.get(f"/admin/progress/assessment/{mine.pk}/delete/").status_code == 403


def test_a_judgement_off_the_scale_is_refused_in_admin(client, office):
    pupil = factories.PupilFactory(school=office.school)
    read = rf.builtin_competency("READ")
    response = client.post(
        "/admin/progress/competencyjudgement/add/",
        {"pupil": pupil.pk, "competency": read.pk, "scale": "cbc_rubric", "level": "EE", "judged_on": "2026-11-02"},
    )
    assert response.status_code == 200
    assert "not used with this school" in response.content.decode()
    response = client.post(
        "/admin/progress/competencyjudgement/add/",
        {"pupil": pupil.pk, "competency": read.pk, "scale": "england_are", "level": "exs", "judged_on": "2026-11-02"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="competencyjudgement.created_in_admin").exists()


def test_observations_are_read_only_in_admin(client, office):
    pupil = factories.PupilFactory(school=office.school)
    observation = rf.ObservationFactory(pupil=pupil, note="A kite")
    assert client.get("/admin/progress/observation/add/").status_code == 403
    response = client.post(f"/admin/progress/observation/{observation.pk}/change/", {"status": "approved"})
    assert response.status_code == 403
    observation.refresh_from_db()
    assert observation.status == "pending"


def test_a_school_adds_its_own_strand_in_its_own_framework(client, office):
    response = client.post(
        "/admin/progress/competency/add/",
        {
            "school": office.school.pk,
            "framework": "kenya_cbc",
            "kind": "strand",
            "code": "X1",
            "name": "Strand",
            "position": 0,
        },
    )
    assert response.status_code == 200
    assert "curriculum framework" in response.content.decode()
    response = client.post(
        "/admin/progress/competency/add/",
        {"school": "", "framework": "england", "kind": "are", "code": "X1", "name": "Orphan", "position": 0},
    )
    assert response.status_code == 200
    response = client.post(
        "/admin/progress/competency/add/",
        {
            "school": office.school.pk,
            "framework": "england",
            "kind": "are",
            "code": "sci",
            "name": "Science",
            "position": 0,
        },
    )
    assert response.status_code == 302
    assert office.school.competencies.get().code == "SCI"
