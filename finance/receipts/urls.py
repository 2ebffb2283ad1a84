from django.urls import path

from finance.receipts import views

urlpatterns = [
    path("payments/<uuid:public_id>/receipt.pdf", views.receipt_download, name="receipt"),
]
