from django.urls import path

from accounts.invitations import views

urlpatterns = [
    path("invitation/<str:uidb36>/<str:key>/", views.invitation_accept, name="invitation_accept"),
    path("link/<str:uidb36>/<str:key>/", views.link_respond, name="account_link_respond"),
]
