"""Learning-record pages. Thin: parse input, call one policy/selector/service, render.

Plain HTML forms throughout (no JavaScript needed); a guessed id answers 404.
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.policies import access_pupil
from hub.downloads import uploaded_file_response
from progress.records import policies, selectors, services
from progress.records.forms import ActivityForm, AssessmentForm, AwardForm, JudgementForm, ObservationForm, ReviewForm
from progress.records.services import RecordsError


def _record_forms(pupil, data=None, bound: str = ""):
    """The four add forms of the record page; the one named `bound` carries `data`."""
    subjects = selectors.subjects_for(pupil)

    def given(kind):
        return data if kind == bound else None

    return {
        "assessment_form": AssessmentForm(given("assessment"), subjects=subjects),
        "activity_form": ActivityForm(given("activity"), subjects=subjects),
        "award_form": AwardForm(given("award")),
        "judgement_form": JudgementForm(
            given("judgement"), competencies=selectors.competencies_for(pupil), scales=selectors.scales_for(pupil)
        ),
    }


def _render_record(request, pupil, forms, status=200):
    page = selectors.record_page_for(user=request.user, pupil=pupil)
    context = {"page": page, "pupil": pupil, **(forms if page.can_record else {})}
    context["has_errors"] = any(form.errors for form in forms.values()) if page.can_record else False
    return render(request, "progress/records/record.html", context, status=status)


@login_required
def pupil_record(request, pupil_id):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    return _render_record(request, pupil, _record_forms(pupil))


def _save(kind, user, pupil, data):
    if kind == "assessment":
        return services.assessment_record(
            user=user,
            pupil=pupil,
            subject=data["subject"],
            title=data["title"],
            assessed_on=data["assessed_on"],
            score=data.get("score"),
            max_score=data.get("max_score"),
            grade=data.get("grade") or "",
            comment=data.get("comment") or "",
        )
    if kind == "activity":
        return services.activity_record(
            user=user,
            pupil=pupil,
            started_at=data["started_at"],
            minutes=data["minutes"],
            kind=data["kind"],
            subject=data.get("subject"),
        )
    if kind == "award":
        return services.award_record(
            user=user,
            pupil=pupil,
            kind=data["kind"],
            title=data["title"],
            awarded_on=data["awarded_on"],
            description=data.get("description") or "",
        )
    return services.judgement_record(
        user=user,
        pupil=pupil,
        competency=data["competency"],
        scale=data["scale"],
        level=data["level"],
        judged_on=data["judged_on"],
        comment=data.get("comment") or "",
    )


SAVED = {
    "assessment": gettext_lazy("The assessment is recorded."),
    "activity": gettext_lazy("The learning activity is recorded."),
    "award": gettext_lazy("The certificate or badge is recorded."),
    "judgement": gettext_lazy("The competency judgement is recorded."),
}


@login_required
@require_POST
def record_add(request, pupil_id, kind):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    if not policies.can_record_for(user=request.user, pupil=pupil):
        raise Http404
    forms = _record_forms(pupil, request.POST, bound=kind)
    form = forms[f"{kind}_form"]
    if form.is_valid():
        try:
            _save(kind, request.user, pupil, form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except RecordsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, SAVED[kind])
            return redirect("progress:pupil_record", pupil.pk)
    return _render_record(request, pupil, forms, status=422)


def _delete_view(access, delete, noun: str):
    @login_required
    @require_POST
    def view(request, **kwargs):
        record = access(user=request.user, **{f"{noun}_id": kwargs[f"{noun}_id"]})
        if not policies.can_record_for(user=request.user, pupil=record.pupil):
            raise Http404
        delete(user=request.user, **{noun: record})
        flash.success(request, _("Removed from the record."))
        return redirect("progress:pupil_record", record.pupil_id)

    view.__name__ = f"{noun}_delete"
    return view


assessment_delete = _delete_view(policies.access_assessment, services.assessment_delete, "assessment")
activity_delete = _delete_view(policies.access_activity, services.activity_delete, "activity")
award_delete = _delete_view(policies.access_award, services.award_delete, "award")
judgement_delete = _delete_view(policies.access_judgement, services.judgement_delete, "judgement")


# --- observations from home ------------------------------------------------------------------


@login_required
def observation_new(request, pupil_id):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    if not policies.can_add_observation(user=request.user, pupil=pupil):
        raise Http404
    form = ObservationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.observation_add(
                user=request.user,
                pupil=pupil,
                note=data["note"],
                observed_on=data["observed_on"],
                upload=data.get("file"),
            )
        except PermissionDenied:
            raise Http404 from None
        except services.EvidenceRejected as error:
            form.add_error("file", str(error))
        except RecordsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Thank you. Your observation is waiting for a teacher to look at it."))
            return redirect("progress:observations", pupil.pk)
    status = 422 if form.errors else 200
    return render(request, "progress/records/observation_new.html", {"form": form, "pupil": pupil}, status=status)


@login_required
def observations(request, pupil_id):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    context = {
        "pupil": pupil,
        "observations": selectors.family_observations_for(user=request.user, pupil=pupil),
        "can_add": policies.can_add_observation(user=request.user, pupil=pupil),
    }
    return render(request, "progress/records/observations.html", context)


@login_required
@require_POST
def observation_withdraw(request, observation_id):
    observation = policies.access_observation(user=request.user, observation_id=observation_id)
    try:
        services.observation_withdraw(user=request.user, observation=observation)
    except PermissionDenied:
        raise Http404 from None
    flash.success(request, _("Your observation is withdrawn."))
    return redirect("progress:observations", observation.pupil_id)


def _render_queue(request, forms=None, status=200):
    queue = selectors.review_queue_for(user=request.user)
    forms = forms or {}
    rows = [(item, forms.get(item.pk) or ReviewForm(observation_id=item.pk)) for item in queue]
    has_errors = any(form.errors for form in forms.values())
    context = {"rows": rows, "has_errors": has_errors, "total": selectors.review_queue_count_for(request.user)}
    return render(request, "progress/records/review_queue.html", context, status=status)


@login_required
def observations_review(request):
    # Any member of staff (the menu links it for them): empty for one with no pupils yet.
    if not policies.is_staff_anywhere(request.user):
        raise Http404
    return _render_queue(request)


@login_required
@require_POST
def observation_review(request, observation_id):
    observation = policies.access_observation(user=request.user, observation_id=observation_id)
    if not policies.can_record_for(user=request.user, pupil=observation.pupil):
        raise Http404
    form = ReviewForm(request.POST, observation_id=observation.pk)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.observation_review(
                user=request.user, observation=observation, approve=approve, note=form.cleaned_data["note"]
            )
        except PermissionDenied:
            raise Http404 from None
        except RecordsError as error:
            flash.error(request, str(error))
            return redirect("progress:observations_review")
        if approve:
            flash.success(request, _("Added to %(pupil)s's record.") % {"pupil": observation.pupil.known_as})
        else:
            flash.success(request, _("Not added. The family will see your note."))
        return redirect("progress:observations_review")
    return _render_queue(request, {observation.pk: form}, status=422)


@login_required
def observation_file(request, observation_id):
    observation = policies.access_observation(user=request.user, observation_id=observation_id)
    if not observation.file:
        raise Http404
    audit.record(
        actor=request.user,
        action="observation.file_downloaded",
        target=observation,
        school=observation.pupil.school_id,
    )
    return uploaded_file_response(
        observation.file,
        content_type=observation.content_type,
        filename=observation.original_name or "observation",
    )
