"""Parents' dashboard pages. Thin: check who is asking, call one selector or service, render.

Every page is for a guardian with viewing rights of at least one child: anyone else gets 403,
and a child who is not theirs answers 404. The chosen child is remembered in the session.
"""

from functools import wraps

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.requests import safe_next
from parents import policies, selectors, services
from parents.forms import ChildSelectForm, MoodCheckInForm


def guardian_required(view):
    """Signed in, and a guardian with viewing rights of a child; staff and pupils get 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not policies.has_dashboard(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _chosen_id(request):
    return request.session.get(selectors.SESSION_KEY)


def _remember(request, child) -> None:
    if request.session.get(selectors.SESSION_KEY) != child.pk:
        request.session[selectors.SESSION_KEY] = child.pk


def _home(request, *, mood_form=None, status=200):
    days = 14 if request.GET.get("days") == "14" else 7
    page = selectors.home_page_for(user=request.user, chosen_id=_chosen_id(request), days=days)
    form = mood_form or MoodCheckInForm(
        children=page.children, initial={"about": str(page.chosen.pk) if page.chosen else ""}
    )
    return render(
        request,
        "parents/home.html",
        {"page": page, "mood_form": form, "children": page.children, "chosen": page.chosen},
        status=status,
    )


@guardian_required
def home(request):
    return _home(request)


@guardian_required
@require_POST
def mood_check_in(request):
    children = selectors.family_of(request.user)
    form = MoodCheckInForm(request.POST, children=children)
    if not form.is_valid():
        return _home(request, mood_form=form, status=422)
    try:
        services.mood_check_in(
            guardian=request.user,
            emoji=form.cleaned_data["emoji"],
            energy=int(form.cleaned_data["energy"]),
            pupil=form.cleaned_data["about"],
            note=form.cleaned_data["note"],
        )
    except services.DashboardError as error:
        form.add_error(None, str(error))
        return _home(request, mood_form=form, status=422)
    flash.success(request, _("Thank you: your check-in is saved."))
    return redirect(reverse("parents:home") + "#mood")


@guardian_required
def children(request):
    page = selectors.children_overview_for(user=request.user, chosen_id=_chosen_id(request))
    return render(request, "parents/children.html", {"page": page, "children": page.children, "chosen": page.chosen})


@guardian_required
@require_POST
def child_select(request):
    """The child selector's submit: remember the child, then show the same tab for them (or go back)."""
    children = selectors.family_of(request.user)
    form = ChildSelectForm(request.POST, children=children)
    if not form.is_valid():
        flash.error(request, _("Choose one of your children."))
        return redirect(safe_next(request, reverse("parents:children")))
    child = policies.access_child(user=request.user, pupil_id=int(form.cleaned_data["child"]))
    _remember(request, child)
    tab = request.POST.get("tab", "")
    names = {name: url_name for name, _label, url_name in selectors.TABS}
    if tab in names:
        return redirect(names[tab], pupil_id=child.pk)
    return redirect(safe_next(request, reverse("parents:child", args=[child.pk])))


def _child_view(selector, template: str):
    # access_child is the check here: a child who is not the user's (staff and pupils have none)
    # answers 404.
    @login_required
    def view(request, pupil_id):
        child = policies.access_child(user=request.user, pupil_id=pupil_id)
        _remember(request, child)
        page = selector(user=request.user, child=child)
        tabs = [(name, label, reverse(url_name, args=[child.pk])) for name, label, url_name in selectors.TABS]
        return render(
            request,
            template,
            {
                "page": page,
                "child": child,
                "selector_tab": page.tab,
                "children": page.children,
                "chosen": child,
                "tabs": tabs,
                **page.extra,
            },
        )

    view.__name__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return view


child_learning = _child_view(selectors.learning_journey_for, "parents/child_learning.html")
child_activity = _child_view(selectors.activity_page_for, "parents/child_activity.html")
child_achievements = _child_view(selectors.achievements_page_for, "parents/child_achievements.html")
child_goals = _child_view(selectors.goals_page_for, "parents/child_goals.html")
child_insights = _child_view(selectors.insights_page_for, "parents/child_insights.html")
