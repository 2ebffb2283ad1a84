from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.http import urlencode
from django.views.i18n import JavaScriptCatalog

from accounts.requests import safe_next
from hub import health

handler403 = "hub.errors.permission_denied"
handler404 = "hub.errors.page_not_found"
handler500 = "hub.errors.server_error"


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


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Before admin.site.urls, so admin's own password form is never reachable.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("account/", include("allauth.urls")),
    path("account/two-factor/", include("accounts.twofactor.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("messages/", include("messaging.urls")),
    path("notifications/", include("messaging.notifications.urls")),
    path("", include("accounts.urls")),
]
# Uploaded files are never served from /media/, not even in the demo: every attachment goes
# through the view that checks who may read it (messaging.views.attachment_download).
