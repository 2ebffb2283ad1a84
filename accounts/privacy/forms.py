"""Forms of the privacy pages: parse and validate; the services decide what is allowed."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import DataRequest, Pupil, School

TEXTAREA = {"class": "govuk-textarea", "rows": 6}


def new_client_key() -> str:
    return secrets.token_urlsafe(18)


class DataRequestForm(forms.Form):
    """What the person asks, which school (and optionally which child) it is about, and details.

    `about` is one choice for both: "s<school id>" (me and my family's data at that school) or
    "p<pupil id>" (one child only), so a family with children at two schools picks one line."""

    kind = forms.ChoiceField(
        label=_("What are you asking for?"), choices=DataRequest.Kind.choices, widget=forms.RadioSelect
    )
    about = forms.ChoiceField(label=_("Who is it about?"), widget=forms.RadioSelect)
    details = forms.CharField(
        label=_("Details"),
        max_length=4000,
        help_text=_(
            "Say what you want a copy of, what is wrong and what it should say, or what you want deleted. "
            "The school may ask you to prove who you are."
        ),
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    client_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )

    def __init__(self, *args, schools: list[School], children: list[Pupil], **kwargs):
        super().__init__(*args, **kwargs)
        self.schools = {school.pk: school for school in schools}
        self.children = {child.pk: child for child in children if child.school_id in self.schools}
        choices = []
        for school in schools:
            choices.append((f"s{school.pk}", _("Me and my family, at %(school)s") % {"school": school.name}))
            for child in self.children.values():
                if child.school_id == school.pk:
                    choices.append(
                        (
                            f"p{child.pk}",
                            _("Only %(child)s, at %(school)s") % {"child": child.full_name, "school": school.name},
                        )
                    )
        self.fields["about"].choices = choices
        self.fields["details"].widget.attrs["aria-describedby"] = "id_details_helptext"

    def clean_about(self):
        value = self.cleaned_data["about"]
        kind, number = value[:1], value[1:]
        if kind == "s" and number.isdigit() and int(number) in self.schools:
            return self.schools[int(number)], None
        if kind == "p" and number.isdigit() and int(number) in self.children:
            child = self.children[int(number)]
            return self.schools[child.school_id], child
        raise forms.ValidationError(_("Choose who the request is about."))


class RespondForm(forms.Form):
    STATUS_CHOICES = [
        (DataRequest.Status.IN_PROGRESS, _("In progress: we are working on it")),
        (DataRequest.Status.ANSWERED, _("Answered")),
        (DataRequest.Status.REFUSED, _("Refused (say why)")),
    ]
    status = forms.ChoiceField(
        label=_("What happens to the request?"), choices=STATUS_CHOICES, widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=_("Answer for the family"),
        required=False,
        max_length=8000,
        help_text=_("Needed to answer or refuse. The family reads it as you write it."),
        widget=forms.Textarea(attrs=TEXTAREA),
    )
