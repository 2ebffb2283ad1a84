from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models.people import validate_phone


def _code_input(*, numeric: bool) -> forms.TextInput:
    attrs = {
        "class": "govuk-input govuk-input--width-10",
        "autocomplete": "one-time-code",
        "spellcheck": "false",
        "autocapitalize": "none",
    }
    if numeric:
        attrs["inputmode"] = "numeric"
    return forms.TextInput(attrs=attrs)


class CodeForm(forms.Form):
    """One code: 6 digits from an app, an email or a text message."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code, for example 123456."),
        widget=_code_input(numeric=True),
        error_messages={"required": _("Enter the code.")},
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the 6-digit code, using numbers only."))
        return code


class BackupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Backup code"),
        max_length=20,
        help_text=_("One of the 10-character backup codes you saved, for example abcde-23456."),
        widget=_code_input(numeric=False),
        error_messages={"required": _("Enter a backup code.")},
    )


class AnyCodeForm(forms.Form):
    """A code from any method the person has set up (used to turn two-factor authentication off)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("A code from your authenticator app, email or text message, or one of your backup codes."),
        widget=_code_input(numeric=False),
        error_messages={"required": _("Enter a code.")},
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        help_text=_(
            "In international form, starting with + and the country code, like +44 7911 123456 or +254 711 000111."
        ),
        validators=[validate_phone],
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-20", "autocomplete": "tel", "type": "tel"}
        ),
        error_messages={"required": _("Enter your mobile phone number.")},
    )


class CurrentCodeForm(forms.Form):
    """A code from a method the person already has: asked before any second factor is changed."""

    current_code = forms.CharField(
        label=_("Code from the way you sign in now"),
        max_length=20,
        required=False,
        help_text=_("From your authenticator app, email or text message, or one of your backup codes."),
        widget=_code_input(numeric=False),
    )
