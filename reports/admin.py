"""Django admin for reports, scoped to the admin's schools (operators see every school).

Reports, batches and exports are made by jobs: shown read-only, so an office can see what was
made and why one failed, never its content (a family's copy may hold what the family did not
share with the school: its figures, summary and PDF are not shown here). What a school sets is
which kinds of report go to families by themselves, and when (`ReportSetting`); every change to
that is audited.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import SchoolScopedAdmin
from reports.models import Export, Report, ReportBatch, ReportKind, ReportSetting

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ReadOnlyMixin:
    """Made by a job: shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    list_display = ["pupil", "kind", "copy", "period_start", "period_end", "status", "created_at", "finished_at"]
    list_filter = ["status", "kind", "copy"]
    search_fields = ["pupil__first_name", "pupil__last_name"]
    list_select_related = ["pupil", "school"]
    date_hierarchy = "created_at"
    fields = [
        "school",
        "pupil",
        "kind",
        "copy",
        "period_start",
        "period_end",
        "language",
        "batch",
        "status",
        "done_steps",
        "total_steps",
        "attempts",
        "failure_reason",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "pdf_pages",
    ]


@admin.register(ReportBatch)
class ReportBatchAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    list_display = ["__str__", "school", "class_group", "kind", "period_start", "period_end", "created_at"]
    list_filter = ["kind"]
    search_fields = ["class_group__name"]
    list_select_related = ["school", "class_group"]
    fields = ["school", "class_group", "kind", "period_start", "period_end", "requested_by", "created_at"]


class ReportSettingForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(
        label=_("day of the week"),
        choices=[("", "---------"), *WEEKDAYS],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For weekly reports."),
    )

    class Meta:
        model = ReportSetting
        fields = ["school", "kind", "send_to_families", "weekday", "day_of_month", "send_on"]
        help_texts = {
            "day_of_month": _("For monthly reports: 1 to 28."),
            "send_on": _("For term summaries, transcripts and portfolios: the date they go."),
        }

    def clean(self):
        data = super().clean()
        if not data.get("send_to_families"):
            return data
        kind = data.get("kind")
        if kind == ReportKind.WEEKLY and data.get("weekday") is None:
            self.add_error("weekday", _("Choose the day of the week weekly reports go."))
        elif kind == ReportKind.MONTHLY:
            day = data.get("day_of_month")
            if day is None or not 1 <= day <= 28:
                self.add_error("day_of_month", _("Enter a day of the month from 1 to 28."))
        elif kind and kind not in (ReportKind.WEEKLY, ReportKind.MONTHLY) and not data.get("send_on"):
            self.add_error("send_on", _("Enter the date these reports go."))
        return data


@admin.register(ReportSetting)
class ReportSettingAdmin(SchoolScopedAdmin):
    form = ReportSettingForm
    list_display = ["kind", "school", "send_to_families", "weekday", "day_of_month", "send_on"]
    list_filter = ["kind", "send_to_families"]
    list_select_related = ["school"]


@admin.register(Export)
class ExportAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    list_display = ["kind", "school", "pupil", "status", "created_at", "expires_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["school", "pupil"]
    date_hierarchy = "created_at"
    fields = [
        "school",
        "kind",
        "pupil",
        "data_request",
        "status",
        "done_steps",
        "total_steps",
        "attempts",
        "failure_reason",
        "size",
        "requested_by",
        "created_at",
        "finished_at",
        "expires_at",
    ]
