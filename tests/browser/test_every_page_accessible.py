"""Every page of Homeroom meets WCAG 2.2 AA (axe-core) and fits a 360 px phone.

The page list comes from the URL resolver (`tests.test_authorization.all_routes`), so a new page
is covered without editing this test. Each route is tried with real ids from one seeded school
(a conversation, a message, a scheduled message, an attachment, a safeguarding alert, a
notification, a pupil...) as an anonymous visitor and as every role; each page that answers GET
with 200 (after following redirects, each final page once per role) is opened in Chromium and
checked with axe at 1280 px, then narrowed to 360 px, where it must not scroll sideways and axe
runs again (a table that scrolls only on a phone must be reachable by keyboard). A page is seen
as two parts, each by its markup's shape (words and attribute values aside): its own content
(inside <main>) and its frame (header, menu and footer, which differ by role). A role's page is
not opened again when its content's shape was already checked on that route and its frame's on
some page: everything in it has then been through axe. Django's admin is left out: it is
Django's, not ours to restyle.

Discovery uses Django's test client (fast); only full HTML pages go to Chromium. What is not a
page is found automatically: POST-only endpoints answer 405, downloads and JSON are not text/html,
htmx fragments have no <html> element. Every failing page is reported in one assertion.
"""

import base64
import datetime
import hashlib
import itertools
import re
import threading
from dataclasses import dataclass

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from accounts import policies
from accounts.models import SendStatus
from messaging.announcements import services as announcement_services
from messaging.models import Conversation, MessagingSettings, Notification, SafeguardingPhrase, StoredTranslation
from messaging.services import conversations, translation_checks
from messaging.services import messages as message_services
from tests.browser.axe import assert_accessible, axe_source
from tests.browser.test_pages_accessible import wider_than
from tests.conftest import force_verified_login
from tests.messaging.world import World
from tests.test_authorization import all_routes

PHONE_WIDTH = 360
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": PHONE_WIDTH, "height": 740}

# Django's admin is not ours to restyle (and needs a superuser): its routes are not walked.
SKIP_PREFIXES = ("admin:",)
# Routes that cannot render as a page and that the walk cannot tell apart by itself, each with
# the reason. Empty: POST-only endpoints (405 on GET), downloads and scripts (not text/html) and
# htmx fragments (no <html> element) are recognised without a list, and a route that redirects is
# checked where it lands (e.g. set_language, account_set_password, account_login when signed in).
SKIP: dict[str, str] = {}
# The walk is split into shards (every SHARDS-th route, by name), each its own test, so that
# `pytest -n` spreads it over the cores instead of one worker walking every page alone.
SHARDS = 4
MUST_CHECK = (
    "home",
    "account_login",
    "messaging:thread",
    "messaging:safeguarding_alert",
    "notifications:inbox",
    "messaging:announcement",
    "messaging:announcement_figures",
    "messaging:announcement_new",
)

# Links mailed to one person, visited as an anonymous visitor only: allauth signs out whoever
# else is signed in when they open one, which would end that role's walk.
ANONYMOUS_ONLY = {"account_confirm_email", "account_reset_password_from_key"}

# One 1x1 transparent PNG: the attachment's bytes must sniff as an image.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


@dataclass(frozen=True)
class Page:
    route: str
    role: str
    path: str  # the final path (and query) after redirects


