"""Finance pages: each part's URLs under one namespace (`finance:<name>`)."""

from finance.billing import urls as billing
from finance.payments import urls as payments
from finance.receipts import urls as receipts

app_name = "finance"
urlpatterns = [*billing.urlpatterns, *payments.urlpatterns, *receipts.urlpatterns]
