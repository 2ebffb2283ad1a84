"""The privacy pages: thin, each calls a policy, one selector or one service, and renders."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import policies as people
from accounts.privacy import policies, selectors, services
from accounts.privacy.forms import DataRequestForm, RespondForm


@login_required
def overview(request):
    """The person's privacy page: their children (each with who can see and who has looked),
    their data requests, and, for a data protection lead, the way to the queue."""
    user = request.user
    context = {
        "children": people.children_of(user).select_related("school").order_by("date_of_birth", "pk"),
        "requests": selectors.requests_made_by(user),
        "can_ask": policies.schools_to_ask(user).exists(),
        "is_dpl": policies.is_dpl_anywhere(user),
    }
    return render(request, "accounts/privacy/overview.html", context)


@login_required
def child(request, pupil_id):
    """Who can see this child's data and why, who has looked at their SEND information, and the
    family's requests about them. Guardians only (staff get 404, see policies)."""
    pupil = policies.access_child_privacy(user=request.user, pupil_id=pupil_id)
    context = {
        "pupil": pupil,
        "who": selectors.who_can_see(viewer=request.user, pupil=pupil),
        "looks": selectors.send_looks_at(pupil=pupil),
        "looks_limit": selectors.LOOKS_SHOWN,
        "requests": selectors.requests_about_child(user=request.user, pupil=pupil),
    }
    return render(request, "accounts/privacy/child.html", context)


@login_required
def request_new(request):
    user = request.user
    schools = list(policies.schools_to_ask(user).order_by("name"))
    if not schools:
        raise Http404
    children = list(people.children_of(user).order_by("date_of_birth", "pk"))
    initial = {}
    if request.GET.get("child", "").isdigit():
        initial["about"] = f"p{request.GET['child']}"
    form = DataRequestForm(request.POST or None, schools=schools, children=children, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        school, pupil = data["about"]
        try:
            data_request = services.data_request_create(
                requester=user,
                school=school,
                pupil=pupil,
                kind=data["kind"],
                details=data["details"],
                client_key=data.get("client_key") or "",
            )
        except services.DataRequestError as error:
            form.add_error(error.field, str(error))
        except PermissionDenied:
            form.add_error("about", _("Choose who the request is about."))
        else:
            flash.success(
                request,
                _("Your request is sent. The school must answer by %(date)s.") % {"date": _date(data_request.due_on)},
            )
            return redirect("privacy:request", data_request.pk)
    return render(request, "accounts/privacy/request_new.html", {"form": form}, status=422 if form.errors else 200)


def _date(day) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")


@login_required
def request_detail(request, data_request_id):
    data_request = policies.access_data_request(user=request.user, data_request_id=data_request_id)
    return render(request, "accounts/privacy/request_detail.html", {"data_request": data_request})


@login_required
def queue(request):
    """The data protection lead's queue; 404 for anyone who is not one (nothing to see here)."""
    if not policies.is_dpl_anywhere(request.user):
        raise Http404
    open_rows, closed = selectors.queue_for(request.user)
    return render(request, "accounts/privacy/queue.html", {"open_rows": open_rows, "closed": closed})


@login_required
def respond(request, data_request_id):
    """One request, for its school's data protection lead: read it (audited), and move it on."""
    data_request = policies.access_data_request_to_answer(user=request.user, data_request_id=data_request_id)
    form = RespondForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                locked = policies.access_data_request_to_answer(
                    user=request.user, data_request_id=data_request_id, for_update=True
                )
                services.data_request_respond(
                    responder=request.user,
                    data_request=locked,
                    status=form.cleaned_data["status"],
                    answer=form.cleaned_data["answer"],
                )
        except services.DataRequestError as error:
            form.add_error(error.field, str(error))
        else:
            flash.success(request, _("The request is updated. The family is told when it is answered or refused."))
            return redirect("privacy:queue")
    elif request.method != "POST":
        services.data_request_opened(reader=request.user, data_request=data_request)
    context = {
        "data_request": data_request,
        "days_left": selectors.days_left(data_request),
        "form": form,
        "can_answer": policies.can_answer(data_request=data_request),
    }
    return render(request, "accounts/privacy/respond.html", context, status=422 if form.errors else 200)
