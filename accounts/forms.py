import phonenumbers
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.settings.zones import grouped_choices

# Kinds of number a text message can reach.
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class PreferencesForm(forms.ModelForm):
    """The person's profile: name, mobile number, language, time zone, simplified interface.

    The email address is not here: it changes through allauth's email page, which confirms the
    new address before it is used (and asks for the password again)."""

    class Meta:
        model = User
        fields = ["display_name", "phone", "preferred_language", "time_zone", "simplified_interface"]
        help_texts = {
            "display_name": _("The name schools and other families see."),
            "phone": _(
                "For text messages and sign-in codes. Like 07911 123456, or +254 712 345678 from another country."
            ),
        }
        error_messages = {"display_name": {"required": _("Enter your name.")}}

    def __init__(self, *args, likely_time_zones: list[str] | None = None, phone_region: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_region = phone_region
        self.fields["display_name"].widget.attrs.update({"class": "govuk-input", "autocomplete": "name"})
        self.fields["phone"].widget = forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-20", "type": "tel", "autocomplete": "tel"}
        )
        self.fields["phone"].validators = []  # checked (and put in E.164 form) by clean_phone
        self.fields["preferred_language"].widget.attrs["class"] = "govuk-select"
        zone = self.fields["time_zone"]
        zone.choices = grouped_choices(likely_time_zones or [self.instance.time_zone])
        zone.widget.attrs["class"] = "govuk-select"
        zone.help_text = _("Dates and times are shown on this clock. The likely ones come first.")
        zone.error_messages["invalid_choice"] = _("Choose a time zone from the list.")
        self.fields["preferred_language"].error_messages["invalid_choice"] = _("Choose a language from the list.")

    def clean_phone(self) -> str:
        """The number in E.164 form (+447700900982), or empty to remove it."""
        value = " ".join((self.cleaned_data.get("phone") or "").split())
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value, None if value.startswith("+") else self.phone_region)
        except phonenumbers.NumberParseException:
            raise forms.ValidationError(
                _("Enter a mobile number, like 07911 123456, or with the country code, like +254 712 345678."),
                code="invalid",
            ) from None
        if not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                _("This is not a valid phone number. Check the digits and the country code."), code="invalid"
            )
        if phonenumbers.number_type(number) not in _MOBILE_TYPES:
            raise forms.ValidationError(
                _("This looks like a landline. Enter a mobile number, so text messages can reach you."),
                code="not_mobile",
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
