"""A teacher's permission slip, end to end in Chromium at 360 px, axe-clean on every page.

Grace Kim posts a class announcement with a yes/no question; María (Spanish interface) and Tom
(English) answer it; Ann does not. Grace sees the figures and who has not answered, and one click
reminds Ann and nobody else. Everything is plain forms: the journey works without JavaScript.
"""

from playwright.sync_api import expect

from accounts.models import ClassGroup
from messaging.announcements.models import Announcement, AnnouncementReceipt
from messaging.models import Notification
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than

PHONE = {"width": 360, "height": 740}


def make_class():
    school = factories.SchoolFactory(name="Riverside Primary")
    teacher = factories.UserFactory(display_name="Grace Kim", email="grace@riverside.example")
    factories.MembershipFactory(user=teacher, school=school, role="teacher")
    group = ClassGroup.objects.create(school=school, name="Year 2 Kingfishers", year_group="Year 2")
    group.staff.add(teacher)
    families = {}
    for first, parent_name, language in (
        ("Lucía", "María García", "es"),
        ("Sam", "Tom Brown", "en-gb"),
        ("Ada", "Ann Lee", "en-gb"),
    ):
        child = factories.PupilFactory(school=school, first_name=first, last_name=parent_name.split()[1])
        group.pupils.add(child)
        parent = factories.UserFactory(display_name=parent_name, preferred_language=language)
        factories.GuardianshipFactory(guardian=parent, pupil=child)
        families[parent_name] = parent
    return teacher, group, families


def fits(page):
    assert wider_than(page, PHONE["width"]) == [], page.url


def test_a_teacher_posts_a_permission_slip_two_families_answer_and_the_third_is_reminded(
    new_context, live_url, sign_in
):
    teacher, group, families = make_class()

    grace = new_context(viewport=PHONE).new_page()
    sign_in(teacher, grace)
    grace.goto(f"{live_url}/messages/announcements/")
    grace.get_by_role("link", name="New announcement").click()
    assert_accessible(grace)
    fits(grace)
    # Submitting without a class or title shows the error summary.
    grace.get_by_role("button", name="Post announcement").click()
    expect(grace.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(grace)
    grace.get_by_label("Year 2 Kingfishers").check()
    grace.get_by_label("Title").fill("Trip to the Natural History Museum")
    grace.get_by_label("Announcement", exact=True).fill("On Thursday we visit the museum. Please send a packed lunch.")
    grace.get_by_label("A yes or no question", exact=True).check()
    grace.get_by_label("Question (for a yes or no question, or a question with choices)").fill(
        "May your child come on the trip?"
    )
    with grace.expect_navigation():
        grace.get_by_role("button", name="Post announcement").click()
    errors = grace.locator(".govuk-error-summary")
    assert errors.count() == 0, errors.inner_text()
    expect(grace.get_by_role("heading", name="Trip to the Natural History Museum")).to_be_visible()
    assert_accessible(grace)
    fits(grace)
    announcement = Announcement.objects.get()
    # The fan-out ran after the post was saved: every family has it.
    assert AnnouncementReceipt.objects.filter(announcement=announcement).count() == 3

    # María reads it in her Spanish interface; Tom's phone has JavaScript off (axe needs it, so
    # it checks María's pages, which have the same markup).
    for name, answer, javascript in (("María García", "yes", True), ("Tom Brown", "no", False)):
        family = new_context(viewport=PHONE, java_script_enabled=javascript).new_page()
        sign_in(families[name], family)
        family.goto(f"{live_url}/messages/announcements/")
        assert family.locator("html").get_attribute("lang").startswith("es" if name == "María García" else "en")
        if javascript:
            assert_accessible(family)
        # María may see the title machine-translated into Spanish (when an engine is installed).
        family.locator(f"#announcement-{announcement.pk} a").click()
        expect(family.locator("#announcement-question")).to_be_visible()
        if javascript:
            assert_accessible(family)
            fits(family)
        family.locator(f'input[name="answer"][value="{answer}"]').check()
        with family.expect_navigation():
            family.locator('form[action$="/answer/"] button[type="submit"]').click()
        expect(family.locator(f'input[name="answer"][value="{answer}"]')).to_be_checked()
        if javascript:
            assert_accessible(family)

    grace.get_by_role("link", name="Who has read it").click()
    expect(grace.locator("#figure-answered")).to_have_text("2")
    pending = grace.locator("#announcement-pending").inner_text()
    assert "Ann Lee" in pending
    assert "María García" not in pending
    assert "Tom Brown" not in pending
    assert_accessible(grace)
    fits(grace)
    with grace.expect_navigation():
        grace.get_by_role("button", name="Remind this family").click()
    assert_accessible(grace)

    reminded = Notification.objects.filter(title__startswith="Reminder:").values_list("user__display_name", flat=True)
    assert list(reminded) == ["Ann Lee"]
    answers = dict(AnnouncementReceipt.objects.exclude(answer="").values_list("guardian__display_name", "answer"))
    assert answers == {"María García": "yes", "Tom Brown": "no"}
