"""Accessibility checks on resources: each finding from a real small file or text, nothing on a
clean resource, findings kept on save and shown to the author, and "Publish anyway"."""

import io
import zipfile

import pytest
import weasyprint
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from pypdf import PdfWriter

from resources import checks, services
from resources.models import Kind, Resource, Status, Visibility
from tests.conftest import force_verified_login
from tests.resources.world import build_world

LONG = " ".join(["word"] * 35) + "."
# A Flesch-Kincaid grade far above a family's reading.
DENSE = (
    "Metacognitive scaffolding facilitates autonomous self-regulatory behaviours, consequently "
    "engendering substantially improved educational achievement. "
) * 4
PLAIN = "Read with your child for ten minutes. Ask what they liked. Praise them when they try. " * 4


def docx(*, descr: str | None) -> bytes:
    """A Word document with one picture, its alt text in wp:docPr's descr (None: no attribute)."""
    alt = "" if descr is None else f' descr="{descr}"'
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        "<w:body><w:p><w:r><w:drawing><wp:inline>"
        f'<wp:docPr id="1" name="Picture 1"{alt}/>'
        "</wp:inline></w:drawing></w:r></w:p></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def pdf(*, tagged: bool) -> bytes:
    return weasyprint.HTML(string='<html lang="en"><title>Fractions</title><p>Halves and quarters.</p>').write_pdf(
        pdf_tags=tagged
    )


def scanned_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def codes(findings) -> list[str]:
    return [f.code if isinstance(f, checks.Finding) else f["code"] for f in findings]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p>Look.</p><img src="/m/chart.png">', ["image_alt"]),
        ('<p><a href="/next"><img src="/m/arrow.png" alt=""></a></p>', ["image_alt"]),
        ('<p>Look.</p><img src="/m/line.png" alt="">', []),
        ('<img src="/m/chart.png" alt="A bar chart of reading minutes">', []),
    ],
    ids=["no-alt", "empty-alt-in-link", "decorative", "described"],
)
def test_pictures_in_the_text_need_alt_text_unless_decorative(html, expected):
    assert codes(checks.body_images(html)) == expected


def test_a_word_document_picture_without_alt_text_is_found():
    found = checks.docx_images(docx(descr=None), name="plan.docx")
    assert codes(found) == ["docx_image_alt"]
    assert "Picture 1" in found[0].where
    assert "Edit Alt Text" in found[0].fix
    assert checks.docx_images(docx(descr="A timetable for the week"), name="plan.docx") == []


def test_pdfs_without_tags_or_text_are_found():
    assert codes(checks.pdf_structure(pdf(tagged=False), name="a.pdf")) == ["pdf_untagged"]
    assert codes(checks.pdf_structure(scanned_pdf(), name="scan.pdf")) == ["pdf_untagged", "pdf_no_text"]
    assert checks.pdf_structure(pdf(tagged=True), name="a.pdf") == []


def test_long_sentences_and_a_high_reading_age_are_found():
    long = checks.long_sentences(f"Short one. {LONG} Another short one.", where="Text")
    assert codes(long) == ["long_sentence"]
    assert "35 words" in long[0].problem
    assert codes(checks.reading_age(DENSE, where="Text")) == ["reading_age"]
    assert checks.reading_age(PLAIN, where="Text") == []
    assert checks.long_sentences(PLAIN, where="Text") == []


def test_a_video_needs_a_captions_file_or_a_captioned_link():
    assert codes(checks.video_captions(is_video=True, file_names=["clip.mp4"], link_captioned=False)) == [
        "video_captions"
    ]
    assert checks.video_captions(is_video=True, file_names=["clip.mp4", "clip.vtt"], link_captioned=False) == []
    assert checks.video_captions(is_video=True, file_names=[], link_captioned=True) == []
    assert checks.video_captions(is_video=False, file_names=[], link_captioned=False) == []


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One school world for the module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_clean_resource_has_no_findings(world):
    resource = services.resource_create(
        author=world.author,
        school=world.home,
        title="Reading together",
        kind=Kind.HOME_STRATEGY,
        body=f'<p>{PLAIN}</p><img src="/m/book.png" alt="A parent and child reading">',
        upload=SimpleUploadedFile("guide.pdf", pdf(tagged=True)),
    )
    assert resource.accessibility_findings == []


