"""Django admin for hub's tables: the outbox, read-only and for superusers (operators)."""

from django.contrib import admin

from hub.models import OutboxEntry


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    """What the workers still owe, and what they gave up on. Read-only: retry with
    `manage.py outbox --retry-failed`, which gives an entry a fresh set of attempts."""

    list_display = ["id", "effect", "status", "attempts", "content_type", "object_id", "queue", "created_at", "done_at"]
    list_filter = ["status", "effect", "queue"]
    search_fields = ["effect", "dedupe_key", "last_error"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    list_select_related = ["content_type"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
