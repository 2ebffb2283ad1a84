"""Insight pages. Thin: parse input, call one policy, selector or service, render.

Plain HTML forms (no JavaScript needed); htmx, when present, swaps only the insight's card.
A guessed id answers 404.
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.models import DataKind
from accounts.policies import access_pupil
from accounts.privacy.services import send_views_record
from accounts.requests import safe_next
from progress.insights import policies, selectors, services


def _back(request, insight):
    return redirect(safe_next(request, reverse("progress:pupil_insights", args=[insight.pupil_id])))


@login_required
@require_POST
def insight_read(request, insight_id):
    insight = policies.access_insight(user=request.user, insight_id=insight_id)
    services.insight_mark_read(reader=request.user, insight=insight)
    if request.htmx:
        for shown in selectors.insights_for(user=request.user, pupil=insight.pupil):
            if shown.pk == insight.pk:
                context = {
                    "insight": shown,
                    "next": safe_next(request, reverse("progress:pupil_insights", args=[insight.pupil_id])),
                }
                return render(request, "progress/insights/partials/insight.html", context)
        return HttpResponse("")
    return _back(request, insight)


@login_required
@require_POST
def insight_dismiss(request, insight_id):
    insight = policies.access_insight(user=request.user, insight_id=insight_id)
    services.insight_dismiss(reader=request.user, insight=insight)
    if request.htmx:
        return HttpResponse("")
    flash.success(request, _("The alert is dismissed. Others who see this child's records still see it."))
    return _back(request, insight)


@login_required
def pupil_insights(request, pupil_id):
    """One pupil's alerts, learning patterns, tips, plans and narrative summary."""
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    audit.record(actor=request.user, action="pupil.insights_viewed", target=pupil, school=pupil.school_id)
    # Staff who see the pupil only as "other school staff" get no patterns or summary made from
    # records the family did not let them see.
    withheld = policies.kinds_withheld_from(user=request.user, pupil=pupil)
    # Its tips are chosen from the pupil's SEND needs: a SEND view for the family's "who has looked".
    send_views_record(viewer=request.user, pupils=[pupil], page="insights")
    context = {
        "pupil": pupil,
        "insights": selectors.insights_for(user=request.user, pupil=pupil),
        "patterns": None if DataKind.ACTIVITY in withheld else selectors.patterns_for(pupil=pupil),
        "tips": selectors.tips_for(pupil=pupil),
        "plans": selectors.plans_for(pupil=pupil),
        "narrative": None if withheld else selectors.narrative_for(user=request.user, pupil=pupil),
        "consent_withheld": bool(withheld),
    }
    return render(request, "progress/insights/pupil.html", context)


@login_required
def class_list(request):
    """The classes whose overview the member of staff may open."""
    groups = policies.class_groups_overseen_by(request.user).select_related("school").order_by("school__name", "name")
    return render(request, "progress/insights/classes.html", {"groups": groups})


@login_required
def class_overview(request, class_id):
    """The staff's mirror of the parents' view: each pupil's week, latest result and open alerts."""
    group = policies.access_class_overview(user=request.user, class_id=class_id)
    audit.record(actor=request.user, action="class.overview_viewed", target=group, school=group.school_id)
    rows = selectors.class_overview(user=request.user, group=group)
    return render(request, "progress/insights/class_overview.html", {"group": group, "rows": rows})
