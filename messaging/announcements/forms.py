"""Forms for the announcement pages: parse and validate input; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.announcements.models import Announcement
from messaging.forms import TEXTAREA, MessageForm, SendLaterField
from messaging.services.messages import MAX_BODY_CHARS


class AnnouncementForm(forms.Form):
    school = forms.TypedChoiceField(label=_("School"), coerce=int, widget=forms.Select(attrs={"class": "govuk-select"}))
    audience = forms.ChoiceField(
        label=_("Who is it for?"),
        choices=Announcement.Audience.choices,
        initial=Announcement.Audience.CLASSES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who it is for.")},
    )
    class_groups = forms.TypedMultipleChoiceField(
        label=_("Classes"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    year_group = forms.ChoiceField(
        label=_("Year group"), required=False, widget=forms.Select(attrs={"class": "govuk-select"})
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
        error_messages={"required": _("Give the announcement a title.")},
    )
    body = forms.CharField(
        label=_("Announcement"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 6}),
        help_text=_("Families read it in their own language: it is machine-translated for them."),
        error_messages={"required": _("Write the announcement.")},
    )
    response = forms.ChoiceField(
        label=_("Do you need a reply?"),
        choices=Announcement.Response.choices,
        initial=Announcement.Response.NONE,
        widget=forms.RadioSelect,
    )
    question = forms.CharField(
        label=_("Question (for a yes or no question, or a question with choices)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
    )
    options = forms.CharField(
        label=_("Choices (for a question with choices)"),
        required=False,
        help_text=_("One choice on each line."),
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )
    urgent = forms.BooleanField(
        label=_("Urgent"),
        required=False,
        help_text=_("Sent straight away by text message and email, even at night. Only for closures and emergencies."),
    )
    attachment = MessageForm.base_fields["attachment"]
    send_at = SendLaterField(label=_("Send later (optional)"), help_text=_("Leave empty to send now."))
    client_key = MessageForm.base_fields["client_key"]

    def __init__(self, *args, schools=(), class_groups=(), year_groups=(), whole_school=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(school.pk, school.name) for school in schools]
        self.fields["class_groups"].choices = [(group.pk, group.name) for group in class_groups]
        self.fields["year_group"].choices = [("", "")] + [(year, year) for year in year_groups]
        if not whole_school:
            # Teachers post to their own classes; the other audiences and urgency are not theirs.
            self.fields["audience"].choices = [(Announcement.Audience.CLASSES, Announcement.Audience.CLASSES.label)]
            del self.fields["urgent"]
            del self.fields["year_group"]

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        if audience == Announcement.Audience.CLASSES and not data.get("class_groups"):
            self.add_error("class_groups", _("Choose at least one class."))
        if audience == Announcement.Audience.YEAR_GROUP and not data.get("year_group"):
            self.add_error("year_group", _("Choose a year group."))
        response = data.get("response")
        if response in (Announcement.Response.YES_NO, Announcement.Response.CHOICE) and not data.get("question"):
            self.add_error("question", _("Write the question families should answer."))
        if response == Announcement.Response.CHOICE:
            options = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
            if len(options) < 2:
                self.add_error("options", _("Give at least two choices, one on each line."))
            data["option_list"] = options
        return data


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"), widget=forms.RadioSelect, error_messages={"required": _("Choose an answer.")}
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].choices = list(choices)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("Write your message.")},
    )
