from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import NotificationPreference
from messaging.notifications import delivery
from messaging.notifications.kinds import NotificationKind
from messaging.notifications.selectors import NotificationSettings

Channel = NotificationPreference.Channel
Frequency = NotificationPreference.Frequency

SAME_AS_ALL = ""


@dataclass(frozen=True)
class Row:
    kind: str
    label: str
    cells: list  # bound fields, one per channel, in Channel order


def _field_name(kind: str, channel: str, pupil_id: int | None = None) -> str:
    return f"{kind}-{channel}" if pupil_id is None else f"{kind}-{channel}-{pupil_id}"


class NotificationSettingsForm(forms.Form):
    """Every channel choice (kinds × channels, then per child) and quiet hours, saved together."""

    quiet_enabled = forms.BooleanField(
        label=_("Use quiet hours"),
        required=False,
        help_text=_("No emails or text messages in this period, except urgent school alerts."),
    )
    quiet_start = forms.TimeField(
        label=_("Quiet from"),
        required=False,
        help_text=_("On the 24-hour clock, like 21:00."),
        widget=forms.TimeInput(format="%H:%M", attrs={"class": "govuk-input govuk-input--width-5"}),
    )
    quiet_end = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        help_text=_("On the 24-hour clock, like 07:00."),
        widget=forms.TimeInput(format="%H:%M", attrs={"class": "govuk-input govuk-input--width-5"}),
    )

    def __init__(self, *args, current: NotificationSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = current.children
        self.kinds: list[NotificationKind] = current.kinds
        # Per child: only kinds about a child (their app says so; account notices are about the person).
        self.per_child_kinds = [kind for kind in self.kinds if kind.per_child]
        preferences = current.preferences
        select = {"class": "govuk-select"}
        for kind in self.kinds:
            for channel in Channel:
                self.fields[_field_name(kind.name, channel)] = forms.ChoiceField(
                    label=_("%(kind)s: %(channel)s") % {"kind": kind.label, "channel": channel.label},
                    choices=Frequency.choices,
                    initial=delivery.frequency_for(preferences, kind=kind.name, channel=channel, pupil_id=None),
                    widget=forms.Select(attrs=select),
                )
        for child in self.children:
            for kind in self.per_child_kinds:
                for channel in Channel:
                    self.fields[_field_name(kind.name, channel, child.pk)] = forms.ChoiceField(
                        label=_("%(child)s, %(kind)s: %(channel)s")
                        % {"child": child.known_as, "kind": kind.label, "channel": channel.label},
                        choices=[(SAME_AS_ALL, _("Same as for all children")), *Frequency.choices],
                        required=False,
                        initial=preferences.get((kind.name, channel, child.pk), SAME_AS_ALL),
                        widget=forms.Select(attrs=select),
                    )
        quiet = current.quiet_hours
        self.fields["quiet_enabled"].initial = quiet is not None
        self.fields["quiet_start"].initial = quiet.start if quiet else "21:00"
        self.fields["quiet_end"].initial = quiet.end if quiet else "07:00"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("quiet_enabled"):
            start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
            if start is None and "quiet_start" not in self.errors:
                self.add_error("quiet_start", _("Enter the time quiet hours start, like 21:00."))
            if end is None and "quiet_end" not in self.errors:
                self.add_error("quiet_end", _("Enter the time quiet hours end, like 07:00."))
            if start is not None and start == end:
                self.add_error("quiet_end", _("Quiet hours must start and end at different times."))
        return cleaned

    # What the page shows ----------------------------------------------------------------------

    def rows(self) -> list[Row]:
        return [
            Row(kind=kind.name, label=kind.label, cells=[self[_field_name(kind.name, channel)] for channel in Channel])
            for kind in self.kinds
        ]

    def child_sections(self) -> list[dict]:
        """Per child: its rows, and whether to show them open (a choice made, or an error)."""
        sections = []
        for child in self.children:
            rows = [
                Row(
                    kind=kind.name,
                    label=kind.label,
                    cells=[self[_field_name(kind.name, channel, child.pk)] for channel in Channel],
                )
                for kind in self.per_child_kinds
            ]
            cells = [cell for row in rows for cell in row.cells]
            sections.append({"child": child, "rows": rows, "open": any(cell.errors or cell.value() for cell in cells)})
        return sections

    def quiet_fields(self) -> list:
        return [self["quiet_enabled"], self["quiet_start"], self["quiet_end"]]

    # What the service gets ----------------------------------------------------------------------

    def choices(self) -> dict[tuple[str, str, int | None], str | None]:
        choices: dict[tuple[str, str, int | None], str | None] = {}
        for kind in self.kinds:
            for channel in Channel:
                choices[(kind.name, str(channel), None)] = self.cleaned_data[_field_name(kind.name, channel)]
        for child in self.children:
            for kind in self.per_child_kinds:
                for channel in Channel:
                    value = self.cleaned_data.get(_field_name(kind.name, channel, child.pk)) or None
                    choices[(kind.name, str(channel), child.pk)] = value
        return choices
