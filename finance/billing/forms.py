"""Forms for the plan and payment pages: parse input; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms import new_client_key

INPUT = {"class": "govuk-input govuk-input--width-20", "autocomplete": "tel", "inputmode": "tel"}


def client_key_field():
    """The form's idempotency key: the same confirmation sent twice starts one payment."""
    return forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )


def phone_field(required: bool):
    return forms.CharField(
        label=_("M-Pesa phone number"),
        help_text=_("We send the payment request to this phone. For example, 0712 345 678."),
        max_length=20,
        required=required,
        widget=forms.TextInput(attrs=INPUT),
        error_messages={"required": _("Enter the M-Pesa phone number to send the request to.")},
    )


class ChildChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class ConfirmPlanForm(forms.Form):
    client_key = client_key_field()

    def __init__(self, *args, needs_phone: bool, children=None, phone="", **kwargs):
        super().__init__(*args, **kwargs)
        if needs_phone:
            self.fields["phone"] = phone_field(required=True)
            self.fields["phone"].initial = phone
        if children is not None:
            self.fields["pupil"] = ChildChoice(
                label=_("Which child is this plan for?"),
                queryset=children,
                empty_label=None,
                widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
                error_messages={"required": _("Choose which child this plan is for.")},
            )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d")


class PauseForm(forms.Form):
    until = forms.DateField(
        label=_("Start again on"),
        help_text=_("The day your plan starts again. For example, 31/01/2027."),
        widget=DateInput(),
        error_messages={"required": _("Enter the day your plan starts again."), "invalid": _("Enter a real date.")},
    )


class AddOnForm(forms.Form):
    client_key = client_key_field()

    def __init__(self, *args, add_ons, children, phone="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["add_on"] = forms.ModelChoiceField(
            label=_("What would you like?"),
            queryset=add_ons,
            empty_label=None,
            widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
            error_messages={"required": _("Choose an add-on.")},
        )
        self.fields["quantity"] = forms.IntegerField(
            label=_("How many?"),
            min_value=1,
            initial=1,
            widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3", "inputmode": "numeric"}),
            error_messages={
                "required": _("Enter how many you would like."),
                "invalid": _("Enter a whole number, like 2."),
                "min_value": _("Enter 1 or more."),
            },
        )
        self.fields["pupil"] = ChildChoice(
            label=_("For which child?"),
            queryset=children,
            required=False,
            empty_label=_("The whole family"),
            widget=forms.Select(attrs={"class": "govuk-select"}),
        )
        self.fields["phone"] = phone_field(required=True)
        self.fields["phone"].initial = phone
