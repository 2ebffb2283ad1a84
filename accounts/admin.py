"""Django admin for school admins (their own school only) and operators (superusers, everything).

A school admin changes only what belongs to a school they administer: its memberships, family
links, pupils, class groups, departments and settings. Another school's row answers 404 wherever
its id appears (change, delete, history, actions), and foreign keys offer only their school's
rows. A person's account is the person's own: a school admin never sets a password, an email
address, the account's switches or second factors, and edits names and phone numbers only of
accounts that belong to their schools alone. Accounts made here get no password: their owner
sets one through an emailed invitation. Every change is written to the audit log; sign-in
history and the audit log are read-only for everyone.
"""

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_email.models import EmailDevice

from accounts import audit
from accounts.consent import admin as consent_admin
from accounts.invitations import policies as account_policies
from accounts.invitations import services as invitations
from accounts.models import (
    AccountLink,
    AuditEntry,
    BackupCodeDevice,
    ClassGroup,
    DataRequest,
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
from accounts.models.people import Relationship
from accounts.privacy import services as privacy


def administered_school_ids(user) -> list[int]:
    return list(
        Membership.objects.filter(user=user, role=Role.SCHOOL_ADMIN, is_active=True).values_list("school_id", flat=True)
    )


def users_of_schools(school_ids):
    return account_policies.users_linked_to(school_ids=school_ids)


class ScopedObjectMixin:
    """An object outside the admin's queryset answers 404, in every view and action that names it."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django would redirect with "doesn't exist"; a guessed id answers 404 like everywhere else.
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if request.user.is_superuser or not hasattr(response, "context_data"):
            return response
        # Someone who also belongs to another school has history written there too (its admins'
        # change messages name that school's roles): show only what admins of this school did.
        colleagues = Membership.objects.filter(
            school__in=administered_school_ids(request.user), role=Role.SCHOOL_ADMIN
        ).values("user_id")
        entries = (
            LogEntry.objects.filter(
                object_id=unquote(object_id),
                content_type=get_content_type_for_model(self.model),
                user_id__in=colleagues,
            )
            .select_related()
            .order_by("action_time")
        )
        paginator = self.get_paginator(request, entries, 100)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        response.context_data.update(
            action_list=page,
            page_range=paginator.get_elided_page_range(page.number),
            pagination_required=paginator.count > 100,
        )
        return response

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if selected and request.POST.get("select_across") != "1":
            try:
                found = self.get_queryset(request).filter(pk__in=selected).count()
            except (ValidationError, ValueError):
                raise Http404 from None
            if found != len(set(selected)):
                raise Http404
        return super().response_action(request, queryset)


def _audit_label(obj) -> str:
    return obj._meta.model_name


class AuditedAdminMixin:
    """Every add, change and delete made in admin goes into the audit log, inlines included."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = f"{_audit_label(obj)}.{'changed' if change else 'created'}_in_admin"
        audit.record(actor=request.user, action=action, target=obj, fields=sorted(form.changed_data))

    def delete_model(self, request, obj):
        audit.record(actor=request.user, action=f"{_audit_label(obj)}.deleted_in_admin", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(actor=request.user, action=f"{_audit_label(obj)}.deleted_in_admin", target=obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk is not None:
                obj = inline_form.instance
                audit.record(actor=request.user, action=f"{_audit_label(obj)}.deleted_in_admin", target=obj)
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record(actor=request.user, action=f"{_audit_label(obj)}.created_in_admin", target=obj)
        for obj, fields in formset.changed_objects:
            audit.record(
                actor=request.user, action=f"{_audit_label(obj)}.changed_in_admin", target=obj, fields=sorted(fields)
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


class SchoolScopedAdmin(ScopedObjectMixin, AuditedAdminMixin, ScopedChoicesMixin, admin.ModelAdmin):
    """A school admin sees and edits only rows of the schools they administer; operators see all."""

    school_path = "school"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.school_path}__in": administered_school_ids(request.user)}).distinct()


class ScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """Rows of the parent object that belong to another school are neither shown nor editable."""

    school_path = "school"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.school_path}__in": administered_school_ids(request.user)})


class MembershipInline(ScopedInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]
    fk_name = "user"
    fields = ["school", "role", "department", "job_title", "is_active"]


class GuardianshipOfUserInline(ScopedInline):
    model = Guardianship
    fk_name = "guardian"
    school_path = "pupil__school"
    extra = 0
    autocomplete_fields = ["pupil"]
    fields = ["pupil", "relationship", "parental_responsibility", "can_view", "is_primary_contact", "status"]
    verbose_name_plural = _("family links")


class SchoolOfUserFilter(admin.SimpleListFilter):
    """Filter people by school, offering only the schools the admin may see (never another's name)."""

    title = _("school")
    parameter_name = "school"

    def lookups(self, request, model_admin):
        schools = School.objects.all()
        if not request.user.is_superuser:
            schools = schools.filter(pk__in=administered_school_ids(request.user))
        return [(str(school.pk), school.name) for school in schools]

    def queryset(self, request, queryset):
        offered = {value for value, _name in self.lookup_choices}
        if self.value() in offered:
            return queryset.filter(pk__in=users_of_schools([self.value()]).values("pk"))
        # Another school's id typed into the URL filters nothing (it would tell who also works there).
        return queryset


class InvitedAccountForm(forms.ModelForm):
    """A new account: no password field at all. Its owner sets one through the emailed invitation.

    A school admin also says how the person belongs to their school (a staff role, or a family
    link to a pupil), so the account is theirs to see once it is made.
    """

    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, label=_("school"))
    role = forms.ChoiceField(choices=[("", "---------"), *Role.choices], required=False, label=_("staff role"))
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), required=False, label=_("guardian of pupil"))
    relationship = forms.ChoiceField(
        choices=[("", "---------"), *Relationship.choices], required=False, label=_("relationship")
    )

    class Meta:
        model = User
        fields = ["email", "display_name", "preferred_language"]

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        schools = School.objects.all()
        if acting_user is not None and not acting_user.is_superuser:
            schools = schools.filter(pk__in=administered_school_ids(acting_user))
            self.fields["school"].required = True
        self.fields["school"].queryset = schools
        self.fields["pupil"].queryset = Pupil.objects.filter(school__in=schools)

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if self.acting_user is not None and self.acting_user.is_superuser:
            if User.objects.filter(email__iexact=email).exists() and not self.data.get("school"):
                raise ValidationError(_("An account with this email address already exists."))
        return email

    def validate_unique(self):
        # An address that already has an account is not an error for a school: that account's
        # owner is asked to accept the link (person_add), and the school learns nothing more.
        exclude = self._get_validation_exclusions()
        exclude.add("email")
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)

    def clean(self):
        cleaned = super().clean()
        school, role, pupil = cleaned.get("school"), cleaned.get("role"), cleaned.get("pupil")
        if self.fields["school"].required and school and not (role or pupil):
            raise ValidationError(_("Give the person a staff role or link them to a pupil at your school."))
        if (role or pupil) and not school:
            self.add_error("school", _("Choose the school of the role or pupil."))
        if pupil and school and pupil.school_id != school.pk:
            self.add_error("pupil", _("Choose a pupil at the school chosen above."))
        if pupil and not cleaned.get("relationship"):
            self.add_error("relationship", _("Say how the person is related to the pupil."))
        return cleaned


