"""Plans, subscriptions, add-ons, the family ledger and payments (M-Pesa STK and Paybill).

Money is never edited in place: every charge, payment, credit and refund is a `LedgerEntry`, and a
family's balance is the sum of its entries (positive: in credit; negative: owes). A subscription
changes state only when the payment that pays for it is confirmed. Amounts are `Decimal` in the
plan's currency (KES in whole shillings, as M-Pesa takes them; GBP in pence).
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Pupil, School


class Currency(models.TextChoices):
    KES = "KES", _("Kenyan shillings")
    GBP = "GBP", _("Pounds sterling")


class Billing(models.TextChoices):
    FAMILY = "family", _("Per family")
    CHILD = "child", _("Per child")


class Period(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    TERMLY = "termly", _("Termly")
    YEARLY = "yearly", _("Yearly")


# How many months one period lasts (a term is a third of the school year).
PERIOD_MONTHS = {Period.MONTHLY: 1, Period.TERMLY: 4, Period.YEARLY: 12}


def money_field(verbose_name):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2)


class Plan(models.Model):
    """What a school offers families, priced per period. `rank` orders plans from the most basic
    (a free plan, if the school has one, is where a lapsed subscription falls back to) upwards."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    features = models.TextField(_("what it includes"), blank=True, help_text=_("One feature per line."))
    billing = models.CharField(_("billed"), max_length=8, choices=Billing.choices, default=Billing.FAMILY)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.MONTHLY)
    price = money_field(_("price per period"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KES)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0, help_text=_("Higher ranks are upgrades."))
    max_pause_days = models.PositiveSmallIntegerField(
        _("longest pause (days)"), default=30, help_text=_("0: this plan cannot be paused.")
    )
    is_active = models.BooleanField(_("offered to families"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["school", "rank", "price", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="plan_unique_code")]

    def __str__(self):
        return self.name

    @property
    def is_free(self) -> bool:
        return self.price == 0

    def feature_list(self) -> list[str]:
        return [line.strip() for line in self.features.splitlines() if line.strip()]


class AddOn(models.Model):
    """Something a family buys once on top of their plan: extra tutoring hours, printed reports."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="add_ons")
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("Like “hour” or “printed report”."))
    price = money_field(_("price per unit"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KES)
    max_quantity = models.PositiveSmallIntegerField(_("most at once"), default=10)
    is_active = models.BooleanField(_("offered to families"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("add-on")
        verbose_name_plural = _("add-ons")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="addon_unique_code")]

    def __str__(self):
        return self.name


# Letters and digits that cannot be misread for each other when read out or typed on a phone.
REFERENCE_ALPHABET = "ACDEFHJKLMNPRTUVWXY347"


def new_reference(length: int = 7) -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))


class FamilyAccount(models.Model):
    """A family's account with one school: its pupils, subscriptions, ledger and payments. Who may
    see it is decided at every read from current guardianships with the "finance" scope (see
    `finance.policies`), never stored here."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="family_accounts")
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KES)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("family account")
        verbose_name_plural = _("family accounts")
        ordering = ["school", "pk"]

    def __str__(self):
        names = ", ".join(member.pupil.full_name for member in self.members.all())
        return names or f"#{self.pk}"


