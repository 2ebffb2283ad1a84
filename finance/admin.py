"""Django admin for finance, scoped to the admin's schools (operators see every school).

A school admin sets up what the school offers (plans and add-ons) and looks after families'
accounts (the pupils on each account and their Paybill references). Money already recorded is
never edited here: payments, ledger entries and add-on purchases are read-only for everyone, and
a mistake is put right with a correction (a new credit or charge with its reason, from the
family account's page). M-Pesa callbacks are shown as they arrived; a flagged one (amount,
account or phone not what was asked, so nothing was applied) is looked into and marked resolved.
Every change made here is audited.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, Subquery, Sum
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import audit
from accounts.admin import SchoolScopedAdmin, ScopedInline, administered_school_ids
from finance import ledger
from finance.corrections import CORRECTION_KINDS, ledger_correct
from finance.models import (
    AccountMember,
    AddOn,
    AddOnPurchase,
    CallbackRecord,
    EntryKind,
    FamilyAccount,
    LedgerEntry,
    Payment,
    Plan,
    Subscription,
)
from finance.money import format_money


class ReadOnlyMixin:
    """Money already recorded: shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FinanceChoicesMixin:
    """Drop-downs of finance rows offer only the admin's own schools' rows."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            schools = administered_school_ids(request.user)
            related = db_field.related_model
            if related in (Plan, AddOn, FamilyAccount):
                kwargs["queryset"] = related.objects.filter(school__in=schools)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _money(amount, currency) -> str:
    return format_money(amount, currency) if amount is not None else "-"


# -- what the school offers -----------------------------------------------------------------------


class OfferAdmin(FinanceChoicesMixin, SchoolScopedAdmin):
    list_select_related = ["school"]
    list_filter = ["is_active", "currency", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}

    @admin.display(description=_("price"), ordering="price")
    def price_shown(self, obj):
        return _money(obj.price, obj.currency)


@admin.register(Plan)
class PlanAdmin(OfferAdmin):
    list_display = ["name", "school", "code", "billing", "period", "price_shown", "rank", "is_active"]
    list_filter = ["is_active", "period", "billing", "currency", ("school", admin.RelatedOnlyFieldListFilter)]
    fields = [
        "school",
        "name",
        "code",
        "description",
        "features",
        "billing",
        "period",
        "price",
        "currency",
        "rank",
        "max_pause_days",
        "is_active",
    ]


@admin.register(AddOn)
class AddOnAdmin(OfferAdmin):
    list_display = ["name", "school", "code", "unit", "price_shown", "max_quantity", "is_active"]
    fields = ["school", "name", "code", "description", "unit", "price", "currency", "max_quantity", "is_active"]


# -- families' accounts ---------------------------------------------------------------------------


class AccountMemberInline(ScopedInline):
    model = AccountMember
    school_path = "account__school"
    extra = 0
    fields = ["pupil", "reference"]
    readonly_fields = ["reference"]
    autocomplete_fields = ["pupil"]
    verbose_name_plural = _("pupils on this account, with the Paybill account number each is paid with")


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("correction"),
        choices=[(kind.value, kind.label) for kind in CORRECTION_KINDS],
        widget=forms.RadioSelect,
        help_text=_("A credit lowers what the family owes; a charge adds to it."),
    )
    amount = forms.DecimalField(label=_("amount"), min_value=0, max_digits=12, decimal_places=2)
    reason = forms.CharField(
        label=_("reason"), max_length=255, help_text=_("Shown to auditors with the entry. Say why, and who asked.")
    )
    key = forms.CharField(widget=forms.HiddenInput)


@admin.register(FamilyAccount)
class FamilyAccountAdmin(SchoolScopedAdmin):
    list_display = ["__str__", "school", "references", "balance_shown", "currency", "created_at"]
    list_filter = ["currency", ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["members__reference", "members__pupil__first_name", "members__pupil__last_name"]
    fields = ["school", "currency", "balance_shown", "corrections", "created_at"]
    readonly_fields = ["balance_shown", "corrections", "created_at"]
    inlines = [AccountMemberInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("school")
            .prefetch_related("members__pupil")
            # A subquery, not Sum over a join: searching by the members' references joins them too,
            # and a join would count each entry once per matching pupil.
            .annotate(
                balance=Subquery(
                    LedgerEntry.objects.filter(account=OuterRef("pk"))
                    .values("account")
                    .annotate(total=Sum("amount"))
                    .values("total")
                )
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # An account's school and currency are fixed once it exists: its ledger is in them.
        return [*self.readonly_fields, "school", "currency"] if obj else self.readonly_fields

    @admin.display(description=_("Paybill account numbers"))
    def references(self, obj):
        return ", ".join(member.reference for member in obj.members.all())

    @admin.display(description=_("balance"))
    def balance_shown(self, obj):
        if obj.pk is None:
            return "-"
        # Listed rows carry the annotated sum (None: no entries yet, a balance of nothing).
        amount = (obj.balance or 0) if hasattr(obj, "balance") else ledger.balance(obj)
        return _money(amount, obj.currency)

    @admin.display(description=_("corrections"))
    def corrections(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:finance_familyaccount_correction", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Correct the balance (a credit or a charge)"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/correction/",
                self.admin_site.admin_view(self.correction_view),
                name="finance_familyaccount_correction",
            ),
            *super().get_urls(),
        ]

    def correction_view(self, request, object_id):
        """A credit or a charge with its reason, posted as a new ledger entry (audited)."""
        account = self.get_object(request, object_id)  # another school's account answers 404
        if not (self.has_view_permission(request, account) and request.user.has_perm("finance.add_ledgerentry")):
            raise PermissionDenied
        if request.method == "POST":
            form = CorrectionForm(request.POST)
            if form.is_valid():
                try:
                    entry = ledger_correct(actor=request.user, account=account, **form.cleaned_data)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(
                        request,
                        _("%(kind)s of %(amount)s posted. The balance is now %(balance)s.")
                        % {
                            "kind": entry.get_kind_display(),
                            "amount": _money(abs(entry.amount), entry.currency),
                            "balance": _money(ledger.balance(account), account.currency),
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:finance_familyaccount_change", args=[account.pk]))
        else:
            form = CorrectionForm(initial={"key": uuid.uuid4().hex, "kind": EntryKind.CREDIT})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Correct the balance of %(account)s") % {"account": account},
            "opts": self.model._meta,
            "original": account,
            "form": form,
            "balance": _money(ledger.balance(account), account.currency),
        }
        return TemplateResponse(request, "admin/finance/familyaccount/correction.html", context)


@admin.register(Subscription)
class SubscriptionAdmin(FinanceChoicesMixin, SchoolScopedAdmin):
    """A subscription changes state only when a payment is confirmed (or by the renewal rules), so
    its plan, status and period are read-only. What a school may correct is time it gives a family:
    a longer grace period after an unpaid renewal, a later latest resume date for a pause."""

    school_path = "account__school"
    list_display = ["account", "pupil", "plan", "status", "period_start", "period_end", "grace_until"]
    list_filter = ["status", "plan__period"]
    search_fields = ["account__members__reference", "pupil__first_name", "pupil__last_name", "plan__name"]
    list_select_related = ["account__school", "pupil", "plan"]
    fieldsets = [
        (None, {"fields": ["account", "pupil", "plan", "status", "period_start", "period_end", "paused_on"]}),
        (
            _("Time the school may give"),
            {
                "fields": ["grace_until", "resume_by"],
                "description": _(
                    "Plan, status and period change only through the family's payments. Here you can "
                    "give a family longer to pay a renewal, or longer to resume a pause."
                ),
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at", "ended_at"]}),
    ]
    readonly_fields = [
        "account",
        "pupil",
        "plan",
        "status",
        "period_start",
        "period_end",
        "paused_on",
        "created_at",
        "updated_at",
        "ended_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False  # a subscription begins with the family's choice and payment

    def has_delete_permission(self, request, obj=None):
        return False  # its ledger entries refer to it


@admin.register(AddOnPurchase)
class AddOnPurchaseAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "account__school"
    list_display = ["add_on", "account", "pupil", "quantity", "total_shown", "status", "created_at", "paid_at"]
    list_filter = ["status"]
    search_fields = ["add_on__name", "account__members__reference"]
    list_select_related = ["add_on", "account__school", "pupil"]

    @admin.display(description=_("total"))
    def total_shown(self, obj):
        return _money(obj.total, obj.add_on.currency)


# -- money recorded -------------------------------------------------------------------------------


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "account__school"
    list_display = [
        "created_at",
        "account",
        "amount_shown",
        "method",
        "purpose",
        "status",
        "failure_reason",
        "mpesa_receipt",
        "receipt_number",
    ]
    list_filter = ["status", "method", "purpose", "failure_reason"]
    search_fields = ["mpesa_receipt", "receipt_number", "phone", "account_reference", "account__members__reference"]
    list_select_related = ["account__school"]
    date_hierarchy = "created_at"
    # The callback token is the callback URL's secret and the client key an idempotency key:
    # neither is of use to anyone reading here.
    exclude = ["callback_token", "client_key"]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return _money(obj.amount, obj.currency)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    school_path = "account__school"
    list_display = ["created_at", "account", "kind", "purpose", "amount_shown", "reason", "created_by"]
    list_filter = ["kind", "purpose"]
    search_fields = ["key", "account__members__reference", "payment__mpesa_receipt", "payment__receipt_number"]
    list_select_related = ["account__school", "created_by"]
    date_hierarchy = "created_at"

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return _money(obj.amount, obj.currency)

    @admin.display(description=_("reason"))
    def reason(self, obj):
        return (obj.details or {}).get("reason", "")


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("flagged", _("Flagged, not resolved")), ("resolved", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "flagged":
            return queryset.filter(outcome=CallbackRecord.Outcome.FLAGGED, resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(CallbackRecord)
class CallbackRecordAdmin(ReadOnlyMixin, SchoolScopedAdmin):
    list_display = ["received_at", "source", "outcome", "payment", "note", "remote_addr", "resolved_at"]
    list_filter = [NeedsAttentionFilter, "outcome", "source"]
    search_fields = ["note", "raw_body", "payment__mpesa_receipt", "payment__account_reference"]
    list_select_related = ["payment", "resolved_by"]
    date_hierarchy = "received_at"
    fields = [
        "source",
        "outcome",
        "note",
        "payment",
        "received_at",
        "remote_addr",
        "body_shown",
        "resolved_at",
        "resolved_by",
    ]
    readonly_fields = fields
    actions = ["mark_resolved"]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        # A callback belongs to the school it was matched to, or to its payment's school.
        schools = administered_school_ids(request.user)
        return queryset.filter(Q(school__in=schools) | Q(payment__account__school__in=schools))

    @admin.display(description=_("body as received"))
    def body_shown(self, obj):
        return format_html('<pre style="white-space: pre-wrap; max-width: 60rem">{}</pre>', obj.raw_body)

    def has_resolve_permission(self, request):
        return request.user.has_perm("finance.change_callbackrecord")

    @admin.action(description=_("Mark as resolved"), permissions=["resolve"])
    def mark_resolved(self, request, queryset):
        now = timezone.now()
        resolved = 0
        for record in queryset.filter(resolved_at__isnull=True).select_related("payment__account"):
            record.resolved_at, record.resolved_by = now, request.user
            record.save(update_fields=["resolved_at", "resolved_by"])
            school = record.school_id or (record.payment.account.school_id if record.payment_id else None)
            audit.record(
                actor=request.user,
                action="callback.resolved_in_admin",
                target=record,
                school=school,
                outcome=record.outcome,
            )
            resolved += 1
        self.message_user(
            request,
            ngettext("%(count)d callback marked as resolved.", "%(count)d callbacks marked as resolved.", resolved)
            % {"count": resolved},
            messages.SUCCESS,
        )
