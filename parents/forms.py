"""Forms of the parents' dashboard: plain HTML forms that work without JavaScript."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parents.models import EMOJI, Mood

ENERGY_CHOICES = [
    ("1", _("1, very low")),
    ("2", _("2")),
    ("3", _("3")),
    ("4", _("4")),
    ("5", _("5, full of energy")),
]


class MoodCheckInForm(forms.Form):
    """One tap: the face pressed is the submit button (its value is the mood); energy, who it is
    about and a note are optional extras above it."""

    energy = forms.ChoiceField(
        label=_("Your energy today"),
        choices=ENERGY_CHOICES,
        initial="3",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your energy from 1 to 5.")},
    )
    about = forms.ChoiceField(label=_("About"), required=False)
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    emoji = forms.ChoiceField(
        label=_("How are you feeling?"),
        choices=Mood.choices,
        error_messages={"required": _("Choose the face that matches how you feel.")},
    )

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.children = {str(child.pk): child for child in children}
        self.fields["about"].choices = [("", _("The whole family"))] + [
            (str(child.pk), child.known_as) for child in children
        ]
        self.faces = [(value, label, EMOJI[value]) for value, label in Mood.choices]

    def clean_about(self):
        value = self.cleaned_data.get("about") or ""
        if value and value not in self.children:
            raise forms.ValidationError(_("Choose one of your children, or the whole family."))
        return self.children.get(value)


class ChildSelectForm(forms.Form):
    """The child selector at the top of every page (its markup: parents/partials/child_selector.html;
    `next` and `tab` are read by the view)."""

    child = forms.ChoiceField(label=_("Child"))

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [(str(child.pk), child.full_name) for child in children]
