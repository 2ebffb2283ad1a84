"""A Spanish-speaking parent on a 360 px phone reports an absence from the template: in Spanish,
about her daughter, with the browser's date picker; axe-core finds nothing on the way."""

from messaging.models import Conversation, Message
from messaging.services import conversations
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than

PHONE = {"width": 360, "height": 740}


def test_a_spanish_speaking_parent_reports_an_absence_with_a_date_picker(new_context, live_url, sign_in, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    school = factories.SchoolFactory(name="Riverside Primary")
    lucia = factories.PupilFactory(school=school, first_name="Lucía", last_name="García")
    maria = factories.UserFactory(display_name="María García", preferred_language="es")
    factories.GuardianshipFactory(guardian=maria, pupil=lucia)
    grace = factories.UserFactory(display_name="Grace Kim", preferred_language="en-gb")
    factories.MembershipFactory(user=grace, school=school, role="teacher")
    group = factories.ClassGroupFactory(school=school, name="Year 2")
    group.staff.add(grace)
    group.pupils.add(lucia)
    thread = conversations.conversation_start(
        starter=maria,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=lucia,
        subject="Lucía",
        body="Hola, gracias por todo.",
        recipient_ids=[grace.pk],
    )

    phone = new_context(viewport=dict(PHONE), locale="es-ES").new_page()
    sign_in(maria, phone)
    phone.goto(f"{live_url}/messages/{thread.pk}/")
    phone.get_by_role("link", name="Avisar de una ausencia").click()
    phone.wait_for_url(f"**/messages/{thread.pk}/templates/absence/")

    assert phone.locator("h1").inner_text() == "Avisar de una ausencia"
    assert phone.locator("h1").get_attribute("lang") == "es"
    assert "Lucía no irá al colegio el [" in phone.locator(".govuk-inset-text").inner_text()
    assert phone.locator('input[name="pupil"]').count() == 0
    date = phone.locator('input[name="date"]')
    assert date.get_attribute("type") == "date"
    assert_accessible(phone)
    assert wider_than(phone, PHONE["width"]) == []

    # A date the browser's picker cannot hold is refused by the browser itself; the server's own
    # check (a bad date typed without a picker) is in tests/messaging/test_templates_i18n.py.
    date.fill("2026-12-03")
    phone.locator('input[name="return_date"]').fill("2026-12-07")
    phone.locator('select[name="reason"]').select_option("ill")
    phone.locator('main form button[type="submit"]').click()
    phone.wait_for_selector("textarea[name=body]")
    body = phone.locator("textarea[name=body]").input_value()
    assert body.startswith("Lucía no irá al colegio el 3 de diciembre de 2026 porque ")
    assert body.endswith("Esperamos que vuelva el 7 de diciembre de 2026.")
    assert_accessible(phone)

    phone.locator('main form button[type="submit"]').first.click()
    phone.wait_for_url(f"**/messages/{thread.pk}/**")
    sent = Message.objects.filter(conversation=thread, sender=maria).order_by("-pk").first()
    assert sent.template_key == "absence"
    assert sent.body == body
    assert "3 de diciembre de 2026" in phone.locator(f"#message-{sent.pk}").inner_text()
    assert_accessible(phone)


def _teacher_writing_to_a_spanish_speaking_parent(settings):
    from messaging.translation.engines import clear_caches
    from messaging.translation.engines.apertium import ApertiumEngine
    from tests.conftest import require

    engine = ApertiumEngine()
    require(engine.is_available() and ("en", "es") in engine.pairs(), "Apertium English→Spanish is not installed")
    settings.TRANSLATION_ENGINES = ["apertium"]
    clear_caches()
    school = factories.SchoolFactory()
    lucia = factories.PupilFactory(school=school, first_name="Lucía", last_name="García")
    maria = factories.UserFactory(display_name="María García", preferred_language="es")
    factories.GuardianshipFactory(guardian=maria, pupil=lucia)
    grace = factories.UserFactory(display_name="Grace Kim", preferred_language="en-gb")
    factories.MembershipFactory(user=grace, school=school, role="teacher")
    group = factories.ClassGroupFactory(school=school)
    group.staff.add(grace)
    group.pupils.add(lucia)
    thread = conversations.conversation_start(
        starter=grace,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=lucia,
        subject="Reading",
        body="Hello",
        recipient_ids=[maria.pk],
    )
    return grace, thread


def test_a_teacher_sees_who_reads_through_a_machine_and_previews_it_in_place(new_context, live_url, sign_in, settings):
    grace, thread = _teacher_writing_to_a_spanish_speaking_parent(settings)
    phone = new_context(viewport=dict(PHONE)).new_page()
    sign_in(grace, phone)
    phone.goto(f"{live_url}/messages/{thread.pk}/")
    notice = phone.locator(f"#translation-notice-{thread.pk}")
    assert "María García will read this in Spanish (machine translation)." in notice.inner_text()
    phone.locator("textarea[name=body]").fill("The library is open on Friday.")
    notice.get_by_role("button", name="Preview the translation").click()
    preview = phone.locator(f"#translation-preview-{thread.pk} [lang=es]")
    preview.wait_for()
    assert "viernes" in preview.inner_text()
    assert phone.url.endswith(f"/messages/{thread.pk}/")  # in place: the draft is still there
    assert phone.locator("textarea[name=body]").input_value() == "The library is open on Friday."
    assert Message.objects.filter(conversation=thread).count() == 1
    assert_accessible(phone)
    assert wider_than(phone, PHONE["width"]) == []


def test_without_javascript_the_preview_is_a_page_of_its_own(new_context, live_url, sign_in, settings):
    grace, thread = _teacher_writing_to_a_spanish_speaking_parent(settings)
    phone = new_context(viewport=dict(PHONE), java_script_enabled=False).new_page()
    sign_in(grace, phone)
    phone.goto(f"{live_url}/messages/{thread.pk}/")
    phone.locator("textarea[name=body]").fill("The library is open on Friday.")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Preview the translation").click()
    assert phone.url.endswith(f"/messages/{thread.pk}/translation-preview/")
    assert "viernes" in phone.locator("main [lang=es]").first.inner_text()
    assert phone.locator("textarea[name=body]").input_value() == "The library is open on Friday."
    assert Message.objects.filter(conversation=thread).count() == 1
    assert wider_than(phone, PHONE["width"]) == []  # (axe needs JavaScript: it runs on this page below)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Send", exact=True).click()
    assert Message.objects.filter(conversation=thread).count() == 2


def test_the_preview_page_is_accessible(new_context, live_url, sign_in, settings):
    grace, thread = _teacher_writing_to_a_spanish_speaking_parent(settings)
    phone = new_context(viewport=dict(PHONE)).new_page()
    sign_in(grace, phone)
    phone.goto(f"{live_url}/messages/{thread.pk}/translation-preview/?body=The+library+is+open+on+Friday.")
    assert "viernes" in phone.locator("main [lang=es]").first.inner_text()
    assert_accessible(phone)
    assert wider_than(phone, PHONE["width"]) == []
