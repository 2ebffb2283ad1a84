"""Django admin for school admins (their own school only) and operators (superusers, everything)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_email.models import EmailDevice

from accounts import audit
from accounts.models import (
    AuditEntry,
    BackupCodeDevice,
    ClassGroup,
    Department,
    Guardianship,
    LoginAttempt,
    Membership,
    Pupil,
    Role,
    School,
    SMSDevice,
    TOTPDevice,
    User,
)


def administered_school_ids(user) -> list[int]:
    return list(
        Membership.objects.filter(user=user, role=Role.SCHOOL_ADMIN, is_active=True).values_list("school_id", flat=True)
    )


class ScopedChoicesMixin:
    """Drop-downs offer only the school admin's own schools, pupils, staff and families."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            schools = administered_school_ids(request.user)
            related = db_field.related_model
            if related is School:
                kwargs["queryset"] = School.objects.filter(pk__in=schools)
            elif related in (Pupil, Department, ClassGroup):
                kwargs["queryset"] = related.objects.filter(school__in=schools)
            elif related is User:
                kwargs["queryset"] = users_of_schools(schools)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            schools = administered_school_ids(request.user)
            related = db_field.related_model
            if related is Pupil:
                kwargs["queryset"] = Pupil.objects.filter(school__in=schools)
            elif related is User:
                kwargs["queryset"] = users_of_schools(schools)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SchoolScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A school admin sees and edits only rows of the schools they administer; operators see all."""

    school_path = "school"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.school_path}__in": administered_school_ids(request.user)}).distinct()

    # Changes made in admin go into the audit log like any other write to people's data.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = f"{obj._meta.model_name}.{'changed' if change else 'created'}_in_admin"
        audit.record(actor=request.user, action=action, target=obj, fields=sorted(form.changed_data))

    def delete_model(self, request, obj):
        audit.record(actor=request.user, action=f"{obj._meta.model_name}.deleted_in_admin", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(actor=request.user, action=f"{obj._meta.model_name}.deleted_in_admin", target=obj)
        super().delete_queryset(request, queryset)


def users_of_schools(school_ids):
    return User.objects.filter(
        Q(memberships__school__in=school_ids) | Q(guardianships__pupil__school__in=school_ids)
    ).distinct()


class MembershipInline(ScopedChoicesMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]
    fk_name = "user"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["display_name"]
    list_display = ["display_name", "email", "preferred_language", "is_active", "is_staff", "date_joined"]
    list_filter = [
        "is_active",
        "is_staff",
        "preferred_language",
        "memberships__role",
        ("memberships__school", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["display_name", "email", "phone"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal details"), {"fields": ["display_name", "phone", "preferred_language", "time_zone"]}),
        (_("Accessibility"), {"fields": ["simplified_interface"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=users_of_schools(administered_school_ids(request.user)).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only operators hand out operator powers.
            fields += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return fields


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "town", "country", "curriculum", "time_zone", "urn"]
    list_filter = ["country", "curriculum"]
    search_fields = ["name", "town", "urn", "registration_number"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=administered_school_ids(request.user))


@admin.register(Department)
class DepartmentAdmin(SchoolScopedAdmin):
    list_display = ["name", "school"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "school__name"]


@admin.register(Membership)
class MembershipAdmin(SchoolScopedAdmin):
    list_display = ["user", "role", "school", "department", "job_title", "is_active"]
    list_filter = ["role", "is_active", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__display_name", "user__email", "job_title"]
    list_select_related = ["user", "school", "department"]
    autocomplete_fields = ["user"]


class GuardianshipInline(ScopedChoicesMixin, admin.TabularInline):
    model = Guardianship
    extra = 0
    autocomplete_fields = ["guardian"]


@admin.register(Pupil)
class PupilAdmin(SchoolScopedAdmin):
    list_display = ["full_name", "year_group", "school", "send_status", "home_languages", "left_at"]
    list_filter = [
        ("school", admin.RelatedOnlyFieldListFilter),
        "year_group",
        "send_status",
        ("left_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["first_name", "last_name", "preferred_name", "upn"]
    list_select_related = ["school"]
    inlines = [GuardianshipInline]
    date_hierarchy = "date_of_birth"
    actions = ["mark_left"]

    def has_delete_permission(self, request, obj=None):
        # A pupil's records must outlive their time at school: they leave, they are not deleted.
        # Operators keep deletion for erasure requests.
        return request.user.is_superuser

    @admin.action(description=_("Mark the selected pupils as having left"))
    def mark_left(self, request, queryset):
        now = timezone.now()
        for pupil in queryset.filter(left_at__isnull=True):
            pupil.left_at = now
            pupil.save(update_fields=["left_at"])
            audit.record(actor=request.user, action="pupil.left", target=pupil)


@admin.register(Guardianship)
class GuardianshipAdmin(SchoolScopedAdmin):
    school_path = "pupil__school"
    list_display = [
        "guardian",
        "pupil",
        "relationship",
        "parental_responsibility",
        "can_view",
        "is_primary_contact",
        "status",
    ]
    list_filter = ["status", "relationship", "parental_responsibility", "can_view"]
    search_fields = ["guardian__display_name", "guardian__email", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["guardian", "pupil"]
    autocomplete_fields = ["guardian", "pupil"]


@admin.register(ClassGroup)
class ClassGroupAdmin(SchoolScopedAdmin):
    list_display = ["name", "year_group", "school", "department"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "year_group"]
    search_fields = ["name"]
    filter_horizontal = ["staff", "pupils"]


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    list_display = ["created_at", "email_entered", "outcome", "ip_address", "user_agent"]
    list_filter = ["outcome", "created_at"]
    search_fields = ["email_entered", "ip_address"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in LoginAttempt._meta.fields]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user__in=users_of_schools(administered_school_ids(request.user)))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "actor_label", "action", "target_type", "target_label"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["actor_label", "action", "target_label", "target_id"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(school_id__in=administered_school_ids(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeviceAdmin(admin.ModelAdmin):
    """Operators can see and remove a lost device; nobody reads secrets here."""

    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__email", "user__display_name", "name"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(SMSDevice, DeviceAdmin)
admin.site.register(BackupCodeDevice, DeviceAdmin)
if admin.site.is_registered(EmailDevice):
    admin.site.unregister(EmailDevice)
admin.site.register(EmailDevice, DeviceAdmin)
admin.site.site_header = "Homeroom administration"
admin.site.site_title = "Homeroom admin"
