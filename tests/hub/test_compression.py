"""Pages and static files reach a slow phone compressed, and static files are cached for a year.

HTML goes through Django's GZipMiddleware (with its BREACH padding); static files are collected
with hashed names and gzip/brotli copies (hub.static_storage) and served by WhiteNoise, in the
demo (DEBUG on) as in production."""

import gzip

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from whitenoise.middleware import WhiteNoiseMiddleware

from messaging.services import messages as message_services
from tests.factories import UserFactory
from tests.messaging import world as messaging_world
from tests.messaging.test_messages import PNG

outside = messaging_world.outside

YEAR = "max-age=315360000"


@pytest.mark.django_db
def test_pages_are_gzipped_for_browsers_that_accept_it(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert '<main class="govuk-main-wrapper" id="main-content"' in html
    assert len(response.content) < len(html.encode()) / 2


@pytest.mark.django_db
def test_pages_are_plain_for_clients_that_do_not_accept_gzip(client):
    response = client.get(reverse("account_login"))
    assert not response.has_header("Content-Encoding")
    # Caches still keep the two versions apart.
    assert "Accept-Encoding" in response["Vary"]
    assert b'id="main-content"' in response.content


def test_a_signed_in_page_differs_in_length_each_time(client, db):
    """BREACH guesses a secret from how the compressed length changes with reflected input. The
    padding Django adds and the CSRF token masked afresh on every page take that away: the same page
    for the same person, same query, never compresses to a predictable size."""
    client.force_login(UserFactory())
    lengths, tokens = set(), set()
    for _ in range(8):
        response = client.get(reverse("home") + "?q=csrfmiddlewaretoken", HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip"
        lengths.add(len(response.content))
        html = gzip.decompress(response.content).decode()
        tokens.add(html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0])
    assert len(tokens) == 8
    assert len(lengths) > 1


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """`collectstatic` as `make demo` and the deployment run it, into a scratch folder (without
    Django admin's and django-htmx's files, to keep the test quick)."""
    root = tmp_path_factory.mktemp("staticfiles")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "hub.static_storage.HashedStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", "--noinput", "--verbosity=0", "--ignore=admin", "--ignore=django_htmx")
        yield root


def fetch(path: str, **headers) -> HttpResponse:
    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    return middleware(RequestFactory().get(path, **headers))


@pytest.mark.parametrize("demo", [True, False], ids=["demo (DEBUG on)", "production"])
@pytest.mark.parametrize(
    "name", ["vendor/govuk-frontend/homeroom.min.css", "css/homeroom.css", "vendor/htmx/htmx.min.js", "js/homeroom.js"]
)
def test_static_files_are_served_compressed_and_cached_for_a_year(collected, name, demo):
    with override_settings(DEBUG=demo):
        url = staticfiles_storage.url(name)
        stem = name.rsplit(".", 1)[0]
        assert url != f"/static/{name}", "a hashed name"
        assert url.startswith(f"/static/{stem}.")
        response = fetch(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert YEAR in response["Cache-Control"]
        assert "immutable" in response["Cache-Control"]
        compressed = b"".join(response.streaming_content)
        original = (collected / name).read_bytes()
        assert gzip.decompress(compressed) == original
        assert len(compressed) < len(original) * 0.6


def test_the_pages_reference_hashed_static_files(collected, client, db):
    with override_settings(DEBUG=True):
        html = client.get(reverse("account_login")).content.decode()
    assert staticfiles_storage.url("vendor/govuk-frontend/homeroom.min.css") in html
    # govuk-frontend's module, which homeroom.js imports, by its hashed name too.
    assert f'data-govuk-frontend="{staticfiles_storage.url("vendor/govuk-frontend/govuk-frontend.min.js")}"' in html


def test_without_collectstatic_the_demo_still_serves_plain_names(tmp_path, settings):
    settings.DEBUG = True
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "hub.static_storage.HashedStaticFilesStorage"}}
    assert staticfiles_storage.url("css/homeroom.css") == "/static/css/homeroom.css"


def test_attachments_are_not_gzipped_on_the_fly(client, db, outside):
    """A photo is already compressed: sent as it is, with its length, so a phone shows progress."""
    world = messaging_world.World()
    thread = world.guardian_thread(body="Hello from home")
    message = message_services.message_send(
        sender=world.parent,
        conversation=thread,
        body="Homework",
        attachments=[SimpleUploadedFile("homework.png", PNG * 40)],
    )
    attachment = message.attachments.get()
    client.force_login(world.parent)
    response = client.get(reverse("messaging:attachment", args=[attachment.pk]), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert int(response["Content-Length"]) == attachment.file.size
    assert b"".join(response.streaming_content).startswith(PNG)
