"""Django admin for featured collections: shown read-only (curating happens on the library's pages,
where the rules and the audit live), scoped to the admin's schools; community collections (no
school) to operators only."""

from django.contrib import admin

from accounts.admin import SchoolScopedAdmin
from resources.models import Collection, CollectionItem


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    extra = 0
    fields = ["position", "resource", "added_by", "added_at"]
    readonly_fields = fields
    ordering = ["position", "pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Collection)
class CollectionAdmin(SchoolScopedAdmin):
    list_display = ["title", "audience", "school", "featured", "curated_by", "updated_at", "deleted_at"]
    list_filter = ["audience", "featured"]
    search_fields = ["title", "introduction"]
    list_select_related = ["school", "curated_by"]
    readonly_fields = [
        "title",
        "introduction",
        "audience",
        "school",
        "featured",
        "curated_by",
        "created_at",
        "updated_at",
        "deleted_at",
    ]
    inlines = [CollectionItemInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
