import copy

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import LanguageForm, PreferencesForm
from accounts.models import Role
from accounts.privacy import services as privacy
from accounts.requests import safe_next


@login_required
def home(request):
    user = request.user
    memberships = list(selectors.memberships_for(user))
    roles = {membership.role for membership in memberships}
    # Each staff section needs an active membership (a SENDCO's for the register, a leader's,
    # DSL's or office's for the year groups), read just above: a parent's home does not ask.
    classes = list(selectors.classes_taught_by(user)) if memberships else []
    send_register = list(selectors.send_register_for(user)) if Role.SENDCO in roles else []
    leads = roles.intersection(selectors.YEAR_GROUP_ROLES)
    # The class lists and the SEND register show pupils' SEND information: audited for each
    # family's "who has looked" page (once per person, pupil and day; see privacy.services).
    shown = [pupil for group in classes for pupil in group.pupils.all()] + send_register
    privacy.send_views_record(viewer=user, pupils=shown, page="home")
    context = {
        "children": selectors.children_for_guardian(user),
        "memberships": memberships,
        "classes": classes,
        "send_register": send_register,
        "year_groups": selectors.year_groups_for(user) if leads else [],
    }
    # Evaluated here, and kept for the page: only someone with neither children nor a role pays
    # the query that asks whether they are a pupil (whose own sign-in has one place to go).
    if not context["children"] and not context["memberships"] and selectors.is_pupil_sign_in(user):
        return redirect("progress:me")
    return render(request, "accounts/home.html", context)


@login_required
def login_history(request):
    """Sign-in attempts in words: the device, the network (or town), the time on the person's clock."""
    return render(request, "accounts/login_history.html", {"attempts": selectors.sign_in_history_for(request.user)})


@login_required
def preferences(request):
    """The profile: name, mobile number, language, time zone (likely ones first), simplified interface.
    The email address is shown with a link to allauth's page, which re-verifies a new one."""
    user = copy.copy(request.user)  # the form writes into it: a refused form must not change the page's user
    choices = selectors.profile_choices_for(user)
    form = PreferencesForm(
        request.POST or None,
        instance=user,
        likely_time_zones=choices.likely_time_zones,
        phone_region=choices.phone_region,
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            services.preferences_update(user=request.user, **changes)
        messages.success(request, _("Your profile is saved."))
        return redirect("preferences")
    return render(request, "accounts/preferences.html", {"form": form}, status=422 if form.errors else 200)


@require_POST
def language_set(request):
    """The language switcher: saved to the profile when signed in, to a cookie otherwise."""
    form = LanguageForm(request.POST)
    target = safe_next(request, "/")
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages in the list."))
        return HttpResponseRedirect(target)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.preferences_update(user=request.user, preferred_language=language)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@login_required
@require_POST
def simplified_toggle(request):
    turned_on = not request.user.simplified_interface
    services.preferences_update(user=request.user, simplified_interface=turned_on)
    if turned_on:
        messages.success(request, _("Simplified interface is on."))
    else:
        messages.success(request, _("Simplified interface is off."))
    return HttpResponseRedirect(safe_next(request, "/"))


def admin_login(request):
    """Django admin's sign-in is the site's sign-in: one form, one set of rate limits, one sign-in
    history, and the same second-factor step (TwoFactorMiddleware) before any admin page opens.

    Someone already signed in who may not use admin gets 403 (sending them to sign in again would
    bounce straight back here, in a loop)."""
    next_url = safe_next(request, reverse("admin:index"))
    if request.user.is_authenticated:
        if not admin.site.has_permission(request):
            raise PermissionDenied
        return redirect(next_url)
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