def _seed() -> tuple[World, dict]:
    """The messaging world plus one of everything a URL can name, and the values to try for each
    URL parameter (first the shared ones by name, then "route:<name>" overrides for one route)."""
    world = World()
    world.child.send_status = SendStatus.SEN_SUPPORT
    world.child.send_needs = "Dyslexia: give written instructions."
    world.child.save()
    SafeguardingPhrase.objects.create(school=world.school, phrase="bruise")

    # A guardian's conversation with a photo, a translated reply, a scheduled message and an alert.
    thread = conversations.conversation_start(
        starter=world.parent,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        pupil=world.child,
        subject="Visible's week at school, and the trip to the museum on Friday",
        body="Hola, Visible tiene un bruise en el brazo. Gracias.",
        recipient_ids=[world.teacher.pk],
        attachments=[SimpleUploadedFile("arm.png", PNG, content_type="image/png")],
    )
    first = thread.messages.get()
    # update_or_create: the send's outbox may already have stored what the engines made of it.
    translation, _ = StoredTranslation.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(first),
        object_id=first.pk,
        field="body",
        language="en",
        defaults={
            "body": "Hello, Visible has a bruise on the arm. Thank you.",
            "engine": "test",
            "source_language": "es",
            "school": world.school,
        },
    )
    # The teacher asks the school's named checker to check it (the check pages).
    MessagingSettings.objects.create(school=world.school, translation_checker=world.other_teacher)
    translation_checks.translation_check_request(reader=world.teacher, message=first)
    message_services.message_send(sender=world.teacher, conversation=thread, body="Thank you, I will look today.")
    scheduled = message_services.message_send(
        sender=world.parent,
        conversation=thread,
        body="Reminder: Visible is picked up early on Friday.",
        send_at=timezone.now() + datetime.timedelta(days=2),
    )
    staff_thread = conversations.conversation_start(
        starter=world.teacher,
        kind=Conversation.Kind.STAFF_TEAM,
        pupil=world.child,
        subject="Support plan review",
        body="Can we meet about the reading plan?",
        recipient_ids=[world.sendco.pk],
    )
    Notification.objects.create(user=world.parent, kind="message", title="A message about Visible", url="/")
    Notification.objects.create(user=world.dsl, kind="message", title="Urgent: a safeguarding alert", urgent=True)

    # A permission slip from the teacher to the child's class, delivered and answered by the parent.
    trip = announcement_services.announcement_post(
        author=world.teacher,
        school_id=world.school.pk,
        audience="classes",
        class_group_ids=list(world.teacher.class_groups.values_list("pk", flat=True)),
        title="Trip to the museum on Friday",
        body="We leave at nine and are back by three. Please send a packed lunch.",
        response="yes_no",
        question="May Visible come on the trip?",
    )
    announcement_services.announcement_answer(reader=world.parent, announcement=trip, answer="yes")
    attachment = first.attachments.get()
    alert = first.safeguarding_alerts.first()
    assert alert is not None, "the seeded message should raise a safeguarding alert"
    email, _ = EmailAddress.objects.get_or_create(user=world.parent, email=world.parent.email)
    candidates = {
        "school_id": [world.school.pk],
        "kind": [Conversation.Kind.GUARDIAN_STAFF, Conversation.Kind.STAFF_TEAM, Conversation.Kind.FAMILY],
        "pupil_id": [world.child.pk],
        "conversation_id": [thread.pk, staff_thread.pk],
        "message_id": [scheduled.pk, first.pk],
        "attachment_id": [attachment.pk],
        "alert_id": [alert.pk],
        "announcement_id": [trip.pk],
        "translation_id": [translation.pk],
        "notification_id": list(Notification.objects.values_list("pk", flat=True)),
        # A template's key (messaging) or an email confirmation key (allauth).
        "key": [EmailConfirmationHMAC(email).key, "meeting", "praise"],
        "uidb36": [user_pk_to_url_str(world.parent)],
        # Values for one route only, where the shared ones would name the wrong thing.
        "route:account_reset_password_from_key": {"key": [default_token_generator.make_token(world.parent)]},
    }
    # Each app's tests seed their own rows for this world and name the values of their URL
    # parameters (and may add roles, like a pupil with their own sign-in): tests/<app>/a11y_world*.py.
    world.extra_roles = {}
    for extension in _page_world_extensions():
        candidates.update(extension.candidates(world))
        if hasattr(extension, "roles"):
            world.extra_roles.update(extension.roles(world))
    return world, candidates


def _page_world_extensions() -> list:
    """The `tests/<app>/a11y_world*.py` modules: `candidates(world) -> {param: [values]}` (rows
    seeded for tests.messaging.world.World's people) and optionally `roles(world) -> {name: user}`."""
    import importlib
    import pkgutil

    import tests

    found = []
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            package = importlib.import_module(f"tests.{info.name}")
            for module in pkgutil.iter_modules(package.__path__):
                if module.name.startswith("a11y_world"):
                    found.append(importlib.import_module(f"tests.{info.name}.{module.name}"))
    return found


