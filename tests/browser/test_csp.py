"""The Content-Security-Policy in a real browser: markup injected into a page cannot run script,
while the page's own scripts (govuk-frontend, htmx and its boosted forms) still do; an attachment
dressed up as a web page opens as the image it is."""

from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.services import messages as message_services
from tests.messaging import world as messaging_world
from tests.messaging.test_messages import PNG
from tests.messaging.world import World

outside = messaging_world.outside

# Listens before any page script runs (an init script is the browser's, not the page's, so the
# policy does not apply to it) and keeps every refusal the policy makes.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push({directive: event.violatedDirective, source: event.sourceFile || ''});
});
"""

INJECTED = (
    "<script>window.__injected = 'inline script';</script>"
    "<img alt='' src='/static/img/favicon.svg' onload=\"window.__injected = 'event handler attribute'\">"
    "<a id='injected-link' href=\"javascript:window.__injected = 'javascript url'\">x</a>"
)


def refused(page) -> list[str]:
    """What the policy refused on this page so far, except htmx parsing a whole page it fetched.

    htmx parses a boosted response as a separate document (Document.parseHTMLUnsafe) and keeps
    only its body; Chromium reports the <style> in that document's head although nothing from it
    is ever applied, while the page's own nonce'd <style> stays in force."""
    return [
        violation["directive"]
        for violation in page.evaluate("() => window.__violations")
        if not (violation["directive"] == "style-src-elem" and violation["source"].endswith("/htmx.min.js"))
    ]


def inject_into(page, path: str) -> None:
    """Serve `path` as the site sent it, headers and all, with attacker markup added to its body
    (what a stored cross-site scripting bug would do)."""

    def handle(route):
        response = route.fetch()
        body = response.text().replace("</main>", f"{INJECTED}</main>", 1)
        route.fulfill(response=response, body=body)

    page.route(f"**{path}", handle)


def test_injected_script_does_not_run_but_the_pages_own_scripts_do(outside, live_url, page, sign_in):
    world = World()
    thread = world.guardian_thread(body="Hello from home")
    thread_path = f"/messages/{thread.pk}/"
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(world.parent)
    inject_into(page, thread_path)

    page.goto(f"{live_url}{thread_path}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.wait_for_load_state("load")
    page.locator("#injected-link").click()
    assert page.evaluate("() => window.__injected") is None, "injected markup ran script"
    violations = refused(page)
    assert "script-src-elem" in violations, violations  # the injected <script>
    assert "script-src-attr" in violations, violations  # the injected onload attribute
    assert all(v.startswith("script-src") for v in violations), f"the page's own content was refused: {violations}"

    # The page's own scripts ran: the nonce'd inline scripts, govuk-frontend's module and htmx.
    classes = page.evaluate("() => document.body.className")
    assert "js-enabled" in classes
    assert "govuk-frontend-supported" in classes
    assert page.locator("[data-govuk-skip-link-init]").count() == 1

    # htmx still works: the boosted "Retract" form, then its confirmation, are sent by htmx
    # (HX-Request) and swapped in.
    page.locator('form[action$="/retract/"] button').first.click()
    page.locator('input[name="confirm"]').wait_for(state="attached")
    with page.expect_request(lambda request: "/retract/" in request.url) as sent:
        page.locator('form[action$="/retract/"] button').first.click()
    assert sent.value.headers.get("hx-request") == "true"
    page.locator(".homeroom-message__retracted").first.wait_for()
    assert page.evaluate("() => window.__injected") is None, "injected markup swapped in by htmx ran script"
    violations = refused(page)
    assert all(v.startswith("script-src") for v in violations), violations


def test_pages_raise_no_policy_violations_of_their_own(outside, live_url, page, sign_in):
    world = World()
    thread = world.guardian_thread(body="Hello from home")
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(world.parent)
    for path in ("/", f"/messages/{thread.pk}/", "/messages/", "/notifications/", "/account/two-factor/"):
        page.goto(f"{live_url}{path}")
        page.wait_for_load_state("load")
        assert refused(page) == [], path


def test_an_html_named_image_attachment_opens_as_an_image(outside, live_url, page, sign_in):
    world = World()
    thread = world.guardian_thread(body="Hello from home")
    message = message_services.message_send(
        sender=world.parent,
        conversation=thread,
        body="Homework",
        attachments=[SimpleUploadedFile("homework.html", PNG + b"<script>alert(document.domain)</script>")],
    )
    attachment = message.attachments.get()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(world.parent)
    page.goto(f"{live_url}/messages/attachment/{attachment.pk}/")
    assert page.evaluate("() => document.contentType") == "image/png"
    assert dialogs == []
