from django.urls import path

from accounts.twofactor import views

app_name = "twofactor"
urlpatterns = [path("", views.overview, name="overview")]
