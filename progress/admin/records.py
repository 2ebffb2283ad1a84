"""Admin for learning records: a school admin sees and corrects only their own school's subjects,
competencies and pupils' records; operators see all. What people wrote is never deleted here: the
"Remove" action marks rows deleted (as the pages do), with an audit entry for each. Observations
from home are reviewed on the staff pages (which tell the family), so here they are read-only and
their files are not shown (they are served only through the access-checked view)."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import audit
from accounts.admin import SchoolScopedAdmin, administered_school_ids
from progress.models import (
    ActivitySession,
    Assessment,
    Award,
    Competency,
    CompetencyJudgement,
    Observation,
    Subject,
)
from progress.records import services

AUDIT_FIELDS = ["recorded_by", "created_at", "deleted_at"]


class ScopedRecordsChoicesMixin:
    """Subject and competency drop-downs offer only the admin's schools' own (and built-in ones)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            schools = administered_school_ids(request.user)
            if db_field.related_model is Subject:
                kwargs["queryset"] = Subject.objects.filter(school__in=schools)
            elif db_field.related_model is Competency:
                kwargs["queryset"] = Competency.objects.filter(school__isnull=True) | Competency.objects.filter(
                    school__in=schools
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.action(description=_("Remove the selected records (kept, marked deleted)"))
def soft_delete_selected(modeladmin, request, queryset):
    removed = 0
    for record in queryset.filter(deleted_at__isnull=True):
        record.deleted_at = timezone.now()
        record.save(update_fields=["deleted_at"])
        audit.record(actor=request.user, action=f"{record._meta.model_name}.deleted_in_admin", target=record)
        removed += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d record removed.", "%(count)d records removed.", removed) % {"count": removed},
        messages.SUCCESS,
    )


class RecordAdmin(ScopedRecordsChoicesMixin, SchoolScopedAdmin):
    """A pupil's record: scoped by the pupil's school; corrected, never hard-deleted."""

    school_path = "pupil__school"
    readonly_fields = AUDIT_FIELDS
    actions = [soft_delete_selected]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["pupil__first_name", "pupil__last_name", "pupil__upn"]
    autocomplete_fields = ["pupil"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            actions.pop("soft_delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "recorded_by_id") and obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Subject)
class SubjectAdmin(SchoolScopedAdmin):
    list_display = ["name", "school", "position"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    list_select_related = ["school"]


class CompetencyAdminForm(forms.ModelForm):
    class Meta:
        model = Competency
        fields = ["school", "framework", "kind", "code", "name", "subject", "position"]

    def clean(self):
        data = super().clean()
        school, subject = data.get("school"), data.get("subject")
        if school is not None and data.get("framework") and data["framework"] != school.curriculum:
            raise forms.ValidationError(_("Choose the school's own curriculum framework."))
        if subject is not None and (school is None or subject.school_id != school.pk):
            raise forms.ValidationError(_("Choose a subject of the same school."))
        if data.get("code"):
            data["code"] = data["code"].strip().upper()
        return data


@admin.register(Competency)
class CompetencyAdmin(ScopedRecordsChoicesMixin, SchoolScopedAdmin):
    """A school's own competencies (subject strands); the built-in ones are for operators."""

    form = CompetencyAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not request.user.is_superuser and "school" in form.base_fields:
            form.base_fields["school"].required = True  # a school admin's are their school's
        return form

    list_display = ["code", "name", "framework", "kind", "school", "subject", "position"]
    list_filter = ["framework", "kind", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]
    list_select_related = ["school", "subject"]


@admin.register(Assessment)
class AssessmentAdmin(RecordAdmin):
    list_display = ["title", "pupil", "subject", "assessed_on", "score", "max_score", "grade", "deleted_at"]
    list_filter = [("subject", admin.RelatedOnlyFieldListFilter), *RecordAdmin.list_filter]
    search_fields = ["title", *RecordAdmin.search_fields]
    list_select_related = ["pupil", "subject"]
    date_hierarchy = "assessed_on"


@admin.register(ActivitySession)
class ActivitySessionAdmin(RecordAdmin):
    list_display = ["pupil", "kind", "subject", "started_at", "minutes", "deleted_at"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    list_select_related = ["pupil", "subject"]
    date_hierarchy = "started_at"


@admin.register(Award)
class AwardAdmin(RecordAdmin):
    list_display = ["title", "kind", "pupil", "awarded_on", "deleted_at"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    search_fields = ["title", *RecordAdmin.search_fields]
    readonly_fields = ["awarded_by", "created_at", "deleted_at"]
    list_select_related = ["pupil"]
    date_hierarchy = "awarded_on"

    def save_model(self, request, obj, form, change):
        if not change and obj.awarded_by_id is None:
            obj.awarded_by = request.user
        super().save_model(request, obj, form, change)


class JudgementAdminForm(forms.ModelForm):
    class Meta:
        model = CompetencyJudgement
        fields = ["pupil", "competency", "scale", "level", "judged_on", "comment"]

    def clean(self):
        data = super().clean()
        pupil, competency = data.get("pupil"), data.get("competency")
        if pupil and competency and data.get("scale"):
            level = (data.get("level") or "").strip().upper()
            problem = services.judgement_problem(pupil=pupil, competency=competency, scale=data["scale"], level=level)
            if problem:
                raise forms.ValidationError(problem[:1].upper() + problem[1:])
            data["level"] = level
        return data


@admin.register(CompetencyJudgement)
class CompetencyJudgementAdmin(RecordAdmin):
    form = JudgementAdminForm
    list_display = ["pupil", "competency", "scale", "level", "judged_on", "deleted_at"]
    list_filter = ["scale", "level", *RecordAdmin.list_filter]
    search_fields = ["competency__code", "competency__name", *RecordAdmin.search_fields]
    list_select_related = ["pupil", "competency"]
    date_hierarchy = "judged_on"


@admin.register(Observation)
class ObservationAdmin(SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = ["pupil", "author", "observed_on", "media", "status", "reviewed_by", "reviewed_at", "deleted_at"]
    list_filter = ["status", "media", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["pupil__first_name", "pupil__last_name", "author__display_name", "author__email"]
    list_select_related = ["pupil", "author", "reviewed_by"]
    exclude = ["file"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
