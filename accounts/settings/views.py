"""Settings pages: the index, and the devices signed in to the account (sign one or all others out).

Thin: each reads through a selector filtered by the signed-in person or calls one service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import policies
from accounts.settings import selectors, services
from accounts.settings.policies import access_user_session


@login_required
@require_GET
def index(request):
    context = {
        "overview": selectors.settings_overview_for(request.user),
        # Family members are a guardian's (the menu's per-request question: no query of its own).
        "is_guardian": policies.navigation_is_guardian(request.user),
    }
    return render(request, "accounts/settings/index.html", context)


@login_required
@require_GET
def sessions(request):
    devices = selectors.devices_for(request.user, current_session_key=request.session.session_key)
    return render(request, "accounts/settings/sessions.html", {"devices": devices})


@login_required
@require_POST
def session_end(request, session_id):
    try:
        with transaction.atomic():
            user_session = access_user_session(user=request.user, session_id=session_id, for_update=True)
            services.session_end(
                user=request.user, user_session=user_session, current_session_key=request.session.session_key
            )
    except services.SessionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("That device is signed out. Anyone using it must sign in again."))
    return redirect("settings_sessions")


@login_required
@require_POST
def sessions_end_others(request):
    count = services.sessions_end_others(user=request.user, current_session_key=request.session.session_key)
    if count:
        messages.success(request, _("You are signed out everywhere else. You are still signed in on this device."))
    else:
        messages.info(request, _("You were not signed in anywhere else."))
    return redirect("settings_sessions")
