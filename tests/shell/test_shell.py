"""The page shell: skip link, languages, simplified interface, error pages, sign-in errors, assets."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from hub import errors
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.messaging import world as messaging_world

outside = messaging_world.outside

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"

# One string from the shell (base.html) in each language, as the catalogues in locale/ translate it.
SKIP_LINK = {
    "en-gb": "Skip to main content",
    "cy": "Neidio i'r prif gynnwys",
    "es": "Saltar al contenido principal",
    "pl": "Przejdź do głównej treści",
    "sw": "Ruka hadi maudhui makuu",
}
SIGN_IN_HEADING = {
    "cy": "Mewngofnodi i Homeroom",
    "es": "Entrar en Homeroom",
    "pl": "Zaloguj się do Homeroom",
    "sw": "Ingia kwenye Homeroom",
}


class FocusOrder(HTMLParser):
    """Collects the page's focusable elements in document order, and the <body> class."""

    def __init__(self):
        super().__init__()
        self.focusable: list[tuple[str, dict]] = []
        self.body_class = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body":
            self.body_class = attributes.get("class") or ""
        hidden = attributes.get("type") == "hidden" or "hidden" in attributes
        if tag in {"a", "button", "input", "select", "textarea"} and not hidden:
            self.focusable.append((tag, attributes))


def parse(response) -> FocusOrder:
    parser = FocusOrder()
    parser.feed(response.content.decode())
    return parser


def title_of(response) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match, "page has no <title>"
    return " ".join(match.group(1).split())


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts failed sign-ins in the cache; start every test with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(db):
    return UserFactory(display_name="Sam Example", preferred_language="en-gb")


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["account_login", "account_reset_password"])
def test_skip_link_is_the_first_focusable_element_and_targets_main(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    first_tag, first = parse(response).focusable[0]
    assert first_tag == "a"
    assert first["href"] == "#main-content"
    assert "govuk-skip-link" in first["class"]
    assert '<main class="govuk-main-wrapper" id="main-content"' in response.content.decode()


def test_skip_link_comes_first_for_signed_in_people_too(client, person):
    client.force_login(person)
    response = client.get(reverse("home"))
    focusable = parse(response).focusable
    assert focusable[0][1]["href"] == "#main-content"
    # The service navigation follows the skip link and the service name.
    hrefs = [attributes.get("href") for tag, attributes in focusable if tag == "a"]
    assert reverse("login_history") in hrefs


@pytest.mark.django_db
def test_sign_in_page_follows_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get(reverse("account_login"))
    body = response.content.decode()
    assert '<html lang="es"' in body
    assert SKIP_LINK["es"] in body
    assert SIGN_IN_HEADING["es"] in body


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["cy", "es", "pl", "sw"])
def test_sign_in_page_follows_accept_language(client, language):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert f'<html lang="{language}"' in body
    assert SKIP_LINK[language] in body
    assert SIGN_IN_HEADING[language] in body
    assert SKIP_LINK["en-gb"] not in body


@pytest.mark.django_db
def test_sign_in_page_says_how_to_get_an_account(client):
    body = client.get(reverse("account_login")).content.decode()
    assert "Your school invites you" in body
    assert "ask your school office" in body


