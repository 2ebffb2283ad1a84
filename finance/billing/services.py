"""Every write of billing: accounts, subscriptions, plan changes, pauses, add-ons.

Keyword-only, each in one transaction, audited. A step that costs money asks for it through one
call (`_ask_for_payment`: an M-Pesa prompt started by `finance.payments`) and applies the purchase
only when that payment is paid (`finance.billing.fulfilment`, through `finance.settlement`); what
the account's credit covers, a free plan and a downgrade apply at once. A refusal raises
`BillingError`, whose `.message` is a sentence to show the parent.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import audit
from accounts.models import Pupil, User
from finance import ledger
from finance.billing import fulfilment, renewals
from finance.billing.proration import Proration, prorate
from finance.billing.renewals import renewals_run  # noqa: F401 (the daily task's service)
from finance.models import (
    LIVE_SUBSCRIPTION,
    AccountMember,
    AddOn,
    AddOnPurchase,
    Billing,
    EntryKind,
    FamilyAccount,
    LedgerEntry,
    Payment,
    Plan,
    Purpose,
    Subscription,
    SubscriptionStatus,
)
from finance.payments import services as payments
from finance.policies import accounts_visible_to, pupils_for_finance

Status = SubscriptionStatus


class BillingError(Exception):
    """A refusal the parent can act on; `.message` is the sentence to show them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- asking for money -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentRequest:
    """What to ask the family for, and what the payment's settlement will apply."""

    amount: Decimal
    purpose: str
    details: dict


def _ask_for_payment(
    *, user: User, account: FamilyAccount, request: PaymentRequest, phone: str, client_key: str | None
) -> Payment:
    """The one place billing asks for money: an M-Pesa prompt to `phone`. A refusal (bad phone, a
    prompt already waiting on it) becomes a BillingError, and the caller's transaction rolls back."""
    try:
        return payments.start_stk_payment(
            user=user,
            account=account,
            amount=request.amount,
            purpose=request.purpose,
            details=request.details,
            phone=phone,
            client_key=client_key,
        )
    except payments.PaymentRefused as refusal:
        raise BillingError(refusal.message) from refusal


def _earlier_payment(account: FamilyAccount, client_key: str | None) -> Payment | None:
    """The payment this form already started (the same confirmation pressed twice)."""
    if not client_key:
        return None
    return Payment.objects.filter(account=account, client_key=client_key).first()


def _credit_key(kind: str, subscription_or_account, client_key: str | None) -> str:
    return f"{kind}:{subscription_or_account.pk}:{client_key or uuid.uuid4().hex}"


def _already_applied(key: str) -> bool:
    return LedgerEntry.objects.filter(key=key).exists()


def available_credit(account: FamilyAccount) -> Decimal:
    return max(ledger.balance(account), Decimal(0))


# --- accounts ------------------------------------------------------------------------------------


def pupils_without_account(user: User):
    """The user's children (finance scope) with no family account yet, at schools offering plans."""
    return (
        pupils_for_finance(user)
        .filter(finance_membership__isnull=True, school__plans__is_active=True)
        .distinct()
        .select_related("school")
        .order_by("school_id", "first_name", "pk")
    )


