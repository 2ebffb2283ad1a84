from django.urls import path

from accounts.consent import views

urlpatterns = [
    path("children/<int:pupil_id>/consent/", views.consent_matrix, name="consent_matrix"),
    path("children/<int:pupil_id>/consent/change/", views.consent_change, name="consent_change"),
]
