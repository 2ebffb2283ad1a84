"""Included by accounts/urls.py under "account/", namespace "privacy"."""

from django.urls import path

from accounts.privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.overview, name="overview"),
    path("children/<int:pupil_id>/privacy/", views.child, name="child"),
    path("privacy/requests/new/", views.request_new, name="request_new"),
    path("privacy/requests/<int:data_request_id>/", views.request_detail, name="request"),
    path("privacy/data-requests/", views.queue, name="queue"),
    path("privacy/data-requests/<int:data_request_id>/", views.respond, name="respond"),
]