def _client_for(user, *, verified=True) -> Client:
    """A client signed in as `user`, past the second factor when their role needs one."""
    client = Client()
    if user is None:
        return client
    if verified and policies.requires_two_factor(user):
        force_verified_login(client, user)
    else:
        client.force_login(user)
    return client


ATTRIBUTE_VALUE = re.compile(rb'\s(?!class=)([\w:@.-]+)=("[^"]*"|\'[^\']*\')')
TEXT = re.compile(rb">[^<]+<")


def _shape(html: bytes) -> str:
    """The page's markup without its words and attribute values (classes kept): two roles whose
    pages have one shape get the same result from axe, so the second is not opened again."""
    return hashlib.sha256(TEXT.sub(b"><", ATTRIBUTE_VALUE.sub(rb" \1", html))).hexdigest()


MAIN = re.compile(rb"<main\b.*?</main>", re.S)


def _shapes(html: bytes) -> tuple[str, str]:
    """The shapes of a page's own content (its <main>) and of its frame (the rest)."""
    main = MAIN.search(html)
    if main is None:
        return _shape(html), ""
    return _shape(main.group(0)), _shape(html[: main.start()] + html[main.end() :])


def _is_page(response) -> bool:
    if response.status_code != 200 or getattr(response, "streaming", False):
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    return b"<html" in response.content[:2000].lower()


def _shard_routes(shard: int) -> list:
    """The routes one shard of the walk checks: every SHARDS-th of them, by name."""
    routes = sorted(
        (r for r in all_routes() if r.name and not r.name.startswith(SKIP_PREFIXES) and r.name not in SKIP),
        key=lambda r: r.name,
    )
    return routes[shard::SHARDS]


def _discover(world: World, candidates: dict, shard: int) -> tuple[list[Page], dict[str, Client], list[str], list]:
    """Every (route, role) of the shard whose GET ends in a full HTML page, the signed-in clients,
    and problems."""
    roles = {
        "anonymous": None,
        "parent": world.parent,
        "teacher": world.teacher,
        "sendco": world.sendco,
        "dsl": world.dsl,
        "leader": world.leader,
        "school_admin": world.office,
    }
    roles.update(getattr(world, "extra_roles", {}))
    clients = {role: _client_for(user) for role, user in roles.items()}
    # Signed in with a password, not yet past the code step (the DSL has an authenticator by now).
    clients["dsl_at_code_step"] = _client_for(world.dsl, verified=False)
    pages, problems, skipped, seen, frames = [], [], [], set(), set()
    for route in _shard_routes(shard):
        choices = {**candidates, **candidates.get(f"route:{route.name}", {})}
        missing = [param for param in route.params if param not in choices]
        if missing:
            problems.append(f"{route.name}: no value to try for {missing} (add it in tests/<app>/a11y_world*.py)")
            continue
        value_sets = [
            dict(zip(route.params, values, strict=True))
            for values in itertools.product(*(choices[param] for param in route.params))
        ]
        found = False
        for role, client in clients.items():
            if role != "anonymous" and route.name in ANONYMOUS_ONLY:
                continue
            for values in value_sets:
                url = "/" + route.template.format(**values)
                response = client.get(url, follow=True)
                if response.status_code >= 500:
                    # The body says which part failed (/healthz names the check that did).
                    body = response.content[:600].decode(errors="replace")
                    problems.append(f"{url} ({route.name}) as {role}: GET failed with {response.status_code}: {body}")
                if not _is_page(response):
                    continue
                final = response.request["PATH_INFO"]
                shown = resolve(final).view_name
                query = response.request.get("QUERY_STRING", "")
                path = f"{final}?{query}" if query else final
                found = True
                content, frame = _shapes(response.content)
                checked = (shown, content) in seen and frame in frames
                if (role, final) not in seen and not checked:
                    seen.update({(role, final), (shown, content)})
                    frames.add(frame)
                    pages.append(Page(route=shown, role=role, path=path))
                break  # one page per route and role is enough
        if not found:
            skipped.append(route.name)
    for role, client in clients.items():
        if role != "anonymous" and "_auth_user_id" not in client.session:
            problems.append(f"{role} was signed out during the walk: a GET should not sign anyone out")
    return pages, clients, problems, skipped