@transaction.atomic
def open_account(*, user: User, pupils=None) -> list[FamilyAccount]:
    """A family's first visit: their children with the finance scope who have no account join one
    account per school (the family's existing account there, if they see one). `pupils` narrows
    it to those children. Returns the accounts that gained a pupil."""
    candidates = pupils_without_account(user)
    if pupils is not None:
        candidates = candidates.filter(pk__in=[getattr(p, "pk", p) for p in pupils])
    ids = list(candidates.values_list("pk", flat=True))
    # Locked, then read again: two presses of "Set up payments" add each child once.
    locked = list(Pupil.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    taken = set(AccountMember.objects.filter(pupil_id__in=ids).values_list("pupil_id", flat=True))
    by_school: dict[int, list[Pupil]] = defaultdict(list)
    for pupil in locked:
        if pupil.pk not in taken:
            by_school[pupil.school_id].append(pupil)
    if not by_school:
        raise BillingError(_("Payments are already set up for your children."))
    opened = []
    for school_id, children in sorted(by_school.items()):
        account = accounts_visible_to(user).filter(school_id=school_id).order_by("pk").first()
        if account is None:
            plan = Plan.objects.filter(school_id=school_id, is_active=True).order_by("rank", "pk").first()
            account = FamilyAccount.objects.create(school_id=school_id, currency=plan.currency)
        for pupil in children:
            AccountMember.objects.create(account=account, pupil=pupil)
        audit.record(
            actor=user, action="finance.account_opened", target=account, pupils=[pupil.pk for pupil in children]
        )
        opened.append(account)
    return opened


# --- subscribing and changing plan ----------------------------------------------------------------


def _check_pupil(*, account: FamilyAccount, plan: Plan, pupil: Pupil | None) -> None:
    if plan.billing == Billing.CHILD:
        if pupil is None or not account.members.filter(pupil=pupil).exists():
            raise BillingError(_("Choose which child this plan is for."))
    elif pupil is not None:
        raise BillingError(_("This plan is for the whole family, not one child."))


def live_subscription(account: FamilyAccount, pupil: Pupil | None) -> Subscription | None:
    subscriptions = Subscription.objects.filter(LIVE_SUBSCRIPTION, account=account)
    if pupil is None:
        return subscriptions.filter(pupil__isnull=True).first()
    return subscriptions.filter(pupil=pupil).first()


@transaction.atomic
def subscribe(
    *,
    user: User,
    account: FamilyAccount,
    plan: Plan,
    pupil: Pupil | None = None,
    phone: str = "",
    client_key: str | None = None,
) -> Payment | None:
    """A family's first plan (or, per child, a child's): waiting until paid. A free plan, or one
    the account's credit covers, starts at once (returns None); otherwise returns the payment
    asked for. A family who already has a live plan is told to change it instead."""
    if earlier := _earlier_payment(account, client_key):
        return earlier
    _subscription, request = prepare_subscription(
        user=user, account=account, plan=plan, pupil=pupil, client_key=client_key
    )
    if request is None:
        return None
    return _ask_for_payment(user=user, account=account, request=request, phone=phone, client_key=client_key)


def prepare_subscription(
    *, user: User, account: FamilyAccount, plan: Plan, pupil: Pupil | None = None, client_key: str | None = None
) -> tuple[Subscription, PaymentRequest | None]:
    """`subscribe` up to asking for money (call it inside a transaction): the subscription, waiting,
    and what to ask for; or the subscription started (free, or paid from credit) and None."""
    _check_pupil(account=account, plan=plan, pupil=pupil)
    subscription = live_subscription(account, pupil)
    if subscription is not None and subscription.status != Status.PENDING:
        raise BillingError(
            _("You already have a plan. To move to another one, choose “Compare plans or change your plan”.")
        )
    if subscription is None:
        subscription = Subscription.objects.create(account=account, pupil=pupil, plan=plan, status=Status.PENDING)
    else:
        # A first payment that did not go through: the family tries again, perhaps another plan.
        subscription.plan = plan
        subscription.save(update_fields=["plan", "updated_at"])
    audit.record(actor=user, action="finance.subscribe_asked", target=subscription, school=account.school_id)
    credit = available_credit(account)
    if plan.is_free or credit >= plan.price:
        key = _credit_key("subscribe", subscription, client_key)
        if not plan.is_free and not _already_applied(key):
            ledger.post(
                account=account,
                kind=EntryKind.CHARGE,
                purpose=Purpose.SUBSCRIBE,
                amount=plan.price,
                key=key,
                subscription=subscription,
                created_by=user,
                details={"plan": plan.name, "paid_from": "credit"},
            )
        fulfilment.activate(subscription, on=renewals.school_today(account.school))
        audit.record(
            actor=user, action="finance.subscribed", target=subscription, school=account.school_id, plan=plan.code
        )
        return subscription, None
    request = PaymentRequest(
        amount=plan.price - credit,
        purpose=Purpose.SUBSCRIBE,
        details={"subscription_id": subscription.pk, "plan_id": plan.pk, "charge": str(plan.price)},
    )
    return subscription, request


@dataclass(frozen=True)
class Quote:
    """What the confirmation page shows before a plan change, and what confirming applies."""

    subscription: Subscription
    plan: Plan
    on: date
    # The difference for the days left (same period), or the unused part of the old plan
    # (a negative amount) when the new plan's period differs and a new period starts today.
    proration: Proration
    new_period: bool
    charge: Decimal  # what the change costs (0 for a downgrade)
    credit: Decimal  # what is credited (0 for an upgrade)
    credit_used: Decimal  # the part of `charge` the account's credit pays
    pay_today: Decimal  # what the family pays now
    renews_on: date  # the first renewal at the new plan's price
    currency: str

    @property
    def is_upgrade(self) -> bool:
        return self.charge > 0

    @property
    def is_downgrade(self) -> bool:
        return self.credit > 0

    def payment_request(self) -> PaymentRequest:
        return PaymentRequest(
            amount=self.pay_today,
            purpose=Purpose.PLAN_CHANGE,
            details={
                "subscription_id": self.subscription.pk,
                "from_plan_id": self.subscription.plan_id,
                "plan_id": self.plan.pk,
                "charge": str(self.charge),
                "credit_used": str(self.credit_used),
                "days_left": self.proration.days_left,
                "days_in_period": self.proration.days_in_period,
                "new_period": self.new_period,
            },
        )


def _check_change(subscription: Subscription, plan: Plan) -> None:
    if subscription.status == Status.PENDING:
        raise BillingError(_("Your plan starts when its first payment is made: pay for it, or choose another plan."))
    if subscription.status == Status.PAUSED:
        raise BillingError(_("Your plan is paused. Resume it before you change it."))
    if subscription.status == Status.PAST_DUE:
        raise BillingError(_("Your renewal is not paid yet. Pay what you owe before you change plan."))
    if subscription.status != Status.ACTIVE:
        raise BillingError(_("This plan has ended."))
    if plan.pk == subscription.plan_id:
        raise BillingError(_("You are already on this plan."))
    if plan.billing != subscription.plan.billing or plan.currency != subscription.account.currency:
        raise BillingError(_("This plan is billed differently. Ask the school to move you to it."))


def quote_change(*, subscription: Subscription, plan: Plan, on: date | None = None) -> Quote:
    """What moving `subscription` to `plan` on `on` costs or credits (refuses what change_plan
    refuses). Same period length: the price difference for the days left. Another period length:
    the unused part of the current plan is credited and the new plan's first period starts today."""
    _check_change(subscription, plan)
    account = subscription.account
    on = on or renewals.school_today(account.school)
    old = subscription.plan
    new_period = plan.period != old.period
    if new_period:
        proration = prorate(
            old_price=old.price,
            new_price=Decimal(0),
            period_start=subscription.period_start,
            period_end=subscription.period_end,
            on=on,
            currency=account.currency,
        )
        net = plan.price + proration.amount
        renews_on = renewals.next_period_end(on, plan.period)
    else:
        proration = prorate(
            old_price=old.price,
            new_price=plan.price,
            period_start=subscription.period_start,
            period_end=subscription.period_end,
            on=on,
            currency=account.currency,
        )
        net = proration.amount
        renews_on = subscription.period_end
    charge = max(net, Decimal(0))
    credit = max(-net, Decimal(0))
    credit_used = min(available_credit(account), charge)
    return Quote(
        subscription=subscription,
        plan=plan,
        on=on,
        proration=proration,
        new_period=new_period,
        charge=charge,
        credit=credit,
        credit_used=credit_used,
        pay_today=charge - credit_used,
        renews_on=renews_on,
        currency=account.currency,
    )


@transaction.atomic
def change_plan(
    *, user: User, subscription: Subscription, plan: Plan, phone: str = "", client_key: str | None = None
) -> Payment | None:
    """Move to `plan`. An upgrade asks for the quote's `pay_today` and changes the plan when that is
    paid (returns the payment); one the account's credit covers, and a downgrade (credited to the
    account), change it at once (returns None)."""
    account = subscription.account
    if earlier := _earlier_payment(account, client_key):
        return earlier
    subscription = (
        Subscription.objects.select_for_update(of=("self",)).select_related("plan", "account").get(pk=subscription.pk)
    )
    key = _credit_key("change", subscription, client_key)
    if client_key and _already_applied(key):
        return None
    quote = quote_change(subscription=subscription, plan=plan)
    if quote.pay_today > 0:
        audit.record(
            actor=user,
            action="finance.plan_change_asked",
            target=subscription,
            school=account.school_id,
            plan=plan.code,
        )
        return _ask_for_payment(
            user=user, account=account, request=quote.payment_request(), phone=phone, client_key=client_key
        )
    if quote.charge or quote.credit:
        ledger.post(
            account=account,
            kind=EntryKind.CHARGE if quote.charge else EntryKind.CREDIT,
            purpose=Purpose.PLAN_CHANGE,
            amount=quote.charge or quote.credit,
            key=key,
            subscription=subscription,
            created_by=user,
            details={
                "plan": plan.name,
                "from_plan": subscription.plan.name,
                "days_left": quote.proration.days_left,
                "days_in_period": quote.proration.days_in_period,
            },
        )
    fulfilment.switch_plan(subscription, plan=plan, new_period_from=quote.on if quote.new_period else None, actor=user)
    return None


# --- pausing -------------------------------------------------------------------------------------


def pause_rules(plan: Plan) -> str:
    """The rules, as the pause page states them."""
    if not plan.max_pause_days:
        return _("This plan cannot be paused.")
    return ngettext(
        "You can pause for up to %(days)s day, once in each period, and not while a renewal is unpaid. "
        "Your renewal date moves on by the days you pause.",
        "You can pause for up to %(days)s days, once in each period, and not while a renewal is unpaid. "
        "Your renewal date moves on by the days you pause.",
        plan.max_pause_days,
    ) % {"days": plan.max_pause_days}


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "account", "account__school")
        .get(pk=subscription.pk)
    )


