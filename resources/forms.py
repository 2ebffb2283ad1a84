"""The library's forms: parse and check what was typed or chosen; the services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from resources.models import Duration, Kind, Licence, Outcome, Tag, Visibility

TEXT = {"class": "govuk-input"}
SELECT = {"class": "govuk-select"}
AREA = {"class": "govuk-textarea", "rows": 8}


class TagChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class ResourceForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": _("Enter a title.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of resource"),
        choices=[("", _("Choose a kind")), *Kind.choices],
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("Choose a kind of resource."), "invalid_choice": _("Choose a kind of resource.")},
    )
    description = forms.CharField(
        label=_("Short description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**AREA, "rows": 3}),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=50000,
        help_text=_("Paragraphs, lists, headings and links are kept; anything else is removed."),
        widget=forms.Textarea(attrs=AREA),
    )
    link_url = forms.URLField(
        label=_("Link"),
        required=False,
        help_text=_("A video or page elsewhere, starting https://"),
        assume_scheme="https",
        widget=forms.URLInput(attrs=TEXT),
        error_messages={"invalid": _("Enter a link that starts with https://")},
    )
    link_captioned = forms.BooleanField(
        label=_("The linked video has captions"),
        required=False,
        help_text=_("Tick only if you have checked that the captions are there and match what is said."),
    )
    tags = TagChoice(
        label=_("Tags"),
        queryset=Tag.objects.none(),
        required=False,
        help_text=_("Hold Ctrl (or Cmd) to choose more than one."),
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 8}),
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices, widget=forms.Select(attrs=SELECT))
    attribution = forms.CharField(
        label=_("Attribution"),
        required=False,
        max_length=300,
        help_text=_("Who made it, as they should be credited. Leave empty to credit yourself."),
        widget=forms.TextInput(attrs=TEXT),
    )
    sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_("A school leader approves before it is shared beyond your school."),
    )

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        # The tags on resources the person can see (a tag another school made may name it).
        self.fields["tags"].queryset = tags


class NewResourceForm(ResourceForm):
    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=None,
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("Choose your school."), "invalid_choice": _("Choose your school.")},
    )
    file = forms.FileField(label=_("File (optional)"), required=False)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if schools.count() == 1:
            self.fields["school"].initial = schools.first().pk
            self.fields["school"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if not (data.get("body") or data.get("link_url") or data.get("file")) and not self.errors:
            raise forms.ValidationError(_("Add some text, a link or a file."))
        return data


class VersionForm(forms.Form):
    file = forms.FileField(label=_("File"), error_messages={"required": _("Choose the file of the new version.")})
    change_note = forms.CharField(
        label=_("What changed"),
        max_length=500,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": _("Say what changed in this version.")},
    )


class ShareForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Visibility.choices,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        error_messages={"required": _("Choose who can see it.")},
    )
    published_to_families = forms.BooleanField(
        label=_("Publish to families"),
        required=False,
        help_text=_("Families of the school see it in their library (and families anywhere, if it is open)."),
    )


class GrantForm(forms.Form):
    email = forms.EmailField(
        label=_("A person's email address"),
        required=False,
        widget=forms.EmailInput(attrs=TEXT),
        error_messages={"invalid": _("Enter an email address like name@example.org")},
    )
    role = forms.ChoiceField(
        label=_("Or everyone with this role"),
        required=False,
        choices=[("", _("No role")), *Role.choices],
        widget=forms.Select(attrs=SELECT),
    )
    school = forms.ModelChoiceField(
        label=_("At this school"), required=False, queryset=None, widget=forms.Select(attrs=SELECT)
    )
    expires_on = forms.DateField(
        label=_("Until (optional)"),
        required=False,
        help_text=_("The last day they can see it, for example 31/12/2026."),
        widget=forms.DateInput(attrs={**TEXT, "type": "date"}),
        error_messages={"invalid": _("Enter a real date.")},
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean(self):
        data = super().clean()
        has_person = bool(data.get("email"))
        has_role = bool(data.get("role") and data.get("school"))
        if has_person == has_role and not self.errors:
            raise forms.ValidationError(_("Give a person's email address, or a role and a school."))
        return data


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        error_messages={"required": _("Choose from 1 to 5 stars."), "invalid_choice": _("Choose from 1 to 5 stars.")},
    )
    text = forms.CharField(
        label=_("Your review (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**AREA, "rows": 3}),
    )


class ChildChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class FeedbackForm(forms.Form):
    pupil = ChildChoice(
        label=_("Which child (optional)"),
        required=False,
        queryset=None,
        empty_label=_("Not about one child"),
        widget=forms.Select(attrs=SELECT),
    )
    duration = forms.ChoiceField(
        label=_("How long did you try it?"),
        choices=Duration.choices,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        error_messages={"required": _("Say how long you tried it.")},
    )
    outcome = forms.ChoiceField(
        label=_("Did it help?"),
        choices=Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        error_messages={"required": _("Say whether it helped.")},
    )
    comment = forms.CharField(
        label=_("Anything to add (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**AREA, "rows": 4}),
    )

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = children


class SuggestionForm(forms.Form):
    """A family's home strategy for the school to check."""

    school = forms.ModelChoiceField(
        label=_("Which school is it for?"),
        queryset=None,
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("Choose the school."), "invalid_choice": _("Choose the school.")},
    )
    title = forms.CharField(
        label=_("Give it a short name"),
        max_length=200,
        help_text=_("For example: Counting stairs on the way to bed."),
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": _("Give your strategy a short name.")},
    )
    body = forms.CharField(
        label=_("What to do"),
        max_length=20000,
        help_text=_("Say what you do, when, and what helps. Paragraphs, lists and links are kept."),
        widget=forms.Textarea(attrs=AREA),
        error_messages={"required": _("Say what to do.")},
    )
    needs = forms.ModelMultipleChoiceField(
        label=_("What does it help with? (optional)"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "govuk-checkboxes__input"}),
        error_messages={"invalid_choice": _("Choose from the list.")},
    )
    link_url = forms.URLField(
        label=_("Link to a video or recording (optional)"),
        required=False,
        help_text=_("A video or audio elsewhere, starting https://"),
        assume_scheme="https",
        widget=forms.URLInput(attrs=TEXT),
        error_messages={"invalid": _("Enter a link that starts with https://")},
    )
    show_name = forms.BooleanField(
        label=_("Show my name with it"),
        required=False,
        help_text=_("Otherwise other families see it as from “a parent at” the school."),
    )

    def __init__(self, *args, schools, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["needs"].queryset = needs
        if schools.count() == 1:
            self.fields["school"].initial = schools.first().pk
            self.fields["school"].widget = forms.HiddenInput()


class DecisionForm(forms.Form):
    """A moderator's decision on a family's suggestion."""

    decision = forms.ChoiceField(
        label=_("Publish it to the school's families?"),
        choices=[("approve", _("Yes, publish it")), ("decline", _("No, decline it"))],
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        error_messages={
            "required": _("Choose whether to publish it."),
            "invalid_choice": _("Choose whether to publish it."),
        },
    )
    reason = forms.CharField(
        label=_("If you decline it, why?"),
        required=False,
        max_length=2000,
        help_text=_("The parent reads this, and nobody else."),
        widget=forms.Textarea(attrs={**AREA, "rows": 4}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why it cannot be published: the parent reads it."))
        return data
