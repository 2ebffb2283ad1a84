"""Goals, celebrations and portfolio in Chromium: a parent adds a progress update with a photo to
a goal on a phone, a teacher approves a portfolio item, a pupil adds their own words; every page
axe-clean at 1280 and 360 px and never wider than the phone."""

import io

import pytest
from PIL import Image

from progress.goals import services
from progress.goals.milestones import recognise_milestones
from progress.models import GoalUpdate, PortfolioItem
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than
from tests.factories import DEFAULT_PASSWORD
from tests.progress.factories_goals import award
from tests.progress.goals_world import World

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def world(transactional_db):
    return World()


@pytest.fixture
def goal(world):
    goal = services.goal_create(
        author=world.teacher,
        pupil=world.child,
        title="Read every night",
        category="academic",
        home_support="A story at bedtime",
        school_support="Guided reading on Tuesdays",
    )
    services.goal_update_add(author=world.teacher, goal=goal, note="Reads aloud in class", progress=40)
    return goal


def photo_file(tmp_path):
    path = tmp_path / "reading.png"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def check(page, where):
    assert_accessible(page)
    if page.viewport_size["width"] <= PHONE["width"]:
        assert wider_than(page, PHONE["width"]) == [], where


def test_a_parent_adds_a_progress_update_with_a_photo_on_a_phone(world, goal, new_context, live_url, sign_in, tmp_path):
    page = new_context(viewport=dict(PHONE)).new_page()
    sign_in(world.parent, page)
    page.goto(f"{live_url}/progress/goals/")
    check(page, "start")
    page.click(f"a[href='/progress/pupils/{world.child.pk}/goals/']")
    check(page, "goal list")
    page.click("text=Read every night")
    check(page, "goal")
    page.click("text=Add an update")
    page.fill("textarea[name=note]", "Finished the dragon book")
    page.fill("input[name=progress]", "70")
    page.set_input_files("input[name=evidence]", photo_file(tmp_path))
    with page.expect_navigation():
        page.click("button:has-text('Add the update')")
    assert page.url.endswith(f"/progress/goals/{goal.pk}/")
    assert "Finished the dragon book" in page.content()
    check(page, "goal after the update")
    update = GoalUpdate.objects.get(note="Finished the dragon book")
    assert update.progress == 70
    assert update.content_type == "image/png"


def test_a_bad_update_shows_its_errors_without_javascript(world, goal, new_context, live_url, sign_in):
    page = new_context(viewport=dict(PHONE), java_script_enabled=False).new_page()
    sign_in(world.parent, page)
    page.goto(f"{live_url}/progress/goals/{goal.pk}/updates/new/")
    page.fill("input[name=progress]", "150")
    with page.expect_navigation():
        page.click("button:has-text('Add the update')")
    assert "There is a problem" in page.content()
    assert "Give how far along as a number from 0 to 100." in page.content()


def test_celebration_and_portfolio_pages_are_accessible(world, goal, new_context, live_url, sign_in, tmp_path):
    award(world.child, "Star reader")
    (milestone,) = recognise_milestones(world.child)
    item = services.portfolio_item_add(
        author=world.parent, pupil=world.child, kind="work", title="Volcano model", visibility="class"
    )
    for width in (1280, PHONE["width"]):
        page = new_context(viewport={"width": width, "height": 800}).new_page()
        sign_in(world.teacher, page)
        for url in (
            f"/progress/pupils/{world.child.pk}/celebrations/",
            f"/progress/celebrations/{milestone.celebration.pk}/",
            f"/progress/pupils/{world.child.pk}/portfolio/",
            f"/progress/pupils/{world.child.pk}/portfolio/new/",
            f"/progress/portfolio/{item.pk}/",
            "/progress/portfolio/to-approve/",
            f"/progress/classes/{world.own_class.pk}/portfolio/",
            f"/progress/pupils/{world.child.pk}/goals/new/",
            f"/progress/pupils/{world.child.pk}/sign-in/",
        ):
            assert page.goto(f"{live_url}{url}").status == 200, url
            check(page, url)
    page.goto(f"{live_url}/progress/portfolio/to-approve/")
    with page.expect_navigation():
        page.click("button:has-text('Approve')")
    assert PortfolioItem.objects.get(pk=item.pk).status == "approved"


def test_a_pupil_adds_their_own_words(world, goal, new_context, live_url, tmp_path):
    pupil_user = world.pupil_user()
    pupil_user.set_password(DEFAULT_PASSWORD)
    pupil_user.save()
    for width in (1280, PHONE["width"]):
        page = new_context(viewport={"width": width, "height": 800}).new_page()
        page.goto(f"{live_url}/account/login/")
        page.fill('input[name="login"]', pupil_user.email)
        page.fill('input[name="password"]', DEFAULT_PASSWORD)
        with page.expect_navigation():
            page.locator('form:has(input[name="login"]) [type="submit"]').first.click()
        page.goto(f"{live_url}/")
        assert page.url.endswith("/progress/me/")
        check(page, "pupil home")
        page.click("text=Read every night")
        check(page, "pupil goal")
        page.fill("textarea[name=text]", f"I read with a torch ({width})")
        with page.expect_navigation():
            page.click("button:has-text('Add my words')")
        assert "Written by Lucía" in page.content()
        check(page, "pupil goal after words")
        assert page.goto(f"{live_url}/messages/").status == 404
