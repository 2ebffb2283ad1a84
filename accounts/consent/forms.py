import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import DataKind, Recipient


class ConsentCellForm(forms.Form):
    data_kind = forms.ChoiceField(choices=DataKind.choices, widget=forms.HiddenInput)
    recipient = forms.ChoiceField(choices=Recipient.choices, widget=forms.HiddenInput)
    given = forms.TypedChoiceField(
        label=_("Your choice"),
        choices=[("yes", _("Give consent")), ("no", _("Refuse consent"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to give or refuse consent.")},
    )
    expires_on = forms.DateField(
        label=_("End date (optional)"),
        required=False,
        help_text=_("Consent ends at the start of this day. For example, 2027-07-31."),
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}),
        error_messages={"invalid": _("Enter the end date as a real date, like 2027-07-31.")},
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
    )

    def __init__(self, *args, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        expires_on = cleaned.get("expires_on")
        if expires_on is not None:
            if cleaned.get("given") is False:
                self.add_error(
                    "expires_on", _("An end date only applies when you give consent. Leave it empty to refuse.")
                )
            elif self.today is not None and expires_on <= self.today:
                self.add_error("expires_on", _("The end date must be after today."))
        return cleaned
