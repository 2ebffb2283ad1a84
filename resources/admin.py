"""Django admin for the resource library, scoped to the admin's schools (operators see every
school). Resources are written on the library's pages (sanitised, versioned, audited): admin shows
them and lets an office take down (soft delete is the library's own, audited); the tags and the
school's partner list are kept here."""

from django.contrib import admin

from accounts.admin import SchoolScopedAdmin
from resources.models import (
    Collection,
    CollectionItem,
    Partnership,
    Resource,
    ResourceGrant,
    ResourceUse,
    ResourceVersion,
    Review,
    ShareApproval,
    StrategyFeedback,
    StrategySuggestion,
    Tag,
)


class ReadOnlyMixin:
    """Written on the library's pages, where the rules live: shown here, never edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Partnership)
class PartnershipAdmin(SchoolScopedAdmin):
    list_display = ["school", "partner", "created_at"]
    autocomplete_fields = ["school", "partner"]
    readonly_fields = ["created_at"]


@admin.register(Resource)
class ResourceAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    list_display = ["title", "kind", "school", "author", "visibility", "status", "published_to_families", "updated_at"]
    list_filter = ["kind", "visibility", "status", "published_to_families", "sensitive", "from_family"]
    search_fields = ["title", "description"]
    list_select_related = ["school", "author"]
    date_hierarchy = "updated_at"
    exclude = ["search_vector"]


@admin.register(ResourceVersion)
class ResourceVersionAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "resource__school"
    list_display = ["resource", "number", "original_name", "content_type", "size", "created_at"]
    list_select_related = ["resource"]
    exclude = ["file"]


@admin.register(ResourceGrant)
class ResourceGrantAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "resource__school"
    list_display = ["resource", "user", "school", "role", "expires_at", "granted_by"]
    list_select_related = ["resource", "user", "school", "granted_by"]


@admin.register(ShareApproval)
class ShareApprovalAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "resource__school"
    list_display = ["resource", "visibility", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["resource", "requested_by", "decided_by"]


@admin.register(StrategyFeedback)
class StrategyFeedbackAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "resource__school"
    list_display = ["resource", "outcome", "duration", "updated_at"]
    list_filter = ["outcome"]
    exclude = ["family", "pupil"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "resource__school"
    list_display = ["resource", "stars", "updated_at"]
    list_select_related = ["resource"]


@admin.register(ResourceUse)
class ResourceUseAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "resource__school"
    list_display = ["resource", "school", "kind", "day", "count"]
    list_filter = ["kind"]
    list_select_related = ["resource", "school"]


@admin.register(StrategySuggestion)
class StrategySuggestionAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "resource__school"
    list_display = ["resource", "show_name", "decided_by", "decided_at"]
    list_select_related = ["resource", "decided_by"]
    # The reason is for the family; the decision itself is in the audit log.
    exclude = ["decline_reason"]


class CollectionItemInline(ReadOnlyMixin, admin.TabularInline):
    model = CollectionItem
    extra = 0
    fields = ["position", "resource", "added_by", "added_at"]
    ordering = ["position", "pk"]


@admin.register(Collection)
class CollectionAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    """Curated on the library's pages (the rules and the audit live there); community collections
    (no school) are seen by operators only."""

    list_display = ["title", "audience", "school", "featured", "curated_by", "updated_at", "deleted_at"]
    list_filter = ["audience", "featured"]
    search_fields = ["title", "introduction"]
    list_select_related = ["school", "curated_by"]
    inlines = [CollectionItemInline]