@admin.register(User)
class UserAdmin(ScopedObjectMixin, AuditedAdminMixin, ScopedChoicesMixin, DjangoUserAdmin):
    ordering = ["display_name"]
    list_display = ["display_name", "email", "preferred_language", "is_active", "has_signed_in", "date_joined"]
    list_filter = ["is_active", "is_staff", "preferred_language", "memberships__role", SchoolOfUserFilter]
    search_fields = ["display_name", "email", "phone"]
    add_form = InvitedAccountForm
    fieldsets = [
        (None, {"fields": ["email", "password", "invitation"]}),
        (_("Personal details"), {"fields": ["display_name", "phone", "preferred_language", "time_zone"]}),
        (_("Accessibility"), {"fields": ["simplified_interface"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    school_admin_fieldsets = [
        (None, {"fields": ["email", "invitation"]}),
        (_("Personal details"), {"fields": ["display_name", "phone", "preferred_language", "time_zone"]}),
        (_("Accessibility"), {"fields": ["simplified_interface"]}),
        (_("Access"), {"fields": ["is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "preferred_language"]}),
        (_("At your school"), {"classes": ["wide"], "fields": ["school", "role", "pupil", "relationship"]}),
    ]
    inlines = [MembershipInline, GuardianshipOfUserInline]
    actions = ["send_invitation"]
    # Never the school's to change: sign-in, identity and the account's switches.
    ACCOUNT_FIELDS = ["email", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
    PERSONAL_FIELDS = ["display_name", "phone", "preferred_language", "time_zone", "simplified_interface"]

    @admin.display(boolean=True, description=_("password set"))
    def has_signed_in(self, obj):
        return obj.has_usable_password()

    @admin.display(description=_("invitation"))
    def invitation(self, obj):
        if obj is None or obj.pk is None:
            return ""
        if obj.has_usable_password():
            return _("Accepted: the person has set their password.")
        return _("Not yet accepted: nobody can sign in to this account until its owner sets a password.")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=users_of_schools(administered_school_ids(request.user)).values("pk"))

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        # A role filter would match roles held at other schools too.
        return ["is_active", "preferred_language", SchoolOfUserFilter]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and not request.user.is_superuser:
            # Django's change form declares the password (hash and "reset" link): not for schools.
            kwargs["form"] = forms.ModelForm
        form = super().get_form(request, obj, **kwargs)
        if obj is None:

            class BoundAddForm(form):
                def __init__(self, *args, **inner):
                    super().__init__(*args, acting_user=request.user, **inner)

            return BoundAddForm
        return form

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return self.fieldsets if request.user.is_superuser else self.school_admin_fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = ["invitation", "last_login", "date_joined"]
        if request.user.is_superuser or obj is None:
            return fields
        fields += self.ACCOUNT_FIELDS
        schools = administered_school_ids(request.user)
        if not account_policies.school_controls_account(user=obj, school_ids=schools):
            # Someone who also belongs elsewhere (or runs the platform): their details are their own.
            fields += self.PERSONAL_FIELDS
        return fields

    def get_inline_instances(self, request, obj=None):
        # A new account gets its school link from the add form; inlines come on the next page.
        return [] if obj is None else super().get_inline_instances(request, obj)

    def has_delete_permission(self, request, obj=None):
        # An account is the person's own; a school removes its role or family link instead.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        user, created = invitations.person_add(
            actor=request.user,
            email=data["email"],
            display_name=data["display_name"],
            school=data.get("school"),
            role=data.get("role") or "",
            pupil=data.get("pupil"),
            relationship=data.get("relationship") or "",
            preferred_language=data.get("preferred_language") or "",
        )
        user.created_here = created
        form.save_m2m = lambda: None
        return user

    def log_addition(self, request, obj, message):
        if getattr(obj, "created_here", True):
            return super().log_addition(request, obj, message)
        return None  # an existing account was only asked to accept a link

    def response_add(self, request, obj, post_url_continue=None):
        if request.user.is_superuser and getattr(obj, "created_here", True):
            return super().response_add(request, obj, post_url_continue)
        # The same answer whether or not the address already had an account elsewhere, so adding
        # someone does not tell a school who has an account at another school.
        self.message_user(
            request,
            _(
                "%(email)s is invited. If the address already has a Homeroom account, its owner is "
                "asked to accept the link to your school first."
            )
            % {"email": obj.email},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # A new account was made (and audited) by account_create in save_form.

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            self.get_object(request, unquote(id))  # 404 for someone outside their schools
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            audit.record(actor=request.user, action="user.password_set_in_admin", target=user)
        return response

    @admin.action(description=_("Send a new invitation to set a password"))
    def send_invitation(self, request, queryset):
        sent = 0
        for user in queryset:
            if not user.has_usable_password():
                invitations.invitation_send(actor=request.user, user=user)
                sent += 1
        self.message_user(
            request,
            ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent) % {"count": sent},
            messages.SUCCESS,
        )


@admin.register(School)
class SchoolAdmin(ScopedObjectMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "town", "country", "curriculum", "time_zone", "urn"]
    list_filter = ["country", "curriculum"]
    search_fields = ["name", "town", "urn", "registration_number"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=administered_school_ids(request.user))

    # Schools come and go through the operator.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


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

    # Both pages show SEND information: each view is audited for the family's "who has looked"
    # page (accounts.privacy), at most once per person, pupil and day.
    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            privacy.send_views_record(viewer=request.user, pupils=changelist.result_list, page="admin")
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and shown is not None:
            privacy.send_views_record(viewer=request.user, pupils=[shown], page="admin")
        return response

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
        "no_contact",
        "is_primary_contact",
        "status",
    ]
    list_filter = ["status", "relationship", "parental_responsibility", "can_view", "no_contact"]
    search_fields = ["guardian__display_name", "guardian__email", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["guardian", "pupil"]
    autocomplete_fields = ["guardian", "pupil"]

    def save_model(self, request, obj, form, change):
        # A no-contact mark (court order) is its own audit entry; saving it switches viewing rights
        # off (Guardianship.save), and messaging closes the person's sockets on this save.
        super().save_model(request, obj, form, change)
        if "no_contact" in form.changed_data:
            action = "guardianship.no_contact_set" if obj.no_contact else "guardianship.no_contact_lifted"
            audit.record(actor=request.user, action=action, target=obj, school=obj.pupil.school_id)


@admin.register(ClassGroup)
class ClassGroupAdmin(SchoolScopedAdmin):
    list_display = ["name", "year_group", "school", "department"]
    list_filter = [("school", admin.RelatedOnlyFieldListFilter), "year_group"]
    search_fields = ["name"]
    filter_horizontal = ["staff", "pupils"]


class RecordOnlyAdmin(ScopedObjectMixin, admin.ModelAdmin):
    """What happened, kept as evidence: nobody adds, changes or deletes it here, operators included.
    Only the code that records it (and the operator's own commands) writes these tables."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoginAttempt)
class LoginAttemptAdmin(RecordOnlyAdmin):
    list_display = ["created_at", "email_entered", "outcome", "ip_address", "user_agent"]
    list_filter = ["outcome", "created_at"]
    search_fields = ["email_entered", "ip_address"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in LoginAttempt._meta.fields]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return queryset
        # Sign-in history is the account's, not a school's: a school admin sees it only for
        # accounts that belong to their schools alone.
        schools = administered_school_ids(request.user)
        return queryset.filter(user__in=account_policies.accounts_controlled_by(school_ids=schools))


@admin.register(DataRequest)
class DataRequestAdmin(RecordOnlyAdmin):
    """Data requests, read-only: the school's data protection lead answers them on their own page
    (accounts.privacy), where every step is audited and the family is told; here an operator (or a
    school admin given the view permission, for their own school) can find one for a complaint."""

    list_display = ["id", "kind", "status", "school", "requester", "received_at", "due_on"]
    list_filter = ["status", "kind", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["requester__display_name", "requester__email"]
    list_select_related = ["school", "requester"]
    date_hierarchy = "received_at"
    readonly_fields = [field.name for field in DataRequest._meta.fields]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(school_id__in=administered_school_ids(request.user))


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordOnlyAdmin):
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


@admin.register(AccountLink)
class AccountLinkAdmin(RecordOnlyAdmin):
    """Requests to link an existing account, answered only by its owner (by the emailed link)."""

    list_display = ["user", "school", "status", "created_at", "responded_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user", "school"]
    fields = ["user", "school", "requested_by", "status", "created_at", "responded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(school__in=administered_school_ids(request.user))


class DeviceAdmin(ScopedObjectMixin, AuditedAdminMixin, admin.ModelAdmin):
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


class EmailAddressAdmin(ScopedObjectMixin, AuditedAdminMixin, AllauthEmailAddressAdmin):
    """Sign-in addresses: the operator's (support cases), audited like any change to an account."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description=_("Mark selected email addresses as verified"))
    def make_verified(self, request, queryset):
        for address in queryset.filter(verified=False):
            audit.record(actor=request.user, action="emailaddress.verified_in_admin", target=address)
        super().make_verified(request, queryset)


if admin.site.is_registered(EmailAddress):
    admin.site.unregister(EmailAddress)
admin.site.register(EmailAddress, EmailAddressAdmin)
admin.site.site_header = "Homeroom administration"
admin.site.site_title = "Homeroom admin"


consent_admin.register(base=SchoolScopedAdmin)  # each school's consent defaults
