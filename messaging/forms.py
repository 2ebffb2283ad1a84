"""Forms for messaging pages: parse and validate input; the services decide what is allowed."""

import datetime
import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.services.messages import MAX_BODY_CHARS

TEXTAREA = {"class": "govuk-textarea", "rows": 4}


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-20", **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class SendLaterField(forms.DateTimeField):
    """An optional time in the writer's time zone (the middleware activates it), in the future."""

    widget = LocalDateTimeInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(**kwargs)

    def clean(self, value):
        when = super().clean(value)
        if when is not None and when <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        if when is not None and when > timezone.now() + datetime.timedelta(days=90):
            raise forms.ValidationError(_("Choose a time in the next 90 days."))
        return when


def new_client_key() -> str:
    return secrets.token_urlsafe(18)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("Write your message.")},
    )
    attachment = forms.FileField(
        label=_("Attach a file (optional)"),
        required=False,
        help_text=_("A photo, PDF, office document or voice recording, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload"}),
    )
    send_at = SendLaterField(
        label=_("Send later (optional)"),
        help_text=_("Leave empty to send now. You can change or cancel it until then."),
    )
    template_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=50)
    # A fresh key each time the composer is drawn; the same key posted twice saves one message.
    client_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,64}$", required=False, widget=forms.HiddenInput, initial=new_client_key
    )

    def __init__(self, *args, conversation_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        if conversation_id is not None:
            # Unique ids when a page shows more than one composer (and for the live fragments).
            self.auto_id = f"c{conversation_id}-%s"


class ConversationStartForm(forms.Form):
    recipients = forms.TypedMultipleChoiceField(
        label=_("Who to write to"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "govuk-checkboxes__input"}),
        error_messages={"required": _("Choose who to write to.")},
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=200, widget=forms.TextInput(attrs={"class": "govuk-input"})
    )
    body = MessageForm.base_fields["body"]
    attachment = MessageForm.base_fields["attachment"]
    send_at = MessageForm.base_fields["send_at"]
    client_key = MessageForm.base_fields["client_key"]

    def __init__(self, *args, people=(), choose_people=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [(person.pk, str(person)) for person in people]
        if not choose_people:
            del self.fields["recipients"]


class ScheduledMessageForm(forms.Form):
    body = MessageForm.base_fields["body"]
    send_at = SendLaterField(label=_("Send at"), required=True)


class TemplateFieldsForm(forms.Form):
    """One text box per field of a template ({date} → "Date")."""

    def __init__(self, *args, field_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in field_names:
            self.fields[name] = forms.CharField(
                label=name.replace("_", " ").capitalize(),
                max_length=500,
                widget=forms.TextInput(attrs={"class": "govuk-input"}),
            )


class PupilSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by pupil name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20", "type": "search"}),
    )


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as YYYY-MM-DD whatever the reader's language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d")


class TemplateFillForm(forms.Form):
    """The fields of a template the writer fills in, typed: a date picker for a date, a choice of
    reasons, a text box otherwise; labels in the writer's language (`TemplateField.label`)."""

    def __init__(self, *args, fields=(), **kwargs):
        from messaging.services.templates import Kind

        super().__init__(*args, **kwargs)
        for spec in fields:
            if spec.kind == Kind.DATE:
                field = forms.DateField(
                    label=spec.label,
                    input_formats=["%Y-%m-%d"],
                    widget=DateInput(),
                )
            elif spec.kind == Kind.CHOICE:
                field = forms.ChoiceField(
                    label=spec.label,
                    choices=[("", _("Choose one")), *spec.choices],
                    widget=forms.Select(attrs={"class": "govuk-select"}),
                )
            elif spec.kind == Kind.LONG_TEXT:
                field = forms.CharField(label=spec.label, max_length=500, widget=forms.Textarea(attrs=TEXTAREA))
            else:
                field = forms.CharField(
                    label=spec.label, max_length=500, widget=forms.TextInput(attrs={"class": "govuk-input"})
                )
            self.fields[spec.name] = field


class TranslationPreviewForm(forms.Form):
    """A draft to preview in its readers' languages; nothing is saved."""

    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("Write your message.")},
    )


class TranslationCheckForm(forms.Form):
    """A person's corrected translation of a message."""

    body = forms.CharField(
        label=_("Corrected translation"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 6}),
        error_messages={"required": _("Write the corrected translation.")},
    )


class InboxFilterForm(forms.Form):
    """Search and filters for the inbox, sent as a GET form (bookmarkable, works without JavaScript)."""

    q = forms.CharField(
        label=_("Search"),
        # Message bodies are stored encrypted, so the database cannot search inside them.
        help_text=_("Matches the subject and the pupil’s name, not the text of messages."),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20", "type": "search"}),
    )
    child = forms.TypedChoiceField(
        label=_("Child"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    unread = forms.BooleanField(label=_("Unread only"), required=False)
    needs_reply = forms.BooleanField(label=_("Needs reply"), required=False)

    def __init__(self, *args, pupils=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [("", _("All children"))] + [(pupil.pk, pupil.full_name) for pupil in pupils]
