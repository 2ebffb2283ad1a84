"""Accessibility checks on what an author puts in the library, run when a resource is saved or a
version uploaded. Each finding says where the problem is and what to fix; they warn the author
before publishing and never block it (the author may know better, e.g. a scanned letter).

Pure functions of the resource's text and files: no database writes here (services store them).
"""

import re
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

from django.utils.html import strip_tags

from resources.findings import TEXT, Finding

# A sentence longer than this is hard to follow for many readers (and for translation).
LONG_SENTENCE_WORDS = 30
# Reading age above which a family-facing text asks to be simpler (UK reading age = US grade + 5).
READING_AGE_LIMIT = 12
# Fewer words than this give a reading age that means nothing.
READING_AGE_MIN_WORDS = 40
CAPTION_SUFFIXES = (".vtt", ".srt")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
# A PDF's text layer is looked for in its first pages only: enough to tell a scan from a document.
PDF_PAGES_READ = 10
WORDPROCESSING_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


class _Images(HTMLParser):
    """Each <img> of the body with its alt text (None when missing) and whether it sits in a link."""

    def __init__(self):
        super().__init__()
        self.images: list[tuple[str, str | None, bool]] = []
        self._links = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._links += 1
        elif tag == "img":
            self.images.append((attrs.get("src") or "", attrs.get("alt"), self._links > 0))

    def handle_endtag(self, tag):
        if tag == "a" and self._links:
            self._links -= 1


def body_images(html: str) -> list[Finding]:
    """Images without alt text. An empty alt marks a decorative picture (the sanitiser keeps no
    role attribute), except inside a link, where the picture is what the link says."""
    parser = _Images()
    parser.feed(html or "")
    findings = []
    for number, (src, alt, in_link) in enumerate(parser.images, start=1):
        if alt is None or (not alt.strip() and in_link):
            findings.append(Finding("image_alt", {"number": number, "name": src.rsplit("/", 1)[-1][:60]}))
    return findings


def docx_images(data: bytes, *, name: str) -> list[Finding]:
    """Pictures in a Word document without a description (wp:docPr's descr attribute, what Word
    calls "Alt Text")."""
    try:
        with zipfile.ZipFile(_bytes_io(data)) as archive:
            xml = archive.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        return []
    # A Word document never declares a DOCTYPE: refusing one shuts out entity-expansion attacks
    # before the stdlib parser (which resolves no external entities) sees the text.
    if b"<!DOCTYPE" in xml.upper():
        return []
    root = ElementTree.fromstring(xml)  # noqa: S314 (no DOCTYPE, so no entities: see above)
    missing = [
        element.get("name") or element.get("id") or "?"
        for element in root.iter(f"{{{WORDPROCESSING_DRAWING}}}docPr")
        if not (element.get("descr") or "").strip()
    ]
    if not missing:
        return []
    return [Finding("docx_image_alt", {"file": name, "count": len(missing), "names": ", ".join(missing[:5])})]


def pdf_structure(data: bytes, *, name: str) -> list[Finding]:
    """A PDF without a tag tree (screen readers guess the reading order) or without a text layer
    (a scan: nothing to read aloud, search or translate)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(_bytes_io(data))
        catalog = reader.trailer["/Root"]
        mark_info = catalog.get("/MarkInfo")
        marked = bool(mark_info and mark_info.get_object().get("/Marked"))
        tagged = "/StructTreeRoot" in catalog and marked
        text = "".join((page.extract_text() or "") for page in reader.pages[:PDF_PAGES_READ])
    except (PdfReadError, KeyError, ValueError):
        return []
    findings = []
    if not tagged:
        findings.append(Finding("pdf_untagged", {"file": name}))
    if not text.strip():
        findings.append(Finding("pdf_no_text", {"file": name}))
    return findings


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def long_sentences(text: str, *, where: str) -> list[Finding]:
    findings = []
    for sentence in _SENTENCE_END.split(text or ""):
        words = sentence.split()
        if len(words) > LONG_SENTENCE_WORDS:
            findings.append(
                Finding(
                    "long_sentence",
                    {"where": where, "count": len(words), "start": " ".join(words[:8]), "limit": LONG_SENTENCE_WORDS},
                )
            )
    return findings


def reading_age(text: str, *, where: str) -> list[Finding]:
    """The Flesch-Kincaid grade from textstat, as a UK reading age (grade + 5)."""
    import textstat

    if len((text or "").split()) < READING_AGE_MIN_WORDS:
        return []
    age = round(textstat.flesch_kincaid_grade(text) + 5)
    if age <= READING_AGE_LIMIT:
        return []
    return [Finding("reading_age", {"where": where, "age": age, "limit": READING_AGE_LIMIT})]


def video_captions(*, is_video: bool, file_names: list[str], link_captioned: bool) -> list[Finding]:
    if not is_video or link_captioned or any(n.lower().endswith(CAPTION_SUFFIXES) for n in file_names):
        return []
    return [Finding("video_captions", {})]


def check_resource(resource) -> list[dict]:
    """Every finding on `resource`: its text, its latest file, and captions for a video."""
    from resources.models import Kind

    text = strip_tags(resource.body or "")
    findings = [
        *body_images(resource.body),
        *long_sentences(text, where=TEXT),
        *reading_age(text, where=TEXT),
    ]
    versions = list(resource.versions.order_by("-number"))
    latest = versions[0] if versions else None
    if latest is not None and latest.content_type in (DOCX, PDF):
        with latest.file.open("rb") as handle:
            data = handle.read()
        if latest.content_type == DOCX:
            findings += docx_images(data, name=latest.original_name)
        else:
            findings += pdf_structure(data, name=latest.original_name)
    findings += video_captions(
        is_video=resource.kind == Kind.VIDEO,
        file_names=[v.original_name for v in versions],
        link_captioned=resource.link_captioned,
    )
    return [finding.as_dict() for finding in findings]


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)
