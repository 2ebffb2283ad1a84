"""The report forms: parse and check what was chosen; the services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms import new_client_key
from reports.models import ReportKind

SELECT = {"class": "govuk-select"}


class ChildChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class GenerateReportForm(forms.Form):
    """A parent asks for a report about one of their children (those offered are theirs)."""

    pupil = ChildChoice(
        label=_("Child"),
        queryset=None,
        empty_label=_("Choose a child"),
        widget=forms.Select(attrs=SELECT),
        error_messages={
            "required": _("Choose which child the report is about."),
            "invalid_choice": _("Choose which child the report is about."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Kind of report"),
        choices=[("", _("Choose a kind of report")), *ReportKind.choices],
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("Choose a kind of report."), "invalid_choice": _("Choose a kind of report.")},
    )
    # The form's idempotency key: "Generate" pressed twice makes one report.
    client_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = children


class ClassReportsForm(forms.Form):
    """Staff generate the school's copies for the class whose page they are on."""

    kind = forms.ChoiceField(
        label=_("Kind of report"),
        choices=[("", _("Choose a kind of report")), *ReportKind.choices],
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("Choose a kind of report."), "invalid_choice": _("Choose a kind of report.")},
    )
