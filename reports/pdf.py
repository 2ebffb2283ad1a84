"""A report as a PDF (WeasyPrint), from its stored content and summary: A4, "Page 1 of 3" on every
page (CSS `@page` counters), the school's name at the top of every page and its logo (when it has
one) at the head of the first, tagged for screen readers (PDF/UA-1: headings, tables, figures with their text
alternative, in reading order), titled, with its language set. Every fixed word is in the
report's language. The body is the page's own template (`reports/_report_body.html`)."""

import base64
import functools
import gc
import logging

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reports.models import Report

PDF_VARIANT = "pdf/ua-1"

logger = logging.getLogger(__name__)


def css_string(text: str) -> str:
    """`text` as a CSS string literal that cannot end the string or the <style> element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{escaped}"'


def page_of_css() -> str:
    """The CSS `content` for "Page 1 of 3" in the active language, whatever the word order."""
    marker_page, marker_pages = "\x00PAGE\x00", "\x00PAGES\x00"
    text = _("Page %(page)s of %(pages)s") % {"page": marker_page, "pages": marker_pages}
    parts = []
    for piece in text.replace(marker_pages, "\x01pages\x01").replace(marker_page, "\x01page\x01").split("\x01"):
        if piece == "page":
            parts.append("counter(page)")
        elif piece == "pages":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


@functools.lru_cache(maxsize=64)
def _logo_data_uri(name: str) -> str:
    # Keyed by the stored file's name, which is new at every upload: a changed logo is read
    # afresh, and a school's batch of reports reads its logo once per worker process.
    from accounts.models import School

    storage = School._meta.get_field("logo").storage
    with storage.open(name, "rb") as file:
        data = file.read()
    media_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def logo_data_uri(school) -> str:
    """The school's logo as a data URI for the PDF's header, or "" when it has none (or its file
    cannot be read: the report is still made, with the name alone)."""
    if not school.logo:
        return ""
    try:
        return _logo_data_uri(school.logo.name)
    except OSError:
        logger.warning(
            "school %s: its logo %s could not be read; the report shows its name only", school.pk, school.logo.name
        )
        return ""


def report_html(report: Report) -> str:
    """The PDF's HTML, in the report's language."""
    content = report.content or {}
    header = content.get("header") or {}
    with translation.override(report.language):
        heading = _("%(kind)s for %(pupil)s") % {
            "kind": report.get_kind_display(),
            "pupil": (header.get("pupil") or {}).get("name") or report.pupil.full_name,
        }
        period_label = (header.get("period") or {}).get("label", "")
        context = {
            "report": report,
            "content": content,
            "pdf": True,
            "school": report.school,
            "logo_src": logo_data_uri(report.school),
            "language": report.language,
            "heading": heading,
            "title": f"{heading}, {period_label}" if period_label else heading,
            "period_label": period_label,
            "copy_label": report.get_copy_display(),
            # Inside <style> HTML escaping does not apply (and would break the quotes): these are
            # CSS strings escaped by css_string, which cannot close the element.
            "school_css": mark_safe(css_string(report.school.name)),  # noqa: S308
            "page_of_css": mark_safe(page_of_css()),  # noqa: S308
        }
        return render_to_string("reports/report_pdf.html", context)


@functools.cache
def font_configuration():
    """One WeasyPrint font configuration per process. Left to itself WeasyPrint makes a new one
    for every document: Fontconfig's configuration and font list loaded again and a new Pango font
    map whose caches (faces, metrics, shaping) start cold, a fifth of a report's time. The PDF
    declares no @font-face, so nothing a document adds to it outlives that document."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def set_aside_long_lived_objects() -> None:
    """Once per process, before its first report: what is alive then (Django, the project,
    WeasyPrint's modules and stylesheets, the font configuration: about 160,000 objects) is left
    out of Python's cyclic garbage collection from then on (`gc.freeze`). A report makes and drops
    a few hundred thousand objects, enough to set off a full collection every few reports, which
    walked all of those again: 21-28 ms of a report's CPU on average, the slowest tenth of reports
    twice the median; 6-8 ms with them set aside. Collected first, so no garbage is kept; a frozen
    object is still freed when its last reference goes."""
    gc.collect()
    gc.freeze()


def render_report_pdf(report: Report) -> tuple[bytes, int]:
    """(PDF bytes, number of pages) of `report` from its stored content and summary."""
    html = report_html(report)
    # Imported here, not at start-up: WeasyPrint takes a while to load, and only this needs it.
    from weasyprint import DEFAULT_OPTIONS, HTML

    font_config = font_configuration()
    set_aside_long_lived_objects()
    options = {**DEFAULT_OPTIONS, "pdf_variant": PDF_VARIANT}
    document = HTML(string=html).render(font_config=font_config, **options)
    return document.write_pdf(**options), len(document.pages)
