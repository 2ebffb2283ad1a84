"""Uploaded files are stored under random names and reach people only through the view that checks
access: `/media/` answers 404 even in the demo (DEBUG=True), and a file dressed up as a web page
is served as what its bytes are, never as HTML on our origin."""

import importlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse

from messaging.services import messages as message_services
from tests.messaging import world as messaging_world
from tests.messaging.test_messages import PNG

pytestmark = pytest.mark.django_db
outside = messaging_world.outside
world = messaging_world.world
sign_in = messaging_world.sign_in

# A PNG's first bytes, then markup: passes the content check as an image, named like a web page.
PNG_WITH_SCRIPT = PNG + b"<html><script>alert(document.domain)</script></html>"


@pytest.fixture
def demo(settings, tmp_path):
    """The demo's shape: DEBUG on, files on disk under MEDIA_ROOT, the URLs as DEBUG builds them."""
    import hub.urls

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    clear_url_caches()
    importlib.reload(hub.urls)
    yield
    settings.DEBUG = False
    clear_url_caches()
    importlib.reload(hub.urls)


@pytest.fixture
def attachment(world):
    thread = world.guardian_thread(body="Hello", recipients=[world.teacher])
    message = message_services.message_send(
        sender=world.parent,
        conversation=thread,
        body="Photo",
        attachments=[SimpleUploadedFile("homework.html", PNG_WITH_SCRIPT, content_type="text/html")],
    )
    return message.attachments.get()


def test_files_are_stored_under_random_names_keeping_the_original_for_people(demo, attachment, tmp_path):
    assert attachment.original_name == "homework.html"
    stored = attachment.file.name.rsplit("/", 1)[-1]
    assert len(stored) == 32  # 128 random bits in hex, no extension
    assert set(stored) <= set("0123456789abcdef")
    assert "homework" not in attachment.file.name
    assert (tmp_path / attachment.file.name).read_bytes() == PNG_WITH_SCRIPT


def test_media_is_never_served_directly_in_the_demo(client, demo, world, attachment):
    sign_in(client, world.teacher)  # even to someone who may read the attachment
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    response = client.get(reverse("messaging:attachment", args=[attachment.pk]))
    assert response.status_code == 200


def test_an_html_named_image_is_served_as_an_image_with_nosniff(client, world, attachment):
    sign_in(client, world.teacher)
    response = client.get(reverse("messaging:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]  # default-src 'none' covers scripts
    assert "no-store" in response["Cache-Control"]


def test_anything_but_an_image_or_pdf_is_downloaded_not_shown(client, world):
    thread = world.guardian_thread(body="Hello", recipients=[world.teacher])
    voice_note = b"OggS" + b"\x00" * 40 + b"<script>alert(1)</script>"
    message = message_services.message_send(
        sender=world.parent,
        conversation=thread,
        body="Voice note",
        attachments=[SimpleUploadedFile("voice.html", voice_note)],
    )
    attachment = message.attachments.get()
    sign_in(client, world.teacher)
    response = client.get(reverse("messaging:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "audio/ogg"


def test_files_saved_before_under_their_uploaders_names_are_renamed(demo, attachment, tmp_path):
    from django.apps import apps
    from django.core.files.base import ContentFile

    migration = importlib.import_module("messaging.migrations.0005_attachment_random_file_names")
    folder = attachment.file.name.rsplit("/", 1)[0]
    old_name = attachment.file.storage.save(f"{folder}/homework.html", ContentFile(PNG_WITH_SCRIPT))
    type(attachment).objects.filter(pk=attachment.pk).update(file=old_name)

    migration._rename(apps, None)

    attachment.refresh_from_db()
    assert "homework" not in attachment.file.name
    assert len(attachment.file.name.rsplit("/", 1)[-1]) == 32
    assert (tmp_path / attachment.file.name).read_bytes() == PNG_WITH_SCRIPT
    assert not (tmp_path / old_name).exists()
