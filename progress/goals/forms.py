"""Forms for the goals, celebrations and portfolio pages: parse and validate input; the services
decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms import new_client_key
from progress.goals.services import MAX_TEXT
from progress.models import GoalCategory, GoalOwner, GoalStatus, PortfolioItem, PortfolioVisibility

TEXTAREA = {"class": "govuk-textarea", "rows": 4}


def client_key_field():
    """The form's idempotency key: the same form sent twice creates one thing."""
    return forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )


INPUT = {"class": "govuk-input"}
FILE = {"class": "govuk-file-upload", "accept": "image/*,application/pdf,audio/*,video/mp4"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d")


class GoalForm(forms.Form):
    client_key = client_key_field()
    title = forms.CharField(
        label=_("Goal"),
        max_length=200,
        widget=forms.TextInput(attrs=INPUT),
        error_messages={"required": _("Write the goal.")},
    )
    description = forms.CharField(
        label=_("What success looks like (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=GoalCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a category.")},
    )
    owner = forms.ChoiceField(
        label=_("Who owns the goal?"), choices=GoalOwner.choices, initial=GoalOwner.BOTH, widget=forms.RadioSelect
    )
    target_date = forms.DateField(
        label=_("Target date (optional)"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a real date, like 31/03/2027.")},
    )
    home_support = forms.CharField(
        label=_("How home will support it (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    school_support = forms.CharField(
        label=_("How school will support it (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class GoalUpdateForm(forms.Form):
    client_key = client_key_field()
    note = forms.CharField(
        label=_("What has happened?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("Write what has happened.")},
    )
    progress = forms.IntegerField(
        label=_("How far along (optional, 0 to 100 %)"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3", "inputmode": "numeric"}),
        error_messages={
            "invalid": _("Give how far along as a number from 0 to 100."),
            "min_value": _("Give how far along as a number from 0 to 100."),
            "max_value": _("Give how far along as a number from 0 to 100."),
        },
    )
    evidence = forms.FileField(
        label=_("Add a photo or file (optional)"),
        required=False,
        help_text=_("A photo, PDF or short recording, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs=FILE),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=GoalStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a status.")},
    )


class VoiceForm(forms.Form):
    text = forms.CharField(
        label=_("In their own words"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("Write what they said.")},
    )


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your reflection"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("Write your reflection.")},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Your words"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("Write your words.")},
    )


class PortfolioItemForm(forms.Form):
    client_key = client_key_field()
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=PortfolioItem.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of item it is.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs=INPUT),
        error_messages={"required": _("Give it a title.")},
    )
    description = forms.CharField(
        label=_("Description (optional)"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs=TEXTAREA)
    )
    file = forms.FileField(
        label=_("Photo or file"),
        required=False,
        help_text=_("A photo, PDF or short recording, up to 10 MB. Needed for a photo."),
        widget=forms.ClearableFileInput(attrs=FILE),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it?"),
        choices=PortfolioVisibility.choices,
        initial=PortfolioVisibility.FAMILY,
        widget=forms.RadioSelect,
        help_text=_(
            "Anything beyond the family is shown only once a teacher has approved it, and to other "
            "families only if the child's family has allowed photos and portfolio for them in "
            "their consent choices."
        ),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("decline", _("Keep it with the family"))],
        error_messages={"required": _("Choose whether to approve it.")},
    )


class PupilSignInForm(forms.Form):
    email = forms.EmailField(
        label=_("The pupil's email address"),
        help_text=_("They choose a password through “Forgotten your password?” on the sign-in page."),
        widget=forms.EmailInput(attrs={**INPUT, "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the pupil's email address."), "invalid": _("Enter a real email address.")},
    )
