"""The resource library's pages (`resources:<name>`)."""

from django.urls import path

from resources import views

app_name = "resources"
urlpatterns = [
    path("", views.library, name="library"),
]
