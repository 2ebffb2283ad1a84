from django.urls import path

from accounts.twofactor import views

app_name = "twofactor"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("authenticator/", views.totp_setup, name="totp"),
    path("authenticator/start/", views.totp_start, name="totp_start"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("email/", views.email_setup, name="email"),
    path("email/send/", views.email_send, name="email_send"),
    path("text-message/", views.sms_setup, name="sms"),
    path("text-message/send/", views.sms_send, name="sms_send"),
    path("turn-off/", views.disable, name="disable"),
    path("verify/", views.verify, name="verify"),
    path("verify/send/", views.verify_send, name="verify_send"),
]
