from django.urls import include, path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.conversation_new, name="new"),
    path("new/office/<int:school_id>/", views.office_start, name="office_start"),
    path("new/<slug:kind>/<int:pupil_id>/", views.conversation_start, name="start"),
    path("<int:conversation_id>/", views.thread, name="thread"),
    path("<int:conversation_id>/send/", views.message_create, name="send"),
    path("<int:conversation_id>/close/", views.conversation_close, name="close"),
    path("<int:conversation_id>/mute/", views.conversation_mute, name="mute"),
    path("<int:conversation_id>/templates/<slug:key>/", views.template_use, name="template"),
    path("message/<int:message_id>/retract/", views.message_retract, name="retract"),
    path("message/<int:message_id>/edit/", views.scheduled_edit, name="scheduled_edit"),
    path("message/<int:message_id>/cancel/", views.scheduled_cancel, name="scheduled_cancel"),
    path("attachment/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("safeguarding/", views.safeguarding_alerts, name="safeguarding_alerts"),
    path("safeguarding/<int:alert_id>/", views.safeguarding_alert, name="safeguarding_alert"),
    path("<int:conversation_id>/translation-preview/", views.translation_preview, name="translation_preview"),
    path("message/<int:message_id>/check-translation/", views.translation_check_request, name="check_translation"),
    path("translation/<int:translation_id>/check/", views.translation_check, name="translation_check"),
    path("announcements/", include("messaging.announcements.urls")),
]
