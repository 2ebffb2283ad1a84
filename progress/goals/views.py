"""Goals, celebrations and portfolio pages, for families and staff, and the pupil's own view
(/progress/me/...). Thin: find through a policy, read through a selector, write through a service.

Plain HTML forms (no JavaScript needed); a guessed id answers 404; bad input re-renders the form
with an error summary (422).
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts import policies as people
from accounts import selectors as people_selectors
from accounts.policies import access_pupil
from hub.downloads import uploaded_file_response
from progress.goals import policies, selectors, services
from progress.goals.forms import (
    GoalForm,
    GoalUpdateForm,
    NoteForm,
    PortfolioItemForm,
    PupilSignInForm,
    ReflectionForm,
    ReviewForm,
    StatusForm,
    VoiceForm,
)
from progress.goals.services import GoalsError
from progress.models import GoalStatus, ReviewStatus


def _page(request, template, context, form=None):
    status = 422 if form is not None and form.errors else 200
    return render(request, template, context, status=status)


def _pupil_navigation(request):
    """The pupil view's own menu (the site's sections are not theirs)."""
    links = [
        (_("My goals"), reverse("progress:me")),
        (_("My portfolio"), reverse("progress:me_portfolio")),
    ]
    return [
        {
            "label": label,
            "url": url,
            "current": request.path == url or (url != "/progress/me/" and request.path.startswith(url)),
        }
        for label, url in links
    ]


# --- goals --------------------------------------------------------------------------------------


@login_required
def goals_home(request):
    home = selectors.goals_home_for(request.user)
    return render(request, "progress/goals/home.html", {"home": home})


@login_required
def goal_list(request, pupil_id):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    goals = selectors.goal_list_for(goals=policies.goals_visible_to(request.user), pupil=pupil)
    is_staff = policies.is_pupils_staff(user=request.user, pupil=pupil)
    active = [(goal.title, goal.description) for goal in goals if goal.status == GoalStatus.ACTIVE]
    # Other apps' sections about this pupil (the library's ideas to try at home), each decided for
    # this reader by its own app's policies.
    sections = people_selectors.pupil_sections(user=request.user, pupil=pupil, goals=active)
    return render(
        request,
        "progress/goals/list.html",
        {"pupil": pupil, "goals": goals, "is_staff": is_staff, "sections": sections},
    )


@login_required
def goal_new(request, pupil_id):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_create(author=request.user, pupil=pupil, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("The goal is saved and shared."))
            return redirect("progress:goal", goal.pk)
    return _page(request, "progress/goals/goal_new.html", {"pupil": pupil, "form": form}, form)


def _goal_context(request, goal, **forms):
    page = selectors.goal_page_for(user=request.user, goal=goal)
    context = {
        "page": page,
        "goal": goal,
        "pupil": goal.pupil,
        "update_form": forms.get("update_form") or GoalUpdateForm(),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": goal.status}),
        "voice_form": forms.get("voice_form") or VoiceForm(),
    }
    return context


@login_required
def goal_detail(request, goal_id):
    goal = policies.access_goal(user=request.user, goal_id=goal_id)
    return render(request, "progress/goals/goal.html", _goal_context(request, goal))


@login_required
def goal_update_new(request, goal_id):
    goal = policies.access_goal(user=request.user, goal_id=goal_id)
    form = GoalUpdateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.goal_update_add(
                author=request.user,
                goal=goal,
                note=data["note"],
                progress=data["progress"],
                upload=data["evidence"],
                client_key=data["client_key"],
            )
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Your update is added and shared."))
            return redirect("progress:goal", goal.pk)
    return _page(request, "progress/goals/update_new.html", {"goal": goal, "pupil": goal.pupil, "form": form}, form)


@login_required
@require_POST
def goal_status(request, goal_id):
    goal = policies.access_goal(user=request.user, goal_id=goal_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            goal = services.goal_status_change(user=request.user, goal=goal, status=form.cleaned_data["status"])
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("The goal is now: %(status)s.") % {"status": goal.get_status_display()})
            return redirect("progress:goal", goal.pk)
    return _page(request, "progress/goals/goal.html", _goal_context(request, goal, status_form=form), form)


@login_required
@require_POST
def goal_voice(request, goal_id):
    goal = policies.access_goal(user=request.user, goal_id=goal_id)
    form = VoiceForm(request.POST)
    if form.is_valid():
        try:
            services.pupil_voice_add(writer=request.user, pupil=goal.pupil, goal=goal, text=form.cleaned_data["text"])
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Their words are added to the goal."))
            return redirect("progress:goal", goal.pk)
    return _page(request, "progress/goals/goal.html", _goal_context(request, goal, voice_form=form), form)


def _evidence(request, update):
    if not update.file:
        raise Http404
    audit.record(
        actor=request.user, action="goal.evidence_downloaded", target=update, school=update.goal.pupil.school_id
    )
    return uploaded_file_response(update.file, content_type=update.content_type, filename=update.original_name)


@login_required
def goal_update_file(request, goal_update_id):
    update = policies.access_goal_update(user=request.user, goal_update_id=goal_update_id)
    if policies.is_pupil_user(request.user):
        raise Http404  # a pupil opens their evidence from their own view
    return _evidence(request, update)


# --- celebrations -------------------------------------------------------------------------------


@login_required
def celebration_list(request, pupil_id):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    cards = selectors.celebrations_for(celebrations=policies.celebrations_visible_to(request.user), pupil=pupil)
    return render(request, "progress/goals/celebrations.html", {"pupil": pupil, "cards": cards})


def _celebration_context(request, celebration, **forms):
    return {
        "page": selectors.celebration_page_for(celebration=celebration),
        "pupil": celebration.pupil,
        "note_form": forms.get("note_form") or NoteForm(),
        "voice_form": forms.get("voice_form") or VoiceForm(),
    }


@login_required
def celebration_detail(request, celebration_id):
    celebration = policies.access_celebration(user=request.user, celebration_id=celebration_id)
    return render(request, "progress/goals/celebration.html", _celebration_context(request, celebration))


@login_required
@require_POST
def celebration_note(request, celebration_id):
    celebration = policies.access_celebration(user=request.user, celebration_id=celebration_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.celebration_note_add(author=request.user, celebration=celebration, text=form.cleaned_data["text"])
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Your words are added."))
            return redirect("progress:celebration", celebration.pk)
    context = _celebration_context(request, celebration, note_form=form)
    return _page(request, "progress/goals/celebration.html", context, form)


@login_required
@require_POST
def celebration_voice(request, celebration_id):
    celebration = policies.access_celebration(user=request.user, celebration_id=celebration_id)
    form = VoiceForm(request.POST)
    if form.is_valid():
        try:
            services.pupil_voice_add(
                writer=request.user, pupil=celebration.pupil, celebration=celebration, text=form.cleaned_data["text"]
            )
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Their words are added."))
            return redirect("progress:celebration", celebration.pk)
    context = _celebration_context(request, celebration, voice_form=form)
    return _page(request, "progress/goals/celebration.html", context, form)


# --- portfolio ----------------------------------------------------------------------------------


@login_required
def portfolio(request, pupil_id):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    page = Paginator(selectors.portfolio_for(user=request.user, pupil=pupil), 24).get_page(request.GET.get("page"))
    return render(request, "progress/goals/portfolio.html", {"pupil": pupil, "page": page})


@login_required
def portfolio_new(request, pupil_id):
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    form = PortfolioItemForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.portfolio_item_add(
                author=request.user,
                pupil=pupil,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                visibility=data["visibility"],
                upload=data["file"],
                client_key=data["client_key"],
            )
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            if item.status == ReviewStatus.APPROVED:
                flash.success(request, _("The item is added to the portfolio."))
            else:
                flash.success(
                    request, _("The item is added. A teacher approves it before anyone beyond the family sees it.")
                )
            return redirect("progress:portfolio_item", item.pk)
    return _page(request, "progress/goals/portfolio_new.html", {"pupil": pupil, "form": form}, form)


def _portfolio_context(request, item, **forms):
    return {
        "page": selectors.portfolio_item_page_for(user=request.user, item=item),
        "item": item,
        "pupil": item.pupil,
        "voice_form": forms.get("voice_form") or VoiceForm(),
    }


@login_required
def portfolio_item(request, portfolio_item_id):
    item = policies.access_portfolio_item(user=request.user, portfolio_item_id=portfolio_item_id)
    return render(request, "progress/goals/portfolio_item.html", _portfolio_context(request, item))


@login_required
@require_POST
def portfolio_voice(request, portfolio_item_id):
    item = policies.access_portfolio_item(user=request.user, portfolio_item_id=portfolio_item_id)
    if not policies.is_family_or_staff_of(user=request.user, item=item):
        raise Http404
    form = VoiceForm(request.POST)
    if form.is_valid():
        try:
            services.pupil_voice_add(
                writer=request.user, pupil=item.pupil, portfolio_item=item, text=form.cleaned_data["text"]
            )
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Their words are added."))
            return redirect("progress:portfolio_item", item.pk)
    return _page(
        request, "progress/goals/portfolio_item.html", _portfolio_context(request, item, voice_form=form), form
    )


@login_required
@require_POST
def portfolio_review(request, portfolio_item_id):
    item = policies.access_portfolio_item(user=request.user, portfolio_item_id=portfolio_item_id)
    if not policies.is_family_or_staff_of(user=request.user, item=item):
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Choose whether to approve it."))
        return redirect("progress:portfolio_item", item.pk)
    try:
        item = services.portfolio_item_review(
            reviewer=request.user, item=item, approve=form.cleaned_data["decision"] == "approve"
        )
    except PermissionDenied:
        raise Http404 from None
    except GoalsError as error:
        flash.error(request, str(error))
        return redirect("progress:portfolio_item", item.pk)
    if item.status == ReviewStatus.APPROVED:
        flash.success(request, _("Approved: it can now be seen as far as its family chose."))
    else:
        flash.success(request, _("It stays with the family."))
    if request.POST.get("next") == "queue":
        return redirect("progress:portfolio_queue")
    return redirect("progress:portfolio_item", item.pk)


@login_required
def portfolio_file(request, portfolio_item_id):
    item = policies.access_portfolio_item(user=request.user, portfolio_item_id=portfolio_item_id)
    if not item.file:
        raise Http404
    audit.record(actor=request.user, action="portfolio.file_downloaded", target=item, school=item.pupil.school_id)
    return uploaded_file_response(item.file, content_type=item.content_type, filename=item.original_name)


@login_required
def portfolio_queue(request):
    if not people.staff_school_ids(request.user):
        raise Http404
    page = Paginator(selectors.approval_queue_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "progress/goals/portfolio_queue.html", {"page": page, "review_form": ReviewForm()})


@login_required
def class_portfolio(request, class_group_id):
    class_group = policies.access_class_group(user=request.user, class_group_id=class_group_id)
    page = Paginator(selectors.class_showcase_for(user=request.user, class_group=class_group), 24).get_page(
        request.GET.get("page")
    )
    return render(request, "progress/goals/class_portfolio.html", {"class_group": class_group, "page": page})


# --- a pupil's own sign-in ---------------------------------------------------------------------


@login_required
def pupil_sign_in(request, pupil_id):
    """Staff give a pupil old enough their own sign-in, or take it away."""
    pupil = access_pupil(user=request.user, pupil_id=pupil_id, scope="progress")
    if not policies.is_pupils_staff(user=request.user, pupil=pupil):
        raise Http404
    form = PupilSignInForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                services.pupil_sign_in_revoke(revoked_by=request.user, pupil=pupil)
                flash.success(request, _("Their own sign-in is switched off."))
                return redirect("progress:pupil_sign_in", pupil.pk)
            if form.is_valid():
                services.pupil_sign_in_grant(granted_by=request.user, pupil=pupil, email=form.cleaned_data["email"])
                flash.success(request, _("They can now sign in to their own goals and portfolio."))
                return redirect("progress:pupil_sign_in", pupil.pk)
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error("email", str(error))
    pupil.refresh_from_db(fields=["user"])
    context = {
        "pupil": pupil,
        "form": form,
        "old_enough": services.pupil_age(pupil) >= pupil.school.pupil_sign_in_age,
        "sign_in_email": pupil.user.email if pupil.user_id else "",
    }
    return _page(request, "progress/goals/pupil_sign_in.html", context, form)


# --- the pupil's own view -----------------------------------------------------------------------


def _own(request):
    pupil = policies.pupil_signed_in_as(request.user)
    if pupil is None:
        raise Http404
    return pupil


@login_required
def me(request):
    home = selectors.pupil_home_for(request.user)
    if home is None:
        raise Http404
    return render(request, "progress/goals/me.html", {"home": home, "navigation": _pupil_navigation(request)})


def _own_goal_context(request, goal, voice_form=None):
    page = selectors.goal_page_for(user=request.user, goal=goal)
    return {
        "page": page,
        "goal": goal,
        "voice_form": voice_form or ReflectionForm(),
        "navigation": _pupil_navigation(request),
    }


@login_required
def me_goal(request, goal_id):
    goal = policies.access_own_goal(user=request.user, goal_id=goal_id)
    form = ReflectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pupil_voice_add(writer=request.user, pupil=goal.pupil, goal=goal, text=form.cleaned_data["text"])
        except PermissionDenied:
            raise Http404 from None
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Your words are added to your goal."))
            return redirect("progress:me_goal", goal.pk)
    return _page(request, "progress/goals/me_goal.html", _own_goal_context(request, goal, form), form)


@login_required
def me_goal_update_file(request, goal_update_id):
    _own(request)
    update = policies.access_goal_update(user=request.user, goal_update_id=goal_update_id)
    if update.goal.pupil.user_id != request.user.pk:
        raise Http404
    return _evidence(request, update)


def _own_reflection(request, *, pupil, **about):
    """The pupil's reflection form on one of their own things (a celebration or portfolio item):
    the form to show, and whether a posted reflection was saved."""
    form = ReflectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pupil_voice_add(writer=request.user, pupil=pupil, text=form.cleaned_data["text"], **about)
        except GoalsError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Your reflection is added."))
            return form, True
    return form, False


@login_required
def me_celebration(request, celebration_id):
    celebration = policies.access_own_celebration(user=request.user, celebration_id=celebration_id)
    form, done = _own_reflection(request, pupil=celebration.pupil, celebration=celebration)
    if done:
        return redirect("progress:me_celebration", celebration.pk)
    context = {
        "page": selectors.celebration_page_for(celebration=celebration),
        "voice_form": form,
        "navigation": _pupil_navigation(request),
    }
    return _page(request, "progress/goals/me_celebration.html", context, form)


@login_required
def me_portfolio(request):
    pupil = _own(request)
    page = Paginator(policies.own_portfolio_items(request.user).order_by("-created_at", "-id"), 24).get_page(
        request.GET.get("page")
    )
    context = {"pupil": pupil, "page": page, "navigation": _pupil_navigation(request)}
    return render(request, "progress/goals/me_portfolio.html", context)


@login_required
def me_portfolio_item(request, portfolio_item_id):
    item = policies.access_own_portfolio_item(user=request.user, portfolio_item_id=portfolio_item_id)
    form, done = _own_reflection(request, pupil=item.pupil, portfolio_item=item)
    if done:
        return redirect("progress:me_portfolio_item", item.pk)
    context = {
        "page": selectors.portfolio_item_page_for(user=request.user, item=item, own=True),
        "item": item,
        "voice_form": form,
        "navigation": _pupil_navigation(request),
    }
    return _page(request, "progress/goals/me_portfolio_item.html", context, form)


@login_required
def me_portfolio_file(request, portfolio_item_id):
    item = policies.access_own_portfolio_item(user=request.user, portfolio_item_id=portfolio_item_id)
    if not item.file:
        raise Http404
    audit.record(actor=request.user, action="portfolio.file_downloaded", target=item, school=item.pupil.school_id)
    return uploaded_file_response(item.file, content_type=item.content_type, filename=item.original_name)