def _off_the_event_loop(function):
    """Run `function` in its own thread: Playwright's sync API keeps an asyncio loop running in
    this one, and messaging pushes to the channel layer with async_to_sync after commit."""
    result = {}

    def target():
        try:
            result["value"] = function()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            result["error"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=target)
    worker.start()
    # Seeding and visiting every (route, role) grows with each app's pages: a generous bound that
    # still ends a hung walk (a few hundred requests take a minute or two on a quiet machine).
    worker.join(timeout=900)
    if worker.is_alive():
        raise TimeoutError("seeding and discovering the pages took more than 15 minutes")
    if "error" in result:
        raise result["error"]
    return result["value"]


def _axe(tab, where: str, problems: list[str]) -> None:
    try:
        assert_accessible(tab)
    except AssertionError as failure:
        problems.append(f"{where}: {failure}")


@pytest.fixture
def quiet_messaging(monkeypatch):
    """No translation jobs: the seeded translation is stored directly (the engines have their own tests)."""
    from messaging.services import language

    monkeypatch.setattr(language, "queue_translation", lambda message_id, target: None)
    monkeypatch.setattr(language, "detect", lambda text, *, fallback: "es" if "Hola" in text else "en")


def test_the_shards_together_walk_every_route():
    names = [route.name for shard in range(SHARDS) for route in _shard_routes(shard)]
    assert len(names) == len(set(names)) >= 25
    assert set(MUST_CHECK) <= set(names)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_page_is_accessible_and_fits_a_phone(live_url, new_context, quiet_messaging, shard):
    name = settings.SESSION_COOKIE_NAME

    def seed_and_discover():
        world, candidates = _seed()
        pages, clients, problems, skipped = _discover(world, candidates, shard)
        cookies = {role: client.cookies[name].value for role, client in clients.items() if name in client.cookies}
        return pages, cookies, problems, skipped

    pages, cookies, problems, skipped = _off_the_event_loop(seed_and_discover)
    routes = {page.route for page in pages}
    assert len(routes) >= 25 // SHARDS, f"the walk found only {sorted(routes)}; is discovery broken?"
    for must in set(MUST_CHECK) & {route.name for route in _shard_routes(shard)}:
        assert must in routes, f"{must} was not checked"

    tabs = {}
    for role in {page.role for page in pages}:
        context = new_context(viewport=dict(DESKTOP))
        # axe-core in every page before it loads: injecting it after each navigation doubles the run.
        context.add_init_script(axe_source())
        if role in cookies:
            context.add_cookies([{"name": name, "value": cookies[role], "url": live_url}])
        tabs[role] = context.new_page()

    for page in pages:
        tab = tabs[page.role]
        tab.set_viewport_size(DESKTOP)
        response = tab.goto(f"{live_url}{page.path}")
        where = f"{page.path} ({page.route}, as {page.role})"
        if response is None or response.status != 200:
            problems.append(f"{where}: Chromium got {response and response.status}")
            continue
        _axe(tab, f"{where} at 1280 px", problems)
        # The phone layout is checked with axe too: a table that scrolls sideways only there must
        # be reachable by keyboard (scrollable-region-focusable).
        tab.set_viewport_size(PHONE)
        width = tab.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            problems.append(f"{where}: {width} px wide at {PHONE_WIDTH} px; too wide: {wider_than(tab, PHONE_WIDTH)}")
        _axe(tab, f"{where} at {PHONE_WIDTH} px", problems)

    print(f"checked {len(pages)} pages of {len(routes)} routes: {sorted(routes)}; not pages: {sorted(skipped)}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n\n".join(problems)
