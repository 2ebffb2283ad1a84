"""Included by accounts/urls.py under "account/", namespace "family"."""

from django.urls import path

from accounts.family import views

app_name = "family"

urlpatterns = [
    path("family/", views.overview, name="overview"),
    path("family/invite/", views.invite, name="invite"),
    path("family/invitations/<int:family_invitation_id>/cancel/", views.revoke, name="revoke"),
    path("family/members/<int:guardianship_id>/", views.member, name="member"),
    path("family/join/<str:token>/", views.join, name="join"),
]