@transaction.atomic
def pause(*, user: User, subscription: Subscription, until: date) -> Subscription:
    """Pause until `until` (the day it starts again). Refused: a plan that cannot be paused, longer
    than the plan allows, a second pause in one period, a renewal unpaid, a plan not active."""
    subscription = _locked(subscription)
    plan = subscription.plan
    today = renewals.school_today(subscription.account.school)
    if subscription.status == Status.PAST_DUE:
        raise BillingError(_("You cannot pause while a renewal is unpaid. Pay what you owe first."))
    if subscription.status == Status.PAUSED:
        raise BillingError(_("Your plan is already paused."))
    if subscription.status != Status.ACTIVE:
        raise BillingError(_("Only an active plan can be paused."))
    if not plan.max_pause_days:
        raise BillingError(_("This plan cannot be paused."))
    if subscription.paused_on and subscription.paused_on >= subscription.period_start:
        raise BillingError(
            _("You have already paused once this period. You can pause again after %(day)s.")
            % {"day": date_format(subscription.period_end, "j F Y")}
        )
    days = (until - today).days
    if days < 1:
        raise BillingError(_("Choose a date after today."))
    if days > plan.max_pause_days:
        raise BillingError(
            ngettext(
                "You can pause for at most %(days)s day.",
                "You can pause for at most %(days)s days.",
                plan.max_pause_days,
            )
            % {"days": plan.max_pause_days}
        )
    subscription.status = Status.PAUSED
    subscription.paused_on = today
    subscription.resume_by = until
    subscription.save()
    audit.record(
        actor=user,
        action="finance.paused",
        target=subscription,
        school=subscription.account.school_id,
        until=until.isoformat(),
    )
    return subscription


