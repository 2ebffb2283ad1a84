"""The report PDF: every kind, its text read back with pypdf and checked against the rows; A4,
"Page 1 of N", the school's name, tagged (PDF/UA-1) with figures that carry their text
alternative, in the report's language."""

import io

import pytest
from django.utils import formats, translation
from pypdf import PdfReader

from progress.models import PortfolioItem
from reports import jobs
from reports.models import JobStatus
from tests.reports.reporting import expected_activity, expected_results, make_report, pdf_text


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.INSIGHTS_LLM_URL = ""


def generated(report):
    assert jobs.run_report(report.pk) == JobStatus.READY
    report.refresh_from_db()
    return report, report.pdf.read()


def structure(reader: PdfReader) -> list[tuple[str, str]]:
    """(structure type, alternative text) of every element of the tag tree, in reading order."""
    found = []

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get") and "/S" in node:
            found.append((str(node["/S"]), str(node.get("/Alt", ""))))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"])
    return found


@pytest.mark.parametrize("kind", ["weekly", "monthly", "term", "transcript", "portfolio"])
def test_each_kind_shows_the_period_s_numbers(family, kind):
    child = family.children[0]
    if kind == "portfolio":
        PortfolioItem.objects.create(
            pupil=child, kind="work", title="Volcano model", status="approved", added_by=family.guardian
        )
    report, data = generated(make_report(child, kind=kind))
    text = pdf_text(data)
    minutes, days = expected_activity(child, report.period_start, report.period_end)
    assert f"Minutes of learning {minutes}" in text
    assert f"Days with learning {days}" in text
    results = expected_results(child, report.period_start, report.period_end)
    assert results
    for result in results:
        assert f"{formats.date_format(result.assessed_on, 'j F Y')} {result.subject.name} {result.title}" in text
    assert text.count("7 out of 10 (70%)") == len(results)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert report.pdf_pages == pages
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in text
    assert family.school.name in text
    assert f"for {child.full_name}" in text
    if kind == "portfolio":
        assert "Volcano model" in text


def test_the_projection_and_the_summary_are_in_the_pdf(family):
    child = family.children[0]
    report, data = generated(make_report(child, kind="monthly"))
    text = " ".join(pdf_text(data).split())
    assert "What might come next" in text
    scored = len(expected_results(child, report.period_start, report.period_end))
    assert f"With only {scored} results this is a rough guide." in text
    assert "Written from the figures" in text


def test_the_pdf_is_a4_tagged_titled_and_its_charts_have_text_alternatives(family):
    report, data = generated(make_report(family.children[0], kind="monthly"))
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    assert "Monthly report for" in reader.metadata.title
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)
    tags = structure(reader)
    kinds = [kind for kind, _alt in tags]
    assert "/H1" in kinds
    assert "/H2" in kinds
    assert "/Table" in kinds
    figures = [alt for kind, alt in tags if kind == "/Figure"]
    assert len(figures) == 3  # learning time, results, competencies
    assert all(alt for alt in figures)
    assert any("minutes of learning in the period" in alt for alt in figures)
    # Reading order: the heading comes before the sections.
    assert kinds.index("/H1") < kinds.index("/H2")


def test_the_school_s_copy_pdf_leaves_out_refused_results(family):
    from accounts.models import ConsentRecord

    child = family.children[0]
    ConsentRecord.objects.create(pupil=child, data_kind="assessment", recipient="other_staff", given=False)
    _report, data = generated(make_report(child, kind="monthly", copy="school"))
    text = pdf_text(data)
    assert "out of 10" not in text
    assert "Assessment results" in text  # named as left out
    assert "The school's copy" in text


def test_a_report_in_spanish_says_its_dates_in_spanish(family):
    report, data = generated(make_report(family.children[0], kind="weekly", language="es"))
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "es"
    with translation.override("es"):
        month = formats.date_format(report.period_end, "F")
    assert month.lower() in pdf_text(data).lower()


def _image(image_format: str, size=(120, 40), noise=False) -> bytes:
    from PIL import Image

    if noise:
        import os

        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (29, 112, 184))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def test_a_school_s_logo_heads_its_reports_with_the_school_s_name_as_its_text(family):
    from django.core.files.base import ContentFile

    school = family.school
    school.logo.save("crest.png", ContentFile(_image("PNG")), save=True)
    reader = PdfReader(io.BytesIO(generated(make_report(family.children[0], kind="weekly"))[1]))
    assert len(reader.pages[0].images) == 1
    assert ("/Figure", school.name) in structure(reader)

    school.logo = ""
    school.save()
    data = generated(make_report(family.children[1], kind="weekly"))[1]
    assert not PdfReader(io.BytesIO(data)).pages[0].images
    assert school.name in pdf_text(data)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("crest.gif", _image("GIF")),
        ("crest.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("crest.png", _image("PNG", size=(600, 600), noise=True)),  # over 512 KB
    ],
)
def test_a_logo_must_be_a_png_or_jpeg_of_at_most_512_kb(name, content):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models.people import validate_logo

    with pytest.raises(ValidationError):
        validate_logo(SimpleUploadedFile(name, content))
    validate_logo(SimpleUploadedFile("crest.jpg", _image("JPEG")))
