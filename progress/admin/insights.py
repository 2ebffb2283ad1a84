"""Admin for insights: computed from the records, so read-only here (a school admin sees their
school's, for support questions: which alert, raised when, with which numbers, read by whom)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import SchoolScopedAdmin, ScopedInline
from progress.models import Insight, InsightSeen


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The nightly refresh resolves insights; operators keep deletion for erasure requests.
        return request.user.is_superuser


class InsightSeenInline(ReadOnlyMixin, ScopedInline):
    model = InsightSeen
    school_path = "insight__pupil__school"
    extra = 0
    fields = ["user", "read_at", "dismissed_at"]
    readonly_fields = fields
    verbose_name_plural = _("read by")


@admin.register(Insight)
class InsightAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = ["pupil", "rule", "severity", "raised_at", "resolved_at"]
    list_filter = ["rule", "severity", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["pupil__first_name", "pupil__last_name", "key"]
    list_select_related = ["pupil"]
    date_hierarchy = "raised_at"
    fields = ["pupil", "rule", "severity", "key", "numbers", "raised_at", "resolved_at"]
    readonly_fields = fields
    inlines = [InsightSeenInline]


@admin.register(InsightSeen)
class InsightSeenAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "insight__pupil__school"
    list_display = ["insight", "user", "read_at", "dismissed_at"]
    list_filter = [("dismissed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "insight__key"]
    list_select_related = ["insight", "user"]
    fields = ["insight", "user", "read_at", "dismissed_at"]
    readonly_fields = fields
