"""A parent generates a weekly report, watches its progress change without a reload ("Queued",
"Generating 3 of 6", then "Your report is ready"), reads it and downloads the PDF, axe-clean at
1280 and 360 px.

The job is held while the parent watches (the outbox handler of "reports.generate" is replaced by
one that leaves the report queued), then the test moves it on as a worker would: first a step of
progress, then the real job (reports.jobs.run_report) makes the report and its PDF."""

import pytest

from hub import outbox
from reports.jobs import run_report
from reports.models import JobStatus, Report
from reports.services import GENERATE
from tests.browser.axe import assert_accessible
from tests.browser.test_pages_accessible import wider_than
from tests.parents.family import seed_family

PHONE = {"width": 360, "height": 740}
NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def held_jobs():
    """Report jobs stay queued until the test runs them."""
    previous = outbox._handlers.get(GENERATE)
    outbox.unregister(GENERATE)
    queued: list[int] = []

    def hold(entry):
        queued.append(entry.object_id)

    outbox.register(GENERATE, hold, queue="reports")
    yield queued
    outbox.unregister(GENERATE)
    if previous is not None:
        outbox.register(GENERATE, previous.fn, queue=previous.queue, max_attempts=previous.max_attempts)


@pytest.fixture
def family(transactional_db):
    return seed_family(children=2, days=21, label="journey")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_a_parent_generates_a_weekly_report_watches_it_and_downloads_the_pdf(
    family, held_jobs, new_context, sign_in, viewport
):
    page = new_context(viewport=dict(viewport), accept_downloads=True).new_page()
    sign_in(family.guardian, page)
    child = family.children[0]

    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # on a phone the navigation is behind the menu button
        menu.click()
    page.get_by_role("link", name="Reports").first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Reports"
    assert "No reports yet" in page.locator("main").inner_text()
    assert_accessible(page)
    assert page.evaluate(NO_OVERFLOW), "the reports list is wider than the screen"

    page.get_by_label("Child").first.select_option(label=child.full_name)
    page.get_by_label("Kind of report").first.select_option(label="Weekly report")
    page.get_by_role("button", name="Generate report").click()
    page.wait_for_load_state("load")
    report = Report.objects.get(pupil=child)
    assert held_jobs == [report.pk]
    assert page.url.endswith(f"/reports/{report.public_id}/")
    status = page.get_by_role("status")
    assert "Queued" in status.inner_text()
    assert_accessible(page)
    assert page.evaluate(NO_OVERFLOW), "the report page is wider than the screen"

    # Anything this page keeps in its window survives only if nothing reloads it.
    page.evaluate("() => { window.stillTheSamePage = true; }")
    Report.objects.filter(pk=report.pk).update(status=JobStatus.GENERATING, done_steps=3, total_steps=6)
    page.locator('#report-progress[data-status="generating"]').wait_for(timeout=10_000)
    assert "Generating 3 of 6" in status.inner_text()
    assert_accessible(page)

    Report.objects.filter(pk=report.pk).update(status=JobStatus.QUEUED, done_steps=0)
    assert run_report(report.pk) == JobStatus.READY
    page.locator('#report-progress[data-status="ready"]').wait_for(timeout=10_000)
    assert "Your report is ready" in status.inner_text()
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page reloaded"
    assert_accessible(page)

    with page.expect_download() as download_info:
        status.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert child.first_name.lower() in download.suggested_filename
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    status.get_by_role("link", name="Read the report").click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert "Summary" in main
    assert "Learning time" in main
    assert_accessible(page)
    assert page.evaluate(NO_OVERFLOW), f"the report is wider than the screen: {wider_than(page, viewport['width'])}"
