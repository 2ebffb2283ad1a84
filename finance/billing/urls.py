"""The family's plan pages, in the finance namespace (`finance:home`, `finance:plans`, ...)."""

from django.urls import path

from finance.billing import views

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/choose/", views.change_plan, name="change_plan"),
    path("pause/", views.pause, name="pause"),
    path("resume/", views.resume, name="resume"),
    path("add-ons/", views.add_ons, name="add_ons"),
    path("history/", views.history, name="history"),
]