@pytest.mark.django_db
def test_findings_are_kept_on_upload_and_checked_again_when_the_text_or_a_version_changes(world):
    resource = services.resource_create(
        author=world.author,
        school=world.home,
        title="Bedtime routine",
        kind=Kind.HOME_STRATEGY,
        body='<p>Dim the lights.</p><img src="/m/bed.png">',
        upload=SimpleUploadedFile("routine.docx", docx(descr=None)),
    )
    assert codes(Resource.objects.get(pk=resource.pk).accessibility_findings) == ["image_alt", "docx_image_alt"]
    services.resource_update(
        user=world.author, resource=resource, body='<p>Dim the lights.</p><img src="/m/bed.png" alt="A cosy bed">'
    )
    assert codes(Resource.objects.get(pk=resource.pk).accessibility_findings) == ["docx_image_alt"]
    services.version_add(
        user=world.author,
        resource=resource,
        upload=SimpleUploadedFile("routine.docx", docx(descr="A bedtime chart")),
        change_note="Alt text added",
    )
    assert Resource.objects.get(pk=resource.pk).accessibility_findings == []


@pytest.mark.django_db
def test_a_captions_file_can_be_uploaded_and_clears_the_video_finding(world):
    resource = services.resource_create(
        author=world.author,
        school=world.home,
        title="Phonics sounds",
        kind=Kind.VIDEO,
        link_url="https://video.example.org/phonics",
    )
    assert codes(resource.accessibility_findings) == ["video_captions"]
    services.version_add(
        user=world.author,
        resource=resource,
        upload=SimpleUploadedFile("phonics.vtt", b"WEBVTT\n\n00:00.000 --> 00:02.000\nSay s.\n"),
        change_note="Captions",
    )
    assert Resource.objects.get(pk=resource.pk).accessibility_findings == []


@pytest.mark.django_db
def test_the_author_sees_the_findings_and_publishing_asks_to_confirm(client, world):
    resource = services.resource_create(
        author=world.author,
        school=world.home,
        title="Counting at the shops",
        kind=Kind.HOME_STRATEGY,
        body='<p>Count the apples.</p><img src="/m/apples.png">',
    )
    client.force_login(world.author)
    for name in ("detail", "edit", "share"):
        body = client.get(reverse(f"resources:{name}", args=[resource.pk])).content.decode()
        assert 'id="accessibility-findings"' in body, name
        assert "Add alt text" in body
    share = reverse("resources:share", args=[resource.pk])
    answer = client.post(share, {"action": "share", "visibility": "school", "published_to_families": "on"})
    assert answer.status_code == 200
    assert "Publish anyway" in answer.content.decode()
    resource.refresh_from_db()
    assert resource.visibility == Visibility.PRIVATE
    assert not resource.published_to_families
    answer = client.post(
        share, {"action": "share", "visibility": "school", "published_to_families": "on", "publish_anyway": "1"}
    )
    assert answer.status_code == 302
    resource.refresh_from_db()
    assert resource.visibility == Visibility.SCHOOL
    assert resource.published_to_families
    # A colleague who only reads it sees no findings.
    client.force_login(world.maths_colleague)
    body = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert "accessibility-findings" not in body


@pytest.mark.django_db
def test_findings_are_worded_in_each_readers_language_not_the_savers(client, world):
    """The author saves in English and shares it with the school; the school leader, who reads
    Welsh and may edit it, sees the same finding in Welsh (stored as codes and facts, worded when
    shown)."""
    resource = services.resource_create(
        author=world.author,
        school=world.home,
        title="Counting at the shops",
        kind=Kind.HOME_STRATEGY,
        body='<p>Count the apples.</p><img src="/m/apples.png">',
    )
    stored = Resource.objects.get(pk=resource.pk).accessibility_findings
    assert stored == [{"code": "image_alt", "params": {"number": 1, "name": "apples.png"}}]
    Resource.objects.filter(pk=resource.pk).update(visibility=Visibility.SCHOOL, status=Status.PUBLISHED)
    world.leader.preferred_language = "cy"
    world.leader.save(update_fields=["preferred_language"])
    force_verified_login(client, world.leader)  # leaders enrol a second factor
    body = client.get(reverse("resources:detail", args=[resource.pk])).content.decode()
    assert "Does dim testun amgen gan y llun hwn" in body
    assert "apples.png" in body
    assert "no alternative text" not in body
