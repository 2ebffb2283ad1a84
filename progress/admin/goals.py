"""Django admin for shared goals, celebrations and portfolios, scoped to the admin's schools.

A school admin words the school's celebration cards (one template per kind of milestone, with
`{pupil}` and `{milestone}` filled in). What families and staff wrote (goals, updates, the pupil's
voice, notes, portfolio items) is read here, never rewritten: people change it on the pages, where
access is checked; files are served only through those pages. Every change made here is audited.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import SchoolScopedAdmin
from progress.models import (
    Celebration,
    CelebrationNote,
    CelebrationTemplate,
    Goal,
    GoalUpdate,
    Milestone,
    PortfolioItem,
    PupilVoice,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CelebrationTemplate)
class CelebrationTemplateAdmin(SchoolScopedAdmin):
    list_display = ["kind", "heading", "school"]
    list_filter = ["kind", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["heading", "body"]
    list_select_related = ["school"]
    fieldsets = [
        (
            None,
            {
                "fields": ["school", "kind", "heading", "body"],
                "description": _("Write {pupil} for the pupil's name and {milestone} for what they achieved."),
            },
        )
    ]


@admin.register(Goal)
class GoalAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = ["title", "pupil", "category", "owner", "status", "target_date", "created_by", "deleted_at"]
    list_filter = ["status", "category", "owner", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["pupil", "created_by"]
    date_hierarchy = "created_at"


@admin.register(GoalUpdate)
class GoalUpdateAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = ["goal", "side", "author", "progress", "content_type", "created_at"]
    list_filter = ["side", "content_type"]
    search_fields = ["goal__title", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["goal", "author"]
    exclude = ["file"]


@admin.register(PupilVoice)
class PupilVoiceAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = ["pupil", "written_by", "written_by_pupil", "created_at"]
    list_filter = ["written_by_pupil"]
    search_fields = ["pupil__first_name", "pupil__last_name"]
    list_select_related = ["pupil", "written_by"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = ["title", "pupil", "kind", "happened_on", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["pupil"]


@admin.register(Celebration)
class CelebrationAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = ["pupil", "heading", "milestone", "created_at"]
    search_fields = ["heading", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["pupil", "milestone"]


@admin.register(CelebrationNote)
class CelebrationNoteAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "celebration__pupil__school"
    list_display = ["celebration", "author", "created_at", "deleted_at"]
    list_select_related = ["celebration", "author"]


@admin.register(PortfolioItem)
class PortfolioItemAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = ["title", "pupil", "kind", "visibility", "status", "added_by", "reviewed_by", "created_at"]
    list_filter = ["kind", "visibility", "status", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["pupil", "added_by", "reviewed_by"]
    exclude = ["file"]