class Switcher(HTMLParser):
    """The header's language switcher: its form's action, the languages offered as buttons and the
    current one, with the `lang` each is marked up in."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside <header>
        self.action = None
        self.buttons: dict[str, tuple[str, str]] = {}  # value -> (lang, text)
        self.current: tuple[str, str] | None = None
        self._open: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "header":
            self.depth += 1
        if not self.depth:
            return
        if tag == "form" and attributes.get("action") == reverse("language_set"):
            self.action = attributes["action"]
        if tag == "button" and attributes.get("name") == "language" or attributes.get("aria-current") == "true":
            self._open = (tag, attributes)

    def handle_data(self, data):
        if self._open and data.strip():
            tag, attributes = self._open
            if tag == "button":
                self.buttons[attributes["value"]] = (attributes.get("lang"), data.strip())
            else:
                self.current = (attributes.get("lang"), data.strip())
            self._open = None

    def handle_endtag(self, tag):
        if tag == "header":
            self.depth -= 1


def switcher_of(response) -> Switcher:
    parser = Switcher()
    parser.feed(response.content.decode())
    return parser


OWN_NAMES = {"cy": "Cymraeg", "es": "Español", "pl": "Polski", "sw": "Kiswahili"}


@pytest.mark.django_db
def test_language_switcher_is_in_the_header_each_language_named_in_itself(client):
    switcher = switcher_of(client.get(reverse("account_login")))
    assert switcher.action == reverse("language_set")
    # One button per other language: one tap changes it. Each is named in its own language and
    # marked up as such, so a screen reader reads "Español" in Spanish.
    assert switcher.buttons == {code: (code, name) for code, name in OWN_NAMES.items()}
    assert switcher.current == ("en-gb", "British English")


@pytest.mark.django_db
def test_language_switcher_marks_the_current_language_in_its_own_name(client):
    switcher = switcher_of(client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="cy"))
    assert switcher.current == ("cy", "Cymraeg")
    assert "cy" not in switcher.buttons
    assert switcher.buttons["es"] == ("es", "Español")


@pytest.fixture
def pages_of_every_kind(db, outside, settings):
    """One page of each kind a person meets: signed out, signed in, a list, a thread, an error."""
    world = messaging_world.World()
    thread = world.guardian_thread(body="Hello from home")
    return world, [
        reverse("home"),
        reverse("preferences"),
        reverse("login_history"),
        reverse("messaging:inbox"),
        reverse("messaging:thread", args=[thread.pk]),
        reverse("notifications:inbox"),
        "/no-such-page/",
    ]


def test_language_switcher_is_on_every_kind_of_page(client, pages_of_every_kind):
    world, paths = pages_of_every_kind
    anonymous = [reverse("account_login"), reverse("account_reset_password"), "/no-such-page/"]
    for path in anonymous:
        switcher = switcher_of(client.get(path))
        assert set(switcher.buttons) == set(OWN_NAMES), path
    messaging_world.sign_in(client, world.parent)  # reads Spanish
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        switcher = switcher_of(response)
        assert switcher.action == reverse("language_set"), path
        assert switcher.current == ("es", "Español"), path
        assert set(switcher.buttons) == {"en-gb", "cy", "pl", "sw"}, path
        # It brings the person back to the page they were on.
        assert f'name="next" value="{path}"' in response.content.decode(), path


def test_one_tap_on_a_language_changes_it_and_returns_to_the_page(client, person):
    client.force_login(person)
    response = client.post(reverse("language_set"), {"language": "cy", "next": reverse("preferences")}, follow=True)
    assert response.redirect_chain == [(reverse("preferences"), 302)]
    assert '<html lang="cy"' in response.content.decode()
    assert switcher_of(response).current == ("cy", "Cymraeg")


def test_language_switcher_saves_the_choice_for_a_signed_in_person(client, person):
    client.force_login(person)
    response = client.post(reverse("language_set"), {"language": "pl", "next": reverse("home")}, follow=True)
    person.refresh_from_db()
    assert person.preferred_language == "pl"
    assert response.redirect_chain[-1][0] == reverse("home")
    body = response.content.decode()
    assert '<html lang="pl"' in body
    assert SKIP_LINK["pl"] in body
    # The next page, fetched afresh, is still in Polish: the profile wins over the browser.
    again = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert SKIP_LINK["pl"] in again


@pytest.mark.django_db
def test_language_switcher_ignores_an_offsite_next(client):
    response = client.post(reverse("language_set"), {"language": "sw", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sw"


def test_simplified_toggle_flips_the_setting_and_the_body_class(client, person):
    client.force_login(person)
    assert "homeroom-simplified" not in parse(client.get(reverse("home"))).body_class

    response = client.post(reverse("simplified_toggle"), {"next": reverse("home")}, follow=True)
    person.refresh_from_db()
    assert person.simplified_interface is True
    assert "homeroom-simplified" in parse(response).body_class
    assert "Turn simplified interface off" in response.content.decode()

    response = client.post(reverse("simplified_toggle"), {"next": reverse("home")}, follow=True)
    person.refresh_from_db()
    assert person.simplified_interface is False
    assert "homeroom-simplified" not in parse(response).body_class
    assert "Turn simplified interface on" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_get_no_account_controls(client):
    body = client.get(reverse("account_login")).content.decode()
    assert reverse("simplified_toggle") not in body
    assert f'action="{reverse("account_logout")}"' not in body


def test_signed_in_people_sign_out_with_a_post_form(client, person):
    client.force_login(person)
    body = client.get(reverse("home")).content.decode()
    assert re.search(
        rf'<form action="{reverse("account_logout")}" method="post">\s*<input type="hidden" name="csrfmiddlewaretoken"',
        body,
    )
    assert 'hx-headers=\'{"X-CSRFToken": "' in body


@pytest.mark.django_db
def test_unknown_page_is_a_404_in_the_shell(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="cy")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Heb ddod o hyd i'r dudalen" in body
    assert 'id="main-content"' in body
    assert parse(response).focusable[0][1]["href"] == "#main-content"


def test_server_error_page_needs_no_database_or_context():
    # No django_db mark: touching the database here would fail the test.
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with Homeroom" in body
    assert 'id="main-content"' in body


@pytest.mark.django_db
def test_wrong_password_shows_the_error_summary_and_error_title(client, person):
    response = client.post(reverse("account_login"), {"login": person.email, "password": "not the password"})
    body = response.content.decode()
    assert title_of(response).startswith("Error: ")
    assert 'class="govuk-error-summary"' in body
    assert "There is a problem" in body


@pytest.mark.django_db
def test_empty_sign_in_links_each_error_to_its_field(client):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    body = response.content.decode()
    assert title_of(response).startswith("Error: ")
    assert '<a href="#id_login">' in body
    assert '<a href="#id_password">' in body
    # Django points the input at the error message, which the field component renders with that id.
    assert 'id="id_login_error"' in body
    assert re.search(r'<input[^>]*aria-describedby="id_login_error"[^>]*id="id_login"', body)
    assert '<label class="govuk-label" for="id_login">' in body


@pytest.mark.django_db
def test_sign_in_errors_are_translated_too(client):
    response = client.post(reverse("account_login"), {"login": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="sw")
    assert title_of(response).startswith("Hitilafu: ")
    assert "Kuna tatizo" in response.content.decode()


def test_right_password_signs_in(client, person):
    response = client.post(reverse("account_login"), {"login": person.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["account_reset_password", "account_reset_password_done", "account_logout", "account_signup"]
)
def test_account_pages_render_in_the_shell(client, url_name):
    response = client.get(reverse(url_name), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="govuk-skip-link"' in body
    assert 'id="main-content"' in body


def test_signed_in_account_pages_render_in_the_shell(client, person):
    client.force_login(person)
    for url_name in ["account_change_password", "account_email"]:
        response = client.get(reverse(url_name))
        assert response.status_code == 200, url_name
        assert 'id="main-content"' in response.content.decode()


def test_compiled_css_is_ours():
    css = (VENDOR / "govuk-frontend" / "homeroom.min.css").read_text()
    assert "GDS Transport" not in css
    assert "url(" not in css  # no crest, crown or font files to fetch
    assert "system-ui" in css
    assert "#005f73" in css.lower()


def test_compiled_css_keeps_the_breakpoints_govuk_frontend_scripts_read():
    # A byte-order mark behind the banner turned the first selector into "\ufeff:root", so the
    # breakpoints were never set and the service navigation's Menu script failed on every page.
    css = (VENDOR / "govuk-frontend" / "homeroom.min.css").read_text(encoding="utf-8")
    assert "\ufeff" not in css
    assert re.search(r"(^|[}\s]):root\{[^}]*--govuk-breakpoint-tablet:", css)


def test_vendored_scripts_are_present():
    assert "initAll" in (VENDOR / "govuk-frontend" / "govuk-frontend.min.js").read_text()
    assert (VENDOR / "htmx" / "htmx.min.js").stat().st_size > 10_000
    assert (VENDOR / "htmx" / "ext" / "ws.min.js").exists()


@pytest.mark.parametrize("language", ["cy", "es", "pl", "sw"])
def test_compiled_catalogues_are_committed(language):
    assert (Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.mo").exists()


def navigation_hrefs(response) -> list[str]:
    body = response.content.decode()
    nav = body[body.index('<ul class="govuk-service-navigation__list"') :]
    nav = nav[: nav.index("</ul>")]
    return re.findall(r'href="([^"]+)"', nav)


def test_simplified_interface_trims_the_navigation(client, person):
    client.force_login(person)
    full = navigation_hrefs(client.get(reverse("home")))
    assert reverse("login_history") in full
    assert reverse("twofactor:overview") in full

    person.simplified_interface = True
    person.save(update_fields=["simplified_interface"])
    trimmed = navigation_hrefs(client.get(reverse("home")))
    assert reverse("home") in trimmed
    assert reverse("messaging:inbox") in trimmed
    assert reverse("login_history") not in trimmed
    assert reverse("twofactor:overview") not in trimmed
    # Someone who went there by address still sees where they are.
    assert reverse("login_history") in navigation_hrefs(client.get(reverse("login_history")))


def simplified_font_sizes() -> dict[str, float]:
    """Font size (rem) the simplified interface gives each selector in static/css/homeroom.css."""
    css = (Path(settings.BASE_DIR) / "static" / "css" / "homeroom.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    sizes = {}
    for selectors, block in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        size = re.search(r"font-size:\s*([\d.]+)rem", block)
        for selector in selectors.split(","):
            selector = " ".join(selector.split())
            if size and selector.startswith("body.homeroom-simplified"):
                sizes[selector.removeprefix("body.homeroom-simplified ")] = float(size.group(1))
    return sizes


def test_simplified_interface_keeps_headings_above_labels_and_body_text():
    sizes = simplified_font_sizes()
    text = max(sizes[".govuk-body"], sizes[".govuk-label"], sizes[".govuk-hint"])
    headings = [sizes[f".govuk-heading-{size}"] for size in ("xl", "l", "m", "s")]
    assert headings == sorted(headings, reverse=True), "the heading levels keep their order"
    assert min(headings) > text, "every heading is bigger than the labels and body text"
    assert all(sizes[f"h{level}"] > text for level in range(1, 7)), "headings without a size class too"
    for size in ("xl", "l", "m", "s"):
        assert sizes[f".govuk-fieldset__legend--{size}"] == sizes[f".govuk-heading-{size}"]
        assert sizes[f".govuk-label--{size}"] == sizes[f".govuk-heading-{size}"]
