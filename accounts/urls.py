from django.urls import include, path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("account/sign-in-history/", views.login_history, name="login_history"),
    path("account/preferences/", views.preferences, name="preferences"),
    path("account/language/", views.language_set, name="language_set"),
    path("account/simplified/", views.simplified_toggle, name="simplified_toggle"),
    path("admin/login/", views.admin_login, name="admin_login"),
    path("account/", include("accounts.invitations.urls")),
    path("", include("accounts.settings.urls")),
    path("account/", include("accounts.consent.urls")),
    path("account/", include("accounts.privacy.urls", namespace="privacy")),
    path("account/", include("accounts.family.urls", namespace="family")),
]
