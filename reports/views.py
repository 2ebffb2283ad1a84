"""Report pages (thin: parse, call one service or selector, render).

Parents: their reports (filter, generate), one report (its progress while it is made, then the
report itself), its PDF. Staff: their classes, a class's batches, one batch's progress. Every
page works without JavaScript; htmx only polls the progress regions."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit
from reports import policies, selectors, services
from reports.forms import ClassReportsForm, GenerateReportForm
from reports.models import JobStatus
from reports.periods import describe_period
from reports.policies import access_report

# --- Parents ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request):
    """The family's reports (GET filters: child, kind, period, page) and the "Generate" form."""
    children = selectors.children_for_reports(request.user)
    status = 200
    if request.method == "POST":
        form = GenerateReportForm(request.POST, children=children)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.request_report(
                    user=request.user,
                    pupil=data["pupil"],
                    kind=data["kind"],
                    client_key=data["client_key"] or None,
                )
            except services.ReportRefused as refusal:
                form.add_error(None, refusal.message)
            except PermissionDenied:
                raise Http404 from None
            else:
                return redirect("reports:detail", report_id=report.public_id)
        status = 422
    else:
        form = None
    listing = selectors.report_list_page(
        user=request.user,
        child_id=request.GET.get("child"),
        kind=request.GET.get("kind", ""),
        period=request.GET.get("period", ""),
        page=request.GET.get("page", 1),
    )
    if form is None:
        initial = {"pupil": listing.children[0].pk} if len(listing.children) == 1 else {}
        form = GenerateReportForm(children=children, initial=initial)
    rows = [(report, describe_period(report.kind, report.period_start, report.period_end)) for report in listing.page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "listing": listing,
        "rows": rows,
        "form": form,
        "periods": [(key, label) for key, (label, _delta) in selectors.PERIODS.items()],
        "kinds": GenerateReportForm.base_fields["kind"].choices[1:],
        "filter_query": query.urlencode(),
    }
    return render(request, "reports/list.html", context, status=status)


def _detail_context(request, report_id) -> dict:
    report = access_report(user=request.user, report_id=report_id)
    return {"report": report, "period": describe_period(report.kind, report.period_start, report.period_end)}


@login_required
@require_GET
@never_cache
def report_detail(request, report_id):
    context = _detail_context(request, report_id)
    report = context["report"]
    context["content"] = report.content if report.status == JobStatus.READY else {}
    return render(request, "reports/detail.html", context)


@login_required
@require_GET
@never_cache
def report_progress(request, report_id):
    """The progress region alone, polled by htmx while the report is being made."""
    return render(request, "reports/detail.html#progress", _detail_context(request, report_id))


@login_required
@require_POST
def report_retry(request, report_id):
    report = access_report(user=request.user, report_id=report_id)
    services.retry_report(user=request.user, report=report)
    return redirect("reports:detail", report_id=report.public_id)


def pdf_filename(report) -> str:
    """`neema-mwangi-weekly-2026-11-16-2026-11-22.pdf`: who, what and when, in plain letters."""
    name = slugify(f"{report.pupil.full_name} {report.kind}") or "report"
    return f"{name}-{report.period_start:%Y-%m-%d}-{report.period_end:%Y-%m-%d}.pdf"


@login_required
@require_GET
def report_pdf(request, report_id):
    """The stored PDF of a ready report the user may see; anything else answers 404."""
    report = access_report(user=request.user, report_id=report_id)
    if report.status != JobStatus.READY or not report.pdf:
        raise Http404
    try:
        handle = report.pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit.record(
        actor=request.user,
        action="report.downloaded",
        target=report,
        school=report.school_id,
        kind=report.kind,
        copy=report.copy,
    )
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True, filename=pdf_filename(report))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Staff ------------------------------------------------------------------------------------


@login_required
@require_GET
def class_list(request):
    """The classes the user may generate reports for, and their latest batches."""
    classes = list(policies.classes_for_reports(request.user))
    if not classes:
        raise Http404
    batches = selectors.recent_batches_for(request.user)
    return render(request, "reports/classes.html", {"classes": classes, "batches": _described(batches)})


def _described(batches) -> list:
    return [(batch, describe_period(batch.kind, batch.period_start, batch.period_end)) for batch in batches]


@login_required
@require_http_methods(["GET", "POST"])
def class_reports(request, class_id):
    """One of the user's classes: generate a kind of report for it, see its batches."""
    class_group = policies.access_class_for_reports(user=request.user, class_id=class_id)
    status = 200
    if request.method == "POST":
        form = ClassReportsForm(request.POST)
        if form.is_valid():
            try:
                batch = services.generate_for_class(
                    user=request.user, class_group=class_group, kind=form.cleaned_data["kind"]
                )
            except services.ReportRefused as refusal:
                form.add_error(None, refusal.message)
            except PermissionDenied:
                raise Http404 from None
            else:
                return redirect("reports:batch", batch_id=batch.pk)
        status = 422
    else:
        form = ClassReportsForm()
    batches = selectors.recent_batches_for(request.user, class_group=class_group)
    context = {"class_group": class_group, "form": form, "batches": _described(batches)}
    return render(request, "reports/class.html", context, status=status)


def _batch_context(request, batch_id) -> dict:
    batch, reports = selectors.batch_page(user=request.user, batch_id=batch_id)
    return {
        "batch": batch,
        "reports": reports,
        "period": describe_period(batch.kind, batch.period_start, batch.period_end),
        "finished": batch.ready + batch.failed >= batch.total,
    }


@login_required
@require_POST
def batch_retry(request, batch_id):
    """ "Try the failed ones again": the batch's own failed reports, for the batch's period."""
    batch = policies.access_batch(user=request.user, batch_id=batch_id)
    services.retry_failed_in_batch(user=request.user, batch=batch)
    return redirect("reports:batch", batch_id=batch.pk)


@login_required
@require_GET
@never_cache
def batch_detail(request, batch_id):
    return render(request, "reports/batch.html", _batch_context(request, batch_id))


@login_required
@require_GET
@never_cache
def batch_progress(request, batch_id):
    """The batch's progress region alone, polled by htmx until every report is finished."""
    return render(request, "reports/batch.html#progress", _batch_context(request, batch_id))
