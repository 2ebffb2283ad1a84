"""Forms for the learning-record pages: parse and validate input; the services decide what is allowed."""

import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from progress import frameworks
from progress.models import ActivityKind, AwardKind, Competency, Subject
from progress.records import services

INPUT = {"class": "govuk-input"}
SHORT = {"class": "govuk-input govuk-input--width-10"}
SELECT = {"class": "govuk-select"}
TEXTAREA = {"class": "govuk-textarea", "rows": 3}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-20", **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class SubjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class CompetencyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label} ({obj.code})"


class AssessmentForm(forms.Form):
    prefix = "assessment"

    subject = SubjectChoice(
        label=pgettext_lazy("school subject", "Subject"),
        queryset=Subject.objects.none(),
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("Choose a subject.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs=INPUT),
        error_messages={"required": _("Give the assessment a title.")},
    )
    assessed_on = forms.DateField(
        label=_("Date"), widget=DateInput, initial=timezone.localdate, error_messages={"required": _("Give a date.")}
    )
    score = forms.DecimalField(
        label=_("Score"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs=SHORT),
    )
    max_score = forms.DecimalField(
        label=_("Out of"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs=SHORT),
    )
    grade = forms.CharField(label=_("Or a grade"), required=False, max_length=16, widget=forms.TextInput(attrs=SHORT))
    comment = forms.CharField(label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subjects is not None:
            self.fields["subject"].queryset = subjects


class ActivityForm(forms.Form):
    prefix = "activity"

    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, widget=forms.Select(attrs=SELECT))
    subject = SubjectChoice(
        label=pgettext_lazy("school subject", "Subject (optional)"),
        queryset=Subject.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    started_at = forms.DateTimeField(
        label=_("Started"), widget=DateTimeInput, error_messages={"required": _("Give when it started.")}
    )
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=1,
        max_value=720,
        widget=forms.NumberInput(attrs=SHORT),
        error_messages={"required": _("Give how many minutes.")},
    )

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subjects is not None:
            self.fields["subject"].queryset = subjects


class AwardForm(forms.Form):
    prefix = "award"

    kind = forms.ChoiceField(label=_("Kind"), choices=AwardKind.choices, widget=forms.Select(attrs=SELECT))
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs=INPUT),
        error_messages={"required": _("Give the certificate or badge a title.")},
    )
    awarded_on = forms.DateField(
        label=_("Awarded on"),
        widget=DateInput,
        initial=timezone.localdate,
        error_messages={"required": _("Give a date.")},
    )
    description = forms.CharField(
        label=_("What it was for (optional)"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


def level_choices(scales) -> list:
    """Levels grouped by scale, each as "scale:code", highest first."""
    return [
        (
            str(services.scale_label(scale)),
            [
                (f"{scale}:{level.code}", f"{level.label} ({level.code})")
                for level in reversed(frameworks.SCALES[scale])
            ],
        )
        for scale in scales
    ]


class JudgementForm(forms.Form):
    prefix = "judgement"

    competency = CompetencyChoice(
        label=_("Competency"),
        queryset=Competency.objects.none(),
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("Choose a competency.")},
    )
    level = forms.ChoiceField(
        label=_("Level"), widget=forms.Select(attrs=SELECT), error_messages={"required": _("Choose a level.")}
    )
    judged_on = forms.DateField(
        label=_("Date"), widget=DateInput, initial=timezone.localdate, error_messages={"required": _("Give a date.")}
    )
    comment = forms.CharField(label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, competencies=None, scales=(), **kwargs):
        super().__init__(*args, **kwargs)
        if competencies is not None:
            self.fields["competency"].queryset = competencies
        self.fields["level"].choices = [("", ""), *level_choices(scales)]

    def clean_level(self):
        scale, _sep, code = self.cleaned_data["level"].partition(":")
        self.cleaned_data["scale"] = scale
        return code


def new_client_key() -> str:
    return secrets.token_urlsafe(18)


class ObservationForm(forms.Form):
    note = forms.CharField(
        label=_("What did you see?"),
        max_length=services.MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 5}),
        help_text=_("For example: what your child made, said or learned, and what they were proud of."),
        error_messages={"required": _("Write what you saw.")},
    )
    observed_on = forms.DateField(
        label=_("When"), widget=DateInput, initial=timezone.localdate, error_messages={"required": _("Give a date.")}
    )
    file = forms.FileField(
        label=_("Add a photo, a short video or a recording (optional)"),
        required=False,
        help_text=_("A photo up to 5 MB, a video up to 20 MB, a recording up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload"}),
    )

    def clean_observed_on(self):
        observed_on = self.cleaned_data["observed_on"]
        if observed_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return observed_on


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Add to the record")), ("decline", _("Do not add"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to add it to the record.")},
    )
    note = forms.CharField(
        label=_("Note to the family (optional)"),
        required=False,
        max_length=services.MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 2}),
    )

    def __init__(self, *args, observation_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        if observation_id is not None:
            # Unique ids when the queue shows one form per observation.
            self.auto_id = f"review-{observation_id}-%s"
