"""The export pages: thin; each calls a policy, one selector or one service, and renders.

Every export is named by its public id (a UUID) and reached through `reports.policies.access_export`:
anyone else, however they came by the address, gets 404.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import DataRequest
from accounts.privacy.policies import access_data_request_to_answer
from hub.downloads import uploaded_file_response
from reports.exports import selectors, services
from reports.exports.forms import PortfolioExportForm, SubjectAccessExportForm, new_client_key
from reports.models import Export, ExportKind, JobStatus
from reports.policies import access_export, pupils_for_family_reports


@login_required
@require_http_methods(["GET", "POST"])
def exports(request):
    """A guardian's exports, and "Export <child>'s portfolio" for each child they may see reports of."""
    if request.method == "POST":
        form = PortfolioExportForm(request.POST)
        if not form.is_valid():
            raise Http404
        pupil = pupils_for_family_reports(request.user).filter(pk=form.cleaned_data["pupil"]).first()
        if pupil is None:
            raise Http404
        export = services.portfolio_export_request(
            user=request.user, pupil=pupil, client_key=form.cleaned_data.get("client_key") or ""
        )
        return redirect("reports:export", export.public_id)
    page = selectors.exports_page_for(user=request.user)
    # One idempotency key per child's button: a key shared by the buttons would make the second
    # child's press return the first child's export.
    offers = [(child, new_client_key()) for child in page.children]
    return render(
        request,
        "reports/exports/exports.html",
        {"page": page, "offers": offers, "days": settings.REPORTS_EXPORT_DAYS},
    )


def _context(request, export: Export) -> dict:
    expired = services.is_expired(export)
    can_export_again = (
        export.kind == ExportKind.PORTFOLIO
        and export.requested_by_id == request.user.pk
        and pupils_for_family_reports(request.user).filter(pk=export.pupil_id).exists()
    )
    return {
        "export": export,
        "expired": expired,
        "can_export_again": can_export_again,
        "form": PortfolioExportForm(initial={"pupil": export.pupil_id}) if can_export_again else None,
    }


@login_required
@require_GET
@never_cache
def export(request, export_id):
    """One export: its progress while it is made (updating by itself), then the download."""
    found = access_export(user=request.user, export_id=export_id)
    return render(request, "reports/exports/export.html", _context(request, found))


@login_required
@require_GET
@never_cache
def export_progress(request, export_id):
    """The progress region alone, polled by htmx while the export is being made."""
    found = access_export(user=request.user, export_id=export_id)
    return render(request, "reports/exports/export.html#progress", _context(request, found))


def download_name(export: Export) -> str:
    day = timezone.localdate(export.finished_at or timezone.now()).isoformat()
    if export.kind == ExportKind.PORTFOLIO:
        return f"portfolio-{slugify(export.pupil.full_name) or 'child'}-{day}.zip"
    return f"subject-access-{export.data_request_id}-{day}.zip"


@login_required
@require_GET
def export_download(request, export_id):
    """The zip, to those allowed, until it expires; after that a 404 page that says so."""
    found = access_export(user=request.user, export_id=export_id)
    if found.status != JobStatus.READY:
        raise Http404
    if services.is_expired(found):
        context = _context(request, found)
        return render(request, "reports/exports/expired.html", context, status=404)
    services.export_downloaded(user=request.user, export=found)
    return uploaded_file_response(found.file, content_type="application/zip", filename=download_name(found))


@login_required
@require_http_methods(["GET", "POST"])
def sar_start(request, request_id):
    """The data protection lead starts (or finds) the subject-access export answering a request."""
    data_request = access_data_request_to_answer(user=request.user, data_request_id=request_id)
    if data_request.kind != DataRequest.Kind.ACCESS:
        raise Http404
    form = SubjectAccessExportForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            raise Http404
        try:
            made = services.subject_access_export_start(
                user=request.user, data_request=data_request, client_key=form.cleaned_data.get("client_key") or ""
            )
        except services.ExportError as error:
            form.add_error(None, str(error))
        else:
            return redirect("reports:export", made.public_id)
    context = {
        "data_request": data_request,
        "exports": selectors.exports_for_request(data_request=data_request),
        "form": form if form.errors else SubjectAccessExportForm(),
        "days": settings.REPORTS_EXPORT_DAYS,
    }
    return render(request, "reports/exports/sar_start.html", context, status=422 if form.errors else 200)
