"""The "Pay with M-Pesa" form: parses and checks what a parent typed; the service decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.daraja.phones import InvalidPhone, normalise_kenyan_mobile
from finance.payments.services import MAX_STK_AMOUNT
from messaging.forms import new_client_key


class PayForm(forms.Form):
    phone = forms.CharField(
        label=_("M-Pesa phone number"),
        help_text=_("The phone that will show the M-Pesa request, like 0712 345 678."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-20", "autocomplete": "tel", "inputmode": "tel"}
        ),
        error_messages={"required": _("Enter the M-Pesa phone number")},
    )
    amount = forms.IntegerField(
        label=_("Amount in Kenyan shillings"),
        help_text=_("Whole shillings, like 1500."),
        min_value=1,
        max_value=int(MAX_STK_AMOUNT),
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-10", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={
            "required": _("Enter the amount to pay"),
            "invalid": _("Enter the amount in whole shillings, like 1500."),
            "min_value": _("Enter an amount of at least KES 1."),
            "max_value": _("M-Pesa takes at most KES 250,000 in one payment."),
        },
    )
    # The form's idempotency key: "Pay" pressed twice starts one payment and one prompt.
    client_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )

    def clean_phone(self):
        try:
            return normalise_kenyan_mobile(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(error.message) from None
