from django.urls import path

from accounts.settings import views

urlpatterns = [
    path("account/settings/", views.index, name="settings_index"),
    # Before allauth's own sessions page (the same address), which this one replaces.
    path("account/sessions/", views.sessions, name="settings_sessions"),
    path("account/sessions/<int:session_id>/sign-out/", views.session_end, name="settings_session_end"),
    path("account/sessions/sign-out-others/", views.sessions_end_others, name="settings_sessions_end_others"),
]
