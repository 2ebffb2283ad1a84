"""The goals, celebrations and portfolio pages from the outside: who may open what (a guessed id
answers 404), forms that re-render with errors, evidence served only through the access check,
and a pupil's own sign-in that reaches their own view and nothing else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from progress.goals import services
from progress.goals.milestones import recognise_milestones
from progress.models import Goal, GoalUpdate, PortfolioItem
from tests.progress import goals_world
from tests.progress.factories_goals import award

sign_in = goals_world.sign_in
world = goals_world.world


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def goal(world):
    goal = services.goal_create(author=world.parent, pupil=world.child, title="Read every night", category="academic")
    services.goal_update_add(author=world.parent, goal=goal, note="Two books", progress=30, upload=png())
    services.goal_update_add(author=world.teacher, goal=goal, note="Reads aloud in class", progress=60)
    return goal


@pytest.fixture
def celebration(world):
    award(world.child, "Star reader")
    (milestone,) = recognise_milestones(world.child)
    return milestone.celebration


@pytest.fixture
def item(world):
    return services.portfolio_item_add(
        author=world.parent, pupil=world.child, kind="photo", title="Volcano model", visibility="class", upload=png()
    )


def pages(world, goal, celebration, item):
    update = goal.updates.exclude(file="").get()
    return [
        f"/progress/pupils/{world.child.pk}/goals/",
        f"/progress/pupils/{world.child.pk}/goals/new/",
        f"/progress/goals/{goal.pk}/",
        f"/progress/goals/{goal.pk}/updates/new/",
        f"/progress/goal-updates/{update.pk}/file/",
        f"/progress/pupils/{world.child.pk}/celebrations/",
        f"/progress/celebrations/{celebration.pk}/",
        f"/progress/pupils/{world.child.pk}/portfolio/",
        f"/progress/pupils/{world.child.pk}/portfolio/new/",
        f"/progress/portfolio/{item.pk}/",
        f"/progress/portfolio/{item.pk}/file/",
    ]


def test_the_family_and_the_pupil_s_staff_open_every_page(client, world, goal, celebration, item):
    for user in (world.parent, world.teacher, world.sendco):
        sign_in(client, user)
        for url in pages(world, goal, celebration, item):
            assert client.get(url).status_code == 200, (user, url)


@pytest.mark.parametrize(
    "who", ["classmate_parent", "other_parent", "no_rights_parent", "other_teacher", "far_parent", "far_teacher"]
)
def test_everyone_else_gets_404(client, world, goal, celebration, item, who):
    sign_in(client, getattr(world, who))
    for url in pages(world, goal, celebration, item):
        if who == "classmate_parent" and url.startswith("/progress/portfolio/"):
            continue  # waiting for approval: tested below
        assert client.get(url).status_code == 404, url
    for url in (f"/progress/goals/{goal.pk}/status/", f"/progress/goals/{goal.pk}/voice/"):
        assert client.post(url, {"status": "completed", "text": "x"}).status_code == 404
    assert Goal.objects.get(pk=goal.pk).status == "active"


def test_the_goal_page_shows_updates_chart_table_and_evidence_link(client, world, goal):
    sign_in(client, world.parent)
    body = client.get(f"/progress/goals/{goal.pk}/").content.decode()
    assert "<svg" in body
    assert "<polyline" in body
    assert "30%" in body
    assert "60%" in body
    assert "Reads aloud in class" in body
    update = goal.updates.exclude(file="").get()
    response = client.get(f"/progress/goal-updates/{update.pk}/file/")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_parent_adds_an_update_with_a_photo_and_the_teacher_hears(client, world, goal):
    sign_in(client, world.parent)
    response = client.post(
        f"/progress/goals/{goal.pk}/updates/new/", {"note": "Finished the book", "progress": "90", "evidence": png()}
    )
    assert response.status_code == 302
    latest = GoalUpdate.objects.filter(goal=goal).latest("id")
    assert latest.progress == 90
    assert latest.content_type == "image/png"
    from messaging.models import Notification

    assert Notification.objects.filter(user=world.teacher, kind="goal_update").exists()


def test_bad_input_re_renders_with_an_error_summary(client, world, goal):
    sign_in(client, world.parent)
    response = client.post(f"/progress/goals/{goal.pk}/updates/new/", {"note": "", "progress": "150"})
    assert response.status_code == 422
    assert "There is a problem" in response.content.decode()
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client.post(f"/progress/goals/{goal.pk}/updates/new/", {"note": "x", "evidence": fake})
    assert response.status_code == 422
    response = client.post(f"/progress/pupils/{world.child.pk}/goals/new/", {"title": ""})
    assert response.status_code == 422


def test_a_teacher_sets_a_goal_and_completes_it(client, world):
    sign_in(client, world.teacher)
    response = client.post(
        f"/progress/pupils/{world.child.pk}/goals/new/",
        {"title": "Times tables", "category": "academic", "owner": "school", "target_date": "2027-03-31"},
    )
    goal = Goal.objects.get(title="Times tables")
    assert response["Location"] == f"/progress/goals/{goal.pk}/"
    response = client.post(f"/progress/goals/{goal.pk}/status/", {"status": "completed"})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "completed"


def test_a_celebration_takes_notes_and_the_pupil_s_words(client, world, celebration):
    sign_in(client, world.parent)
    client.post(f"/progress/celebrations/{celebration.pk}/notes/", {"text": "We are so proud"})
    client.post(f"/progress/celebrations/{celebration.pk}/voice/", {"text": "I loved it"})
    body = client.get(f"/progress/celebrations/{celebration.pk}/").content.decode()
    assert "We are so proud" in body
    assert "Said by Lucía, written by their mum" in body
    assert "Well done, Lucía!" in body


def test_the_approval_queue_lists_what_waits_for_the_teacher(client, world, item):
    sign_in(client, world.teacher)
    assert "Volcano model" in client.get("/progress/portfolio/to-approve/").content.decode()
    response = client.post(f"/progress/portfolio/{item.pk}/review/", {"decision": "approve", "next": "queue"})
    assert response.status_code == 302
    assert PortfolioItem.objects.get(pk=item.pk).status == "approved"
    assert "Volcano model" not in client.get("/progress/portfolio/to-approve/").content.decode()
    sign_in(client, world.other_teacher)
    assert "Volcano model" not in client.get("/progress/portfolio/to-approve/").content.decode()
    sign_in(client, world.parent)
    assert client.get("/progress/portfolio/to-approve/").status_code == 404


def test_a_parent_may_not_approve(client, world, item):
    sign_in(client, world.parent)
    assert client.post(f"/progress/portfolio/{item.pk}/review/", {"decision": "approve"}).status_code == 404
    assert PortfolioItem.objects.get(pk=item.pk).status == "pending"


# --- the pupil's own sign-in ----------------------------------------------------------------------


@pytest.fixture
def pupil_client(client, world):
    client.force_login(world.pupil_user())
    return client


def test_home_sends_a_pupil_to_their_own_view(pupil_client):
    response = pupil_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("progress:me")


def test_a_pupil_sees_their_own_goals_and_adds_their_words(pupil_client, world, goal, celebration, item):
    other = services.goal_create(
        author=world.classmate_parent, pupil=world.classmate, title="Mateo goal", category="social"
    )
    body = pupil_client.get("/progress/me/").content.decode()
    assert "Read every night" in body
    assert "Mateo goal" not in body
    assert pupil_client.get(f"/progress/me/goals/{goal.pk}/").status_code == 200
    assert pupil_client.get(f"/progress/me/goals/{other.pk}/").status_code == 404
    response = pupil_client.post(f"/progress/me/goals/{goal.pk}/", {"text": "I read with a torch"})
    assert response.status_code == 302
    assert "Written by Lucía" in pupil_client.get(f"/progress/me/goals/{goal.pk}/").content.decode()
    assert pupil_client.post(f"/progress/me/celebrations/{celebration.pk}/", {"text": "Yay"}).status_code == 302
    assert pupil_client.post(f"/progress/me/portfolio/{item.pk}/", {"text": "It erupted"}).status_code == 302
    assert pupil_client.get(f"/progress/me/portfolio/{item.pk}/file/").status_code == 200
    update = goal.updates.exclude(file="").get()
    assert pupil_client.get(f"/progress/me/goal-updates/{update.pk}/file/").status_code == 200


def test_a_pupil_reaches_no_other_page(pupil_client, world, goal, celebration, item):
    for url in pages(world, goal, celebration, item) + [
        reverse("messaging:inbox"),
        reverse("messaging:announcements"),
        reverse("notifications:inbox"),
        reverse("login_history"),
        reverse("preferences"),
        reverse("twofactor:overview"),
        "/progress/portfolio/to-approve/",
        f"/progress/classes/{world.own_class.pk}/portfolio/",
    ]:
        assert pupil_client.get(url).status_code == 404, url


def test_an_adult_opens_those_pages(client, world):
    sign_in(client, world.parent)
    for name in ("messaging:inbox", "notifications:inbox", "login_history", "preferences"):
        assert client.get(reverse(name)).status_code == 200, name


def test_a_pupil_s_own_view_is_not_for_adults(client, world, goal):
    sign_in(client, world.parent)
    assert client.get("/progress/me/").status_code == 404
    assert client.get(f"/progress/me/goals/{goal.pk}/").status_code == 404


def test_the_start_page_lists_a_parent_s_children_not_their_class_mates(client, world):
    sign_in(client, world.parent)
    body = client.get("/progress/goals/").content.decode()
    assert f"/progress/pupils/{world.child.pk}/goals/" in body
    assert f"/progress/classes/{world.own_class.pk}/portfolio/" in body
    assert "Mateo" not in body
    assert f"/progress/pupils/{world.classmate.pk}/" not in body


def test_the_start_page_lists_a_teacher_s_class(client, world):
    sign_in(client, world.teacher)
    body = client.get("/progress/goals/").content.decode()
    assert f"/progress/pupils/{world.child.pk}/goals/" in body
    assert f"/progress/pupils/{world.classmate.pk}/goals/" in body
    assert "Secretfamily" not in body


def test_staff_give_a_pupil_old_enough_their_sign_in_and_take_it_away(client, world):
    sign_in(client, world.teacher)
    url = f"/progress/pupils/{world.child.pk}/sign-in/"
    assert client.post(url, {"email": "not an email"}).status_code == 422
    assert client.post(url, {"email": "lucia@pupils.example"}).status_code == 302
    world.child.refresh_from_db()
    assert world.child.user.email == "lucia@pupils.example"
    assert "lucia@pupils.example" in client.get(url).content.decode()
    assert client.post(url, {"action": "revoke"}).status_code == 302
    world.child.refresh_from_db()
    assert world.child.user_id is None


def test_a_pupil_too_young_is_not_offered_a_sign_in(client, world):
    sign_in(client, world.teacher)
    url = f"/progress/pupils/{world.classmate.pk}/sign-in/"
    assert "from the age of 11" in client.get(url).content.decode()
    response = client.post(url, {"email": "mateo@pupils.example"})
    assert response.status_code == 422
    world.classmate.refresh_from_db()
    assert world.classmate.user_id is None


def test_only_the_pupil_s_staff_open_the_sign_in_page(client, world):
    for user in (world.parent, world.other_teacher, world.far_teacher):
        sign_in(client, user)
        assert client.get(f"/progress/pupils/{world.child.pk}/sign-in/").status_code == 404


def test_staff_reach_the_approval_queue_from_the_menu(client, world, item):
    sign_in(client, world.teacher)
    home = client.get("/").content.decode()
    assert "/progress/goals/" in home  # the menu
    assert "/progress/portfolio/to-approve/" in home
    body = client.get("/progress/goals/").content.decode()
    assert "/progress/portfolio/to-approve/" in body
    assert "1 waiting" in body
    sign_in(client, world.parent)
    assert "/progress/portfolio/to-approve/" not in client.get("/progress/goals/").content.decode()
    assert "/progress/portfolio/to-approve/" not in client.get("/").content.decode()


def test_the_same_form_sent_twice_creates_one_thing(client, world, goal):
    sign_in(client, world.parent)
    key = "same-form-key-123"
    for _ in range(2):
        client.post(f"/progress/goals/{goal.pk}/updates/new/", {"note": "Twice?", "client_key": key})
        client.post(
            f"/progress/pupils/{world.child.pk}/goals/new/",
            {"title": "Once only", "category": "social", "owner": "both", "client_key": key},
        )
        client.post(
            f"/progress/pupils/{world.child.pk}/portfolio/new/",
            {"kind": "work", "title": "Once only item", "visibility": "family", "client_key": key},
        )
    assert GoalUpdate.objects.filter(note="Twice?").count() == 1
    assert Goal.objects.filter(title="Once only").count() == 1
    assert PortfolioItem.objects.filter(title="Once only item").count() == 1
    assert 'name="client_key"' in client.get(f"/progress/goals/{goal.pk}/updates/new/").content.decode()


def test_a_pupil_gets_404_from_every_page_of_the_site_but_their_own(pupil_client, world, goal):
    """Every URL the resolver knows, as the pupil: only the pupil view, signing out and choosing a
    language answer them."""
    import re

    from progress.goals.middleware import is_allowed
    from tests.test_authorization import all_routes

    checked = 0
    for route in all_routes():
        if is_allowed(route.name) or route.name.startswith("admin:"):
            continue
        values = {param: (goal.pk if param.endswith("id") or param == "pk" else "x") for param in route.params}
        url = "/" + route.template.format(**values)
        if re.search(r"[\^\$\(\)\[\]\\]", url):
            continue  # a pattern the walk cannot fill in
        response = pupil_client.get(url)
        assert response.status_code == 404, (route.name, url, response.status_code)
        checked += 1
    assert checked > 30
