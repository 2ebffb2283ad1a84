from django.urls import path

from finance.payments import views

urlpatterns = [
    path("pay/", views.pay, name="pay"),
    path("paybill/", views.paybill, name="paybill"),
    path("payments/<uuid:public_id>/", views.payment, name="payment"),
    path("payments/<uuid:public_id>/status/", views.payment_status, name="payment_status"),
    # M-Pesa's side: no session, no CSRF token; each is guarded by its secret in the path.
    path("mpesa/callback/<str:token>/", views.mpesa_callback, name="mpesa_callback"),
    path("mpesa/c2b/<str:secret>/validation/", views.c2b_validation, name="c2b_validation"),
    path("mpesa/c2b/<str:secret>/confirmation/", views.c2b_confirmation, name="c2b_confirmation"),
]
