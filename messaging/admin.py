"""Django admin for messaging: school admins see and edit their own school's settings (contact
hours), safeguarding phrases, templates and glossary (the demo's "School admins" group holds
exactly these permissions here); another school's row answers 404. Conversations, messages and
their traces are read-only (never deleted). Message bodies are not shown here: people read messages in the conversation, where access is
checked and audited. Per-person notification rows are for operators only.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import SchoolScopedAdmin, ScopedObjectMixin
from messaging.models import (
    Announcement,
    AnnouncementAttachment,
    AnnouncementReceipt,
    Attachment,
    Conversation,
    GlossaryTerm,
    Message,
    MessageRead,
    MessageTemplate,
    MessagingSettings,
    Notification,
    NotificationPreference,
    Participant,
    QuietHours,
    SafeguardingAlert,
    SafeguardingPhrase,
    StoredTranslation,
)
from messaging.services import templates as message_templates


class ReadOnlyMixin:
    """Rows that record what happened: viewable, never added, changed or deleted in admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ParticipantInline(ReadOnlyMixin, admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["user", "joined_at", "left_at", "last_read_message"]
    readonly_fields = fields


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    list_display = ["subject", "kind", "school", "pupil", "created_by", "last_message_at", "closed_at"]
    list_filter = ["kind", ("school", admin.RelatedOnlyFieldListFilter), ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "pupil__first_name", "pupil__last_name", "created_by__display_name"]
    list_select_related = ["school", "pupil", "created_by"]
    date_hierarchy = "created_at"
    inlines = [ParticipantInline]


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "conversation__school"
    list_display = ["user", "conversation", "joined_at", "left_at"]
    search_fields = ["user__display_name", "user__email", "conversation__subject"]
    list_select_related = ["user", "conversation"]


@admin.register(Message)
class MessageAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "conversation__school"
    list_display = ["pk", "conversation", "sender", "status", "language", "sent_at", "send_at", "retracted_at"]
    list_filter = ["status", "language", ("retracted_at", admin.EmptyFieldListFilter)]
    search_fields = ["conversation__subject", "sender__display_name", "sender__email"]
    list_select_related = ["conversation", "sender"]
    exclude = ["body"]
    date_hierarchy = "created_at"


@admin.register(MessageRead)
class MessageReadAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "message__conversation__school"
    list_display = ["message", "user", "read_at"]
    search_fields = ["user__display_name", "user__email"]
    list_select_related = ["message", "user"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "message__conversation__school"
    list_display = ["original_name", "content_type", "size", "message", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name"]
    exclude = ["file"]


@admin.register(StoredTranslation)
class StoredTranslationAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    """Which translations are stored, by which engine and glossary; never their text. Scoped by
    the school whose glossary was applied: rows of no school are for operators only."""

    list_display = [
        "content_type",
        "object_id",
        "field",
        "source_language",
        "language",
        "engine",
        "glossary_version",
        "created_at",
    ]
    list_filter = ["content_type", "field", "language", "engine"]
    list_select_related = ["content_type"]
    exclude = ["body"]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(SchoolScopedAdmin):
    list_display = ["term", "language", "translation", "school"]
    list_filter = ["language", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["term", "translation"]


@admin.action(description=_("Add the built-in message templates to these schools"))
def copy_built_in_templates(modeladmin, request, queryset):
    made = sum(
        message_templates.templates_copy_built_in(actor=request.user, school=row.school)
        for row in queryset.select_related("school")
    )
    modeladmin.message_user(
        request,
        ngettext("%(count)d template added.", "%(count)d templates added.", made) % {"count": made},
        messages.SUCCESS,
    )


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(SchoolScopedAdmin):
    list_display = ["school", "contact_days", "contact_start", "contact_end", "retract_window_minutes"]
    actions = [copy_built_in_templates]

    def has_delete_permission(self, request, obj=None):
        # A school's contact hours are changed, never removed (messaging would fall back to defaults).
        return request.user.is_superuser


@admin.register(SafeguardingPhrase)
class SafeguardingPhraseAdmin(SchoolScopedAdmin):
    list_display = ["phrase", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["phrase"]


@admin.register(SafeguardingAlert)
class SafeguardingAlertAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    list_display = ["pk", "school", "created_at", "reviewed_at", "reviewed_by"]
    list_filter = [("reviewed_at", admin.EmptyFieldListFilter), ("school", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["school", "reviewed_by"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SchoolScopedAdmin):
    list_display = ["title", "purpose", "school", "for_guardians", "for_staff", "is_active"]
    list_filter = ["purpose", "is_active", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "body"]


class OperatorOnlyAdmin(ScopedObjectMixin, ReadOnlyMixin, admin.ModelAdmin):
    """One person's notifications and choices: operators only (support cases), read-only."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Notification)
class NotificationAdmin(OperatorOnlyAdmin):
    list_display = ["title", "user", "kind", "urgent", "created_at", "read_at", "emailed_at", "texted_at"]
    list_filter = ["kind", "urgent"]
    search_fields = ["user__email", "title"]
    exclude = ["body"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(OperatorOnlyAdmin):
    list_display = ["user", "kind", "channel", "pupil", "frequency"]
    list_filter = ["kind", "channel", "frequency"]


@admin.register(QuietHours)
class QuietHoursAdmin(OperatorOnlyAdmin):
    list_display = ["user", "start", "end"]


# --- announcements: posted and followed up on their pages; read-only here --------------------


class AnnouncementAttachmentInline(ReadOnlyMixin, admin.TabularInline):
    model = AnnouncementAttachment
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_at"]
    readonly_fields = fields


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    list_display = ["title", "school", "author", "audience", "urgent", "response", "status", "sent_at", "send_at"]
    list_filter = ["status", "audience", "urgent", "response", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "author__display_name", "year_group"]
    list_select_related = ["school", "author"]
    exclude = ["body"]
    date_hierarchy = "created_at"
    inlines = [AnnouncementAttachmentInline]


@admin.register(AnnouncementReceipt)
class AnnouncementReceiptAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "announcement__school"
    list_display = ["announcement", "guardian", "delivered_at", "read_at", "answered_at", "reminded_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), ("answered_at", admin.EmptyFieldListFilter)]
    search_fields = ["announcement__title", "guardian__display_name", "guardian__email"]
    list_select_related = ["announcement", "guardian"]
