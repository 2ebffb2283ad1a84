"""Included by progress/urls.py: names live in the progress namespace."""

from django.urls import path

from progress.insights import views

urlpatterns = [
    path("insights/<int:insight_id>/read/", views.insight_read, name="insight_read"),
    path("insights/<int:insight_id>/dismiss/", views.insight_dismiss, name="insight_dismiss"),
    path("pupils/<int:pupil_id>/insights/", views.pupil_insights, name="pupil_insights"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/<int:class_id>/overview/", views.class_overview, name="class_overview"),
]
