"""A school admin words their own school's celebration cards in Django admin, and sees nothing of
another school's goals, celebrations or portfolios there."""

import pytest

from accounts.management.commands.seed_demo import school_admin_group
from accounts.models import AuditEntry
from progress.models import CelebrationTemplate
from tests import factories
from tests.conftest import force_verified_login
from tests.progress import goals_world
from tests.progress.factories_goals import GoalFactory, PortfolioItemFactory

world = goals_world.world


@pytest.fixture
def office(world, client):
    user = factories.UserFactory(display_name="Ola Office", is_staff=True)
    factories.MembershipFactory(user=user, school=world.school, role="school_admin")
    user.groups.add(school_admin_group())
    force_verified_login(client, user)
    return user


def test_a_school_admin_adds_a_celebration_template_for_their_school(client, world, office):
    response = client.post(
        "/admin/progress/celebrationtemplate/add/",
        {"school": world.school.pk, "kind": "streak", "heading": "Go {pupil}!", "body": "{milestone}"},
    )
    assert response.status_code == 302
    template = CelebrationTemplate.objects.get(school=world.school, kind="streak")
    assert AuditEntry.objects.filter(target_id=str(template.pk), action__endswith="created_in_admin").exists()
    response = client.post(
        "/admin/progress/celebrationtemplate/add/",
        {"school": world.far_school.pk, "kind": "award", "heading": "x", "body": "y"},
    )
    assert response.status_code == 200  # the other school is not a choice
    assert not CelebrationTemplate.objects.filter(school=world.far_school).exists()


def test_another_school_s_template_answers_404(client, world, office):
    far = CelebrationTemplate.objects.create(school=world.far_school, kind="award", heading="Farschool", body="x")
    assert client.get(f"/admin/progress/celebrationtemplate/{far.pk}/change/").status_code == 404
    assert "Farschool" not in client.get("/admin/progress/celebrationtemplate/").content.decode()


def test_operators_see_goals_and_portfolio_read_only(client, world):
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    force_verified_login(client, operator)
    goal = GoalFactory(pupil=world.child, created_by=world.parent, title="Visible goal")
    item = PortfolioItemFactory(pupil=world.child, added_by=world.parent)
    assert "Visible goal" in client.get("/admin/progress/goal/").content.decode()
    assert client.get(f"/admin/progress/goal/{goal.pk}/change/").status_code == 200
    assert client.get(f"/admin/progress/portfolioitem/{item.pk}/change/").status_code == 200
    assert client.post(f"/admin/progress/goal/{goal.pk}/delete/", {"post": "yes"}).status_code == 403
