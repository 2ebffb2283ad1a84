"""The consent matrix page: a guardian gives or refuses each cell for one child at a time."""

import datetime

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.consent import policies, selectors, services
from accounts.consent.forms import ConsentCellForm
from accounts.models import DataKind, Recipient
from accounts.requests import client_ip, user_agent


def _today(pupil) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate(timezone=pupil.school.zone)


def _page_context(request, pupil, recipient):
    return {
        "pupil": pupil,
        "children": selectors.children_for(request.user),
        "matrix": selectors.matrix_for(pupil=pupil, recipient=recipient),
        "timeline": selectors.timeline_for(pupil=pupil),
        "recipient": recipient,
        "all_recipients": Recipient.choices,
        "safeguarding_note": policies.SAFEGUARDING_NOTE,
        "mood_note": policies.MOOD_NOT_YET_RECORDED,
    }


def _chosen_recipient(request) -> str | None:
    value = request.GET.get("recipient") or request.POST.get("show") or None
    return value if value in Recipient.values else None


@login_required
@require_http_methods(["GET", "POST"])
def consent_matrix(request, pupil_id):
    pupil = policies.access_consent_pupil(user=request.user, pupil_id=pupil_id)
    recipient = _chosen_recipient(request)
    if request.method == "GET":
        return render(request, "accounts/consent/matrix.html", _page_context(request, pupil, recipient))
    form = ConsentCellForm(request.POST, today=_today(pupil))
    if form.is_valid():
        data_kind, to = form.cleaned_data["data_kind"], form.cleaned_data["recipient"]
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (
            datetime.datetime.combine(expires_on, datetime.time.min, tzinfo=pupil.school.zone) if expires_on else None
        )
        try:
            services.consent_set(
                guardian=request.user,
                pupil=pupil,
                data_kind=data_kind,
                recipient=to,
                given=form.cleaned_data["given"],
                expires_at=expires_at,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
                user_agent=user_agent(request),
            )
        except services.ConsentError as error:
            form.add_error(None, error.message)
        else:
            labels = dict(DataKind.choices), dict(Recipient.choices)
            if form.cleaned_data["given"]:
                message = _("Consent given: %(kind)s for %(recipient)s.")
            else:
                message = _("Consent refused: %(kind)s for %(recipient)s.")
            flash.success(request, message % {"kind": labels[0][data_kind], "recipient": labels[1][to]})
            url = reverse("consent_matrix", args=[pupil.pk])
            if recipient:
                url += f"?recipient={recipient}"
            return redirect(f"{url}#cell-{data_kind}-{to}")
    context = _page_context(request, pupil, recipient)
    context["form"] = form
    context["cell"] = _cell_of(form, pupil)
    return render(request, "accounts/consent/change.html", context, status=422)


def _cell_of(form, pupil):
    data_kind, to = form.data.get("data_kind"), form.data.get("recipient")
    if data_kind in DataKind.values and to in Recipient.values:
        return selectors.cell_for(pupil=pupil, data_kind=data_kind, recipient=to)
    return None


@login_required
def consent_change(request, pupil_id):
    """One cell with its end date and reason (the matrix's buttons change it without them)."""
    pupil = policies.access_consent_pupil(user=request.user, pupil_id=pupil_id)
    data_kind, to = request.GET.get("data_kind"), request.GET.get("recipient")
    if data_kind not in DataKind.values or to not in Recipient.values:
        raise Http404
    cell = selectors.cell_for(pupil=pupil, data_kind=data_kind, recipient=to)
    form = ConsentCellForm(
        initial={"data_kind": data_kind, "recipient": to, "given": "yes" if cell.given else "no", "reason": cell.reason}
    )
    context = _page_context(request, pupil, _chosen_recipient(request))
    context.update(form=form, cell=cell)
    return render(request, "accounts/consent/change.html", context)
