from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from messaging.notifications import selectors, services
from messaging.notifications.forms import NotificationSettingsForm


@login_required
@require_GET
def inbox(request):
    page = selectors.inbox_page_for(request.user, page_number=request.GET.get("page"))
    unread_count = selectors.unread_count_for(request.user)
    # The header badge shows the same count: given here, the badge does not count again.
    context = {"page": page, "unread_count": unread_count, "unread_notifications": unread_count}
    return render(request, "messaging/notifications/inbox.html", context)


@login_required
@require_GET
def badge(request):
    """The header badge alone: htmx fetches it when a page's live connection comes back."""
    context = {"unread_notifications": selectors.badge_count_for(request.user)}
    return render(request, "messaging/notifications/partials/unread_badge.html", context)


@login_required
@require_POST
def mark_read(request, notification_id):
    notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    form = NotificationSettingsForm(request.POST or None, current=selectors.notification_settings_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.preferences_update(user=request.user, choices=form.choices())
                services.quiet_hours_update(
                    user=request.user,
                    enabled=data["quiet_enabled"],
                    start=data["quiet_start"],
                    end=data["quiet_end"],
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return HttpResponseRedirect(reverse("notifications:preferences"))
    status = 422 if form.errors else 200
    return render(request, "messaging/notifications/preferences.html", {"form": form}, status=status)
