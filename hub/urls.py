from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from hub import health

handler403 = "hub.errors.permission_denied"
handler404 = "hub.errors.page_not_found"
handler500 = "hub.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("account/", include("allauth.urls")),
    path("account/two-factor/", include("accounts.twofactor.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("messages/", include("messaging.urls")),
    path("notifications/", include("messaging.notifications.urls")),
    path("", include("accounts.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
