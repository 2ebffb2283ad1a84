"""Forms of the family pages: parse and validate; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Pupil
from accounts.models.family import Scope
from accounts.models.people import Relationship

INPUT = {"class": "govuk-input", "autocomplete": "email", "spellcheck": "false"}


def _scopes_field(label):
    return forms.MultipleChoiceField(
        label=label, choices=Scope.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class InviteForm(forms.Form):
    """Who, how they are related, and per child what they may see (a child left empty is not offered)."""

    email = forms.EmailField(label=_("Their email address"), widget=forms.EmailInput(attrs=INPUT))
    relationship = forms.ChoiceField(
        label=_("How are they related to your children?"), choices=Relationship.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, children: list[Pupil], **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        for child in children:
            self.fields[f"child_{child.pk}"] = _scopes_field(
                _("What may they see about %(name)s?") % {"name": child.full_name}
            )

    def scope_fields(self):
        return [self[f"child_{child.pk}"] for child in self.children]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"child_{child.pk}") for child in self.children):
            raise forms.ValidationError(_("Choose at least one child and what they may see."))
        return data

    def scopes(self) -> dict[int, list[str]]:
        return {child.pk: self.cleaned_data.get(f"child_{child.pk}") or [] for child in self.children}


class ScopesForm(forms.Form):
    scopes = _scopes_field(_("What may they see?"))
