"""Included by messaging/urls.py under "announcements/": names live in the messaging namespace."""

from django.urls import path

from messaging.announcements import views

urlpatterns = [
    path("", views.announcement_list, name="announcements"),
    path("new/", views.announcement_new, name="announcement_new"),
    path("<int:announcement_id>/", views.announcement_detail, name="announcement"),
    path("<int:announcement_id>/answer/", views.announcement_answer, name="announcement_answer"),
    path("<int:announcement_id>/reply/", views.announcement_reply, name="announcement_reply"),
    path("<int:announcement_id>/figures/", views.announcement_figures, name="announcement_figures"),
    path("<int:announcement_id>/remind/", views.announcement_remind, name="announcement_remind"),
    path("<int:announcement_id>/cancel/", views.announcement_cancel, name="announcement_cancel"),
    path("files/<int:attachment_id>/", views.announcement_attachment, name="announcement_attachment"),
]
