from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from hub import health

handler403 = "hub.errors.permission_denied"
handler404 = "hub.errors.page_not_found"
handler500 = "hub.errors.server_error"


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Before admin.site.urls: accounts.urls answers /admin/login/ with the site's sign-in, so
    # admin's own password form is never reachable.
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("account/", include("allauth.urls")),
    path("account/two-factor/", include("accounts.twofactor.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("messages/", include("messaging.urls")),
    path("notifications/", include("messaging.notifications.urls")),
    path("progress/", include("progress.urls")),
    path("finance/", include("finance.urls")),
    path("reports/", include("reports.urls")),
    path("resources/", include("resources.urls")),
    path("parents/", include("parents.urls")),
]
# Uploaded files are never served from /media/, not even in the demo: every attachment goes
# through the view that checks who may read it (messaging.views.attachment_download).
