"""The collection forms: parse what the editor typed or chose; the services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms import new_client_key
from resources.collections.policies import SCHOOL_AUDIENCES, audiences_for
from resources.models import Audience

TEXT = {"class": "govuk-input"}
AREA = {"class": "govuk-textarea", "rows": 5}


class CollectionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": _("Enter a title.")},
    )
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=3000,
        help_text=_("A few sentences on who the collection is for and how to use it."),
        widget=forms.Textarea(attrs=AREA),
    )
    audience = forms.ChoiceField(
        label=_("Who is it for?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who the collection is for."),
            "invalid_choice": _("Choose who the collection is for."),
        },
    )
    featured = forms.BooleanField(label=_("Feature it at the top of the library"), required=False, initial=True)

    def __init__(self, *args, audiences, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [(value, label) for value, label in Audience.choices if value in audiences]


class SchoolChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class NewCollectionForm(CollectionForm):
    """A new collection: for a school the editor curates (its staff or families), or, for platform
    staff, the community."""

    school = SchoolChoice(
        label=_("School"),
        queryset=None,
        required=False,
        empty_label=None,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    # The form's idempotency key: the same form sent twice makes one collection.
    client_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )

    field_order = ["title", "introduction", "audience", "school", "featured"]

    def __init__(self, *args, schools, community: bool, **kwargs):
        has_schools = schools.exists()
        audiences = list(SCHOOL_AUDIENCES) if has_schools else []
        if community:
            audiences += audiences_for(school_id=None)
        super().__init__(*args, audiences=audiences, **kwargs)
        if has_schools:
            self.fields["school"].queryset = schools
        else:
            del self.fields["school"]

    def clean(self):
        data = super().clean()
        if data.get("audience") == Audience.COMMUNITY:
            data["school"] = None
        elif data.get("audience") and not data.get("school"):
            self.add_error("school" if "school" in self.fields else "audience", _("Choose the school."))
        return data


class AddItemForm(forms.Form):
    resource = forms.IntegerField(widget=forms.HiddenInput)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