class AccountMember(models.Model):
    """A pupil on a family account, with the reference a family types as the Paybill "account
    number" (at most 12 characters, Daraja's limit) so their payment finds its way to this account."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.CASCADE, related_name="members")
    pupil = models.OneToOneField(Pupil, on_delete=models.PROTECT, related_name="finance_membership")
    reference = models.CharField(_("Paybill account number"), max_length=12, unique=True, default=new_reference)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pupil on a family account")
        verbose_name_plural = _("pupils on family accounts")
        ordering = ["account", "pupil__first_name"]

    def __str__(self):
        return f"{self.pupil.full_name} ({self.reference})"


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the first payment")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    PAST_DUE = "past_due", _("Renewal not paid")
    ENDED = "ended", _("Ended")


LIVE_SUBSCRIPTION = ~Q(status=SubscriptionStatus.ENDED)


class Subscription(models.Model):
    """A family's (or, on a per-child plan, one pupil's) plan. The current period runs from
    `period_start` up to, not including, `period_end`. A renewal that is not paid gives the family
    until `grace_until`; after that the subscription falls back to the school's free plan or ends."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="subscriptions")
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="subscriptions", verbose_name=_("pupil")
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("plan"))
    status = models.CharField(
        _("status"), max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    period_start = models.DateField(_("period started"), null=True, blank=True)
    period_end = models.DateField(_("renews on"), null=True, blank=True)
    paused_on = models.DateField(_("paused on"), null=True, blank=True)
    resume_by = models.DateField(_("resumes at the latest on"), null=True, blank=True)
    grace_until = models.DateField(_("grace period ends"), null=True, blank=True)
    # The period end a renewal reminder was sent for: the reminder task sends one per period.
    reminded_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["account", "-created_at"]
        constraints = [
            # One live subscription per family (family plans) and one per child (per-child plans).
            models.UniqueConstraint(
                fields=["account"],
                condition=LIVE_SUBSCRIPTION & Q(pupil__isnull=True),
                name="subscription_one_live_per_family",
            ),
            models.UniqueConstraint(
                fields=["account", "pupil"],
                condition=LIVE_SUBSCRIPTION & Q(pupil__isnull=False),
                name="subscription_one_live_per_child",
            ),
        ]
        indexes = [models.Index(fields=["status", "period_end"], name="subscription_due_idx")]

    def __str__(self):
        return f"{self.plan} ({self.get_status_display()})"


class AddOnPurchase(models.Model):
    """An add-on bought by a family: recorded when asked for, fulfilled when its payment is paid."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Not completed")

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="add_on_purchases")
    add_on = models.ForeignKey(AddOn, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("add-on"))
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("for")
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    unit_price = money_field(_("price per unit"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    bought_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("add-on purchase")
        verbose_name_plural = _("add-on purchases")
        ordering = ["account", "-created_at"]

    def __str__(self):
        return f"{self.add_on} × {self.quantity}"

    @property
    def total(self):
        return self.unit_price * self.quantity


class PaymentMethod(models.TextChoices):
    STK = "stk", _("M-Pesa prompt on your phone")
    PAYBILL = "paybill", _("M-Pesa Paybill")
    BALANCE = "balance", _("Credit on your account")


class PaymentStatus(models.TextChoices):
    # The prompt is being sent to the phone.
    SENDING = "sending", _("Check your phone")
    # M-Pesa accepted the request: the phone shows the prompt and waits for the PIN.
    WAITING = "waiting", _("Waiting for your PIN")
    # No answer came in time: we are asking M-Pesa ourselves (STK query).
    CHECKING = "checking", _("Checking with M-Pesa")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Not completed")


PENDING_PAYMENT_STATUSES = (PaymentStatus.SENDING, PaymentStatus.WAITING, PaymentStatus.CHECKING)


class FailureReason(models.TextChoices):
    CANCELLED = "cancelled", _("You cancelled the request on your phone.")
    TIMED_OUT = "timed_out", _("The request timed out before the PIN was entered.")
    WRONG_PIN = "wrong_pin", _("The M-Pesa PIN entered was wrong.")
    INSUFFICIENT_FUNDS = "insufficient_funds", _("There was not enough money in the M-Pesa account.")
    PROMPT_FAILED = "prompt_failed", _("M-Pesa could not send the request to this phone.")
    NO_ANSWER = "no_answer", _("M-Pesa did not confirm the payment. No money was taken.")
    OTHER = "other", _("M-Pesa did not complete the payment.")


class Purpose(models.TextChoices):
    SUBSCRIBE = "subscribe", _("New plan")
    PLAN_CHANGE = "plan_change", _("Plan change")
    RENEWAL = "renewal", _("Renewal")
    ADD_ON = "add_on", _("Add-on")
    BALANCE = "balance", _("Payment towards your balance")


def new_callback_token() -> str:
    # Hex: 192 random bits that can never spell a word Safaricom refuses in a callback URL ("exe",
    # "cmd", "sql"...), which a base64 token could by chance.
    return secrets.token_hex(24)


class Payment(models.Model):
    """Money a family pays (or tries to pay). Created before M-Pesa is asked, so nothing the
    family did is lost; settled once, by the first valid answer (callback, STK query or Paybill
    confirmation), never twice. `details` carries what it pays for, by id (`plan_id`,
    `subscription_id`, `from_plan_id`, `add_on_purchase_id`, `add_on_id`), and the proration
    figures shown to the parent, read by `finance.billing.fulfilment`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="payments")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(_("paid by"), max_length=8, choices=PaymentMethod.choices, default=PaymentMethod.STK)
    purpose = models.CharField(_("for"), max_length=12, choices=Purpose.choices, default=Purpose.BALANCE)
    details = models.JSONField(default=dict, blank=True)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KES)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("E.164, like +254712345678."))
    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.SENDING)
    failure_reason = models.CharField(_("why not"), max_length=20, choices=FailureReason.choices, blank=True)
    result_code = models.CharField(_("M-Pesa result code"), max_length=16, blank=True)
    result_description = models.CharField(_("M-Pesa result"), max_length=255, blank=True)
    account_reference = models.CharField(_("account reference"), max_length=12, blank=True)
    merchant_request_id = models.CharField(max_length=64, blank=True)
    checkout_request_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The callback URL's secret: M-Pesa's callbacks carry no signature, so only a callback to this
    # payment's own unguessable URL is considered at all.
    callback_token = models.CharField(max_length=64, unique=True, default=new_callback_token, editable=False)
    mpesa_receipt = models.CharField(_("M-Pesa receipt"), max_length=32, null=True, blank=True, unique=True)
    receipt_number = models.CharField(_("receipt number"), max_length=32, null=True, blank=True, unique=True)
    # The form's idempotency key: the same "Pay" pressed twice starts one payment.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    # Set, and committed, just before the prompt is requested: a retry after a crash never sends a
    # second prompt for the same payment.
    push_attempted_at = models.DateTimeField(null=True, blank=True)
    prompted_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveSmallIntegerField(default=0)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One prompt at a time per phone: a second "Pay" for the same phone while one waits is
            # refused, so a parent is never asked for their PIN twice at once.
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(method="stk", status__in=["sending", "waiting", "checking"]),
                name="payment_one_pending_prompt_per_phone",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="payment_account_time_idx"),
            models.Index(fields=["status", "created_at"], name="payment_status_time_idx"),
        ]

    def __str__(self):
        return f"{self.currency} {self.amount} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_PAYMENT_STATUSES


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    PAYMENT = "payment", pgettext_lazy("ledger entry", "Payment")
    CREDIT = "credit", _("Credit")
    REFUND = "refund", _("Refund")