@transaction.atomic
def resume(*, user: User, subscription: Subscription) -> Subscription:
    """Start a paused plan again today; its renewal date moves on by the days it was paused."""
    subscription = _locked(subscription)
    if subscription.status != Status.PAUSED:
        raise BillingError(_("Your plan is not paused."))
    today = renewals.school_today(subscription.account.school)
    days = renewals.resume_paused(subscription, min(today, subscription.resume_by or today))
    subscription.save()
    audit.record(
        actor=user, action="finance.resumed", target=subscription, school=subscription.account.school_id, days=days
    )
    return subscription


# --- add-ons -------------------------------------------------------------------------------------


@transaction.atomic
def buy_add_on(
    *,
    user: User,
    account: FamilyAccount,
    add_on: AddOn,
    quantity: int,
    pupil: Pupil | None = None,
    phone: str = "",
    client_key: str | None = None,
) -> Payment | None:
    """Buy `quantity` of `add_on` (for `pupil`, or the family): waiting until paid (returns the
    payment), or paid at once from the account's credit (returns None)."""
    if earlier := _earlier_payment(account, client_key):
        return earlier
    if client_key and _already_applied(f"add_on:{account.pk}:{client_key}"):
        return None
    _purchase, request = prepare_add_on_purchase(
        user=user, account=account, add_on=add_on, quantity=quantity, pupil=pupil, client_key=client_key
    )
    if request is None:
        return None
    return _ask_for_payment(user=user, account=account, request=request, phone=phone, client_key=client_key)


