"""The exports' pages, included by reports/urls.py (namespace "reports")."""

from django.urls import path

from reports.exports import views

urlpatterns = [
    path("exports/", views.exports, name="exports"),
    path("exports/<uuid:export_id>/", views.export, name="export"),
    path("exports/<uuid:export_id>/progress/", views.export_progress, name="export_progress"),
    path("exports/<uuid:export_id>/download/", views.export_download, name="export_download"),
    path("exports/for-request/<int:request_id>/", views.sar_start, name="sar_start"),
]
