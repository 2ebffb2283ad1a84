"""Who sees a portfolio item: the family and the pupil's staff always; a class-mate's family and
the school only once a teacher approved it, and only as far as its visibility says."""

import pytest

from progress.goals import policies, selectors, services
from tests import factories
from tests.progress import goals_world

sign_in = goals_world.sign_in
world = goals_world.world


def visible(user):
    return set(policies.portfolio_items_visible_to(user).values_list("title", flat=True))


@pytest.fixture
def items(world):
    made = {}
    for visibility in ("family", "class", "school"):
        made[visibility] = services.portfolio_item_add(
            author=world.parent, pupil=world.child, kind="work", title=f"{visibility} item", visibility=visibility
        )
    return made


def test_the_family_and_the_pupil_s_staff_see_every_item_before_approval(world, items):
    everything = {"family item", "class item", "school item"}
    for user in (world.parent, world.teacher, world.sendco):
        assert visible(user) == everything


def test_nobody_else_sees_anything_before_approval(world, items):
    for user in (world.classmate_parent, world.other_parent, world.other_teacher, world.far_parent, world.far_teacher):
        assert visible(user) == set()
    assert visible(world.no_rights_parent) == set()


def test_after_approval_a_class_mate_s_family_sees_class_and_school_items(world, items):
    for item in items.values():
        services.portfolio_item_review(reviewer=world.teacher, item=item, approve=True)
    assert visible(world.classmate_parent) == {"class item", "school item"}
    # Another class at the school: only what was shown to the whole school.
    assert visible(world.other_parent) == {"school item"}
    assert visible(world.other_teacher) == {"school item"}
    # Another school: nothing.
    assert visible(world.far_parent) == set()
    assert visible(world.far_teacher) == set()


def test_a_declined_item_stays_with_the_family(world, items):
    services.portfolio_item_review(reviewer=world.teacher, item=items["school"], approve=False)
    assert visible(world.classmate_parent) == set()
    assert "school item" in visible(world.parent)


def test_a_family_who_left_the_class_stops_seeing_it(world, items):
    services.portfolio_item_review(reviewer=world.teacher, item=items["class"], approve=True)
    assert visible(world.classmate_parent) == {"class item"}
    world.own_class.pupils.remove(world.classmate)
    assert visible(world.classmate_parent) == set()


def test_the_consent_seam_is_applied_at_read_time(world, items, monkeypatch):
    from django.db.models import Q

    for item in items.values():
        services.portfolio_item_review(reviewer=world.teacher, item=item, approve=True)
    # What issue 10 will do: a family who refused sharing beyond the family.
    monkeypatch.setattr(policies, "consented_to_share_beyond_family", lambda *, audience: ~Q(pupil=world.child))
    assert visible(world.classmate_parent) == set()
    assert visible(world.other_parent) == set()
    assert visible(world.parent) == {"family item", "class item", "school item"}


def test_the_class_page_never_shows_anything_unapproved_even_to_staff(world, items):
    approved = services.portfolio_item_add(
        author=world.teacher, pupil=world.classmate, kind="work", title="Approved poem", visibility="class"
    )
    for user in (world.teacher, world.parent, world.classmate_parent):
        shown = set(selectors.class_showcase_for(user=user, class_group=world.own_class).values_list("pk", flat=True))
        assert shown == {approved.pk}


def test_the_class_page_is_for_its_families_and_staff(client, world, items):
    for user, status in (
        (world.classmate_parent, 200),
        (world.teacher, 200),
        (world.sendco, 200),
        (world.other_parent, 404),
        (world.other_teacher, 404),
        (world.far_teacher, 404),
    ):
        sign_in(client, user)
        response = client.get(f"/progress/classes/{world.own_class.pk}/portfolio/")
        assert response.status_code == status, user
        if status == 200:
            assert "class item" not in response.content.decode()  # waiting for approval


def test_a_class_mate_s_parent_opens_an_approved_item_but_not_a_waiting_one(client, world, items):
    client.force_login(world.classmate_parent)
    assert client.get(f"/progress/portfolio/{items['class'].pk}/").status_code == 404
    services.portfolio_item_review(reviewer=world.teacher, item=items["class"], approve=True)
    response = client.get(f"/progress/portfolio/{items['class'].pk}/")
    assert response.status_code == 200
    assert "In Lucía&#x27;s own words" not in response.content.decode()  # the family's words stay with them
    other = factories.UserFactory()
    client.force_login(other)
    assert client.get(f"/progress/portfolio/{items['class'].pk}/").status_code == 404