def prepare_add_on_purchase(
    *,
    user: User,
    account: FamilyAccount,
    add_on: AddOn,
    quantity: int,
    pupil: Pupil | None = None,
    client_key: str | None = None,
) -> tuple[AddOnPurchase, PaymentRequest | None]:
    """`buy_add_on` up to asking for money (inside a transaction): the purchase, waiting, and what
    to ask for; or the purchase paid from the account's credit and None."""
    if add_on.school_id != account.school_id or add_on.currency != account.currency or not add_on.is_active:
        raise BillingError(_("This add-on is not offered to your family."))
    if quantity < 1 or quantity > add_on.max_quantity:
        raise BillingError(_("Choose a quantity from 1 to %(most)s.") % {"most": add_on.max_quantity})
    if pupil is not None and not account.members.filter(pupil=pupil).exists():
        raise BillingError(_("Choose one of your children on this account."))
    purchase = AddOnPurchase.objects.create(
        account=account, add_on=add_on, pupil=pupil, quantity=quantity, unit_price=add_on.price, bought_by=user
    )
    audit.record(
        actor=user,
        action="finance.add_on_asked",
        target=purchase,
        school=account.school_id,
        add_on=add_on.code,
        quantity=quantity,
    )
    total = purchase.total
    credit = available_credit(account)
    if credit >= total:
        ledger.post(
            account=account,
            kind=EntryKind.CHARGE,
            purpose=Purpose.ADD_ON,
            amount=total,
            key=f"add_on:{account.pk}:{client_key or uuid.uuid4().hex}",
            created_by=user,
            details={"add_on": add_on.name, "quantity": quantity, "purchase": purchase.pk, "paid_from": "credit"},
        )
        fulfilment.mark_purchase_paid(purchase)
        return purchase, None
    request = PaymentRequest(
        amount=total - credit,
        purpose=Purpose.ADD_ON,
        details={"add_on_purchase_id": purchase.pk, "add_on_id": add_on.pk, "quantity": quantity, "charge": str(total)},
    )
    return purchase, request
