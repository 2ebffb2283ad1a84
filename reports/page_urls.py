"""The reports' own pages (`reports:<name>`), assembled with the exports' in reports.urls."""

from django.urls import path

from reports import views

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<uuid:report_id>/", views.report_detail, name="detail"),
    path("<uuid:report_id>/progress/", views.report_progress, name="progress"),
    path("<uuid:report_id>/retry/", views.report_retry, name="retry"),
    path("<uuid:report_id>/report.pdf", views.report_pdf, name="pdf"),
    path("classes/", views.class_list, name="classes"),
    path("classes/<int:class_id>/", views.class_reports, name="class"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("batches/<int:batch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:batch_id>/retry/", views.batch_retry, name="batch_retry"),
]