class LedgerEntry(models.Model):
    """One line of a family's account, never edited or deleted: a correction is another entry.
    Charges and refunds are negative, payments and credits positive; the balance is the sum.
    `key` makes posting idempotent (a handler that runs twice posts once)."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    purpose = models.CharField(_("for"), max_length=12, choices=Purpose.choices)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    details = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=128, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["account", "-created_at", "-id"], name="ledger_account_time_idx")]

        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["charge", "refund"], amount__lte=0) | Q(kind__in=["payment", "credit"], amount__gte=0)
                ),
                name="ledger_sign_matches_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.currency} {self.amount}"


class CallbackRecord(models.Model):
    """Every request M-Pesa (or anyone) sent to a payment URL, stored raw before anything else is
    done with it, with what became of it. A mismatch (amount, account or phone not what was asked)
    is `flagged` for the school to look at; nothing is applied from it."""

    class Source(models.TextChoices):
        STK_CALLBACK = "stk", _("STK callback")
        STK_QUERY = "query", _("STK query answer")
        C2B_VALIDATION = "c2b_validate", _("Paybill validation")
        C2B_CONFIRMATION = "c2b_confirm", _("Paybill confirmation")

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Received")
        APPLIED = "applied", _("Applied")
        DUPLICATE = "duplicate", _("Duplicate: already applied")
        REJECTED = "rejected", _("Rejected")
        FLAGGED = "flagged", _("Flagged for the school")

    source = models.CharField(_("from"), max_length=12, choices=Source.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="callbacks", verbose_name=_("payment")
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    raw_body = models.TextField(_("body as received"))
    remote_addr = models.GenericIPAddressField(_("sent from"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.RECEIVED)
    note = models.CharField(_("note"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("M-Pesa callback")
        verbose_name_plural = _("M-Pesa callbacks")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["outcome", "-received_at"], name="callback_outcome_idx")]

    def __str__(self):
        return f"{self.get_source_display()} {self.received_at:%Y-%m-%d %H:%M} ({self.get_outcome_display()})"
