"""What a settled payment buys: billing's `finance.settlement` hooks, and the steps they share with
the services that apply a purchase at once (a free plan, one the account's credit covers).

`paid(payment)` runs inside the transaction that settles the payment, after `finance.payments`
posted the payment's own entry. It reads `payment.purpose` and `payment.details` (written by
`finance.billing.services` when it asked for the money), posts the charge with the key
`charge:<payment id>` (which also marks it done: a second call finds the key and does nothing
more), and applies the subscription, plan change or add-on. When what was paid for no longer fits
(the plan changed meanwhile, the subscription ended), the money stays on the account as credit;
nothing is lost. Any payment, Paybill and balance payments included, renews a past-due
subscription once the balance is back to zero or above.
"""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from accounts import audit
from finance import ledger
from finance.billing import effects, renewals
from finance.models import (
    AddOnPurchase,
    EntryKind,
    LedgerEntry,
    Payment,
    Plan,
    Purpose,
    Subscription,
    SubscriptionStatus,
)

Status = SubscriptionStatus


def charge_key(payment: Payment) -> str:
    return f"charge:{payment.pk}"


def activate(subscription: Subscription, *, on: date) -> None:
    subscription.status = Status.ACTIVE
    subscription.grace_until = None
    renewals.start_period(subscription, on)
    subscription.save()


def switch_plan(subscription: Subscription, *, plan: Plan, new_period_from: date | None, actor) -> None:
    """Put `subscription` on `plan` (from `new_period_from` a new period starts: the plans' periods
    differ) and tell the family."""
    old_plan = subscription.plan
    subscription.plan = plan
    if new_period_from is not None:
        renewals.start_period(subscription, new_period_from)
    subscription.save()
    audit.record(
        actor=actor,
        action="finance.plan_changed",
        target=subscription,
        school=subscription.account.school_id,
        old_plan=old_plan.code,
        plan=plan.code,
    )
    effects.record(
        subscription,
        kind=effects.PLAN_CHANGED,
        key=f"{old_plan.pk}-{plan.pk}:{timezone.now().isoformat()}",
        old_plan=old_plan.name,
        plan=plan.name,
    )


def _locked_subscription(payment: Payment) -> Subscription | None:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "account")
        .filter(pk=payment.details.get("subscription_id"), account_id=payment.account_id)
        .first()
    )


def _charge(payment: Payment, *, amount: Decimal, subscription=None, **details) -> None:
    ledger.post(
        account=payment.account,
        kind=EntryKind.CHARGE,
        purpose=payment.purpose,
        amount=amount,
        key=charge_key(payment),
        payment=payment,
        subscription=subscription,
        created_by=payment.requested_by,
        details=details,
    )


def _left_as_credit(payment: Payment, why: str) -> None:
    audit.record(
        actor=None,
        action="finance.payment_left_as_credit",
        target=payment,
        school=payment.account.school_id,
        reason=why,
    )


def _today(payment: Payment) -> date:
    return renewals.school_today(payment.account.school)


def _subscribe(payment: Payment) -> None:
    subscription = _locked_subscription(payment)
    if subscription is None or subscription.status != Status.PENDING:
        return _left_as_credit(payment, "subscription no longer waiting for payment")
    plan = Plan.objects.filter(pk=payment.details.get("plan_id")).first()
    if plan is None:
        return _left_as_credit(payment, "plan gone")
    subscription.plan = plan
    _charge(payment, amount=Decimal(payment.details["charge"]), subscription=subscription, plan=plan.name)
    activate(subscription, on=_today(payment))
    audit.record(
        actor=payment.requested_by,
        action="finance.subscribed",
        target=subscription,
        school=payment.account.school_id,
        plan=plan.code,
    )
    return None


def _change_plan(payment: Payment) -> None:
    subscription = _locked_subscription(payment)
    details = payment.details
    if (
        subscription is None
        or subscription.status != Status.ACTIVE
        or subscription.plan_id != details.get("from_plan_id")
    ):
        return _left_as_credit(payment, "subscription changed since the quote")
    plan = Plan.objects.filter(pk=details.get("plan_id")).first()
    if plan is None:
        return _left_as_credit(payment, "plan gone")
    _charge(
        payment,
        amount=Decimal(details["charge"]),
        subscription=subscription,
        plan=plan.name,
        from_plan=subscription.plan.name,
        days_left=details.get("days_left"),
    )
    new_period_from = _today(payment) if details.get("new_period") else None
    switch_plan(subscription, plan=plan, new_period_from=new_period_from, actor=payment.requested_by)
    return None


def _add_on(payment: Payment) -> None:
    purchase = (
        AddOnPurchase.objects.select_for_update(of=("self",))
        .select_related("add_on")
        .filter(pk=payment.details.get("add_on_purchase_id"), account_id=payment.account_id)
        .first()
    )
    if purchase is None or purchase.status == AddOnPurchase.Status.PAID:
        return _left_as_credit(payment, "add-on purchase not waiting")
    _charge(payment, amount=purchase.total, add_on=purchase.add_on.name, quantity=purchase.quantity)
    mark_purchase_paid(purchase)
    return None


def mark_purchase_paid(purchase: AddOnPurchase) -> None:
    purchase.status = AddOnPurchase.Status.PAID
    purchase.paid_at = timezone.now()
    purchase.save(update_fields=["status", "paid_at"])


APPLY = {Purpose.SUBSCRIBE: _subscribe, Purpose.PLAN_CHANGE: _change_plan, Purpose.ADD_ON: _add_on}


def paid(payment: Payment) -> None:
    """The `finance.settlement.on_paid("billing", ...)` hook: apply what `payment` paid for, once."""
    apply = APPLY.get(payment.purpose)
    if apply is not None and not LedgerEntry.objects.filter(key=charge_key(payment)).exists():
        apply(payment)
    renewals.renew_if_covered(payment.account)


def failed(payment: Payment) -> None:
    """The `on_failed` hook: a pending add-on purchase is cancelled; a first subscription stays
    waiting (the family can try again); nothing else changes."""
    if payment.purpose == Purpose.ADD_ON:
        AddOnPurchase.objects.filter(
            pk=payment.details.get("add_on_purchase_id"),
            account_id=payment.account_id,
            status=AddOnPurchase.Status.PENDING,
        ).update(status=AddOnPurchase.Status.CANCELLED)
