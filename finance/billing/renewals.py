"""Renewals: the daily run (reminders, renewal charges, grace, the downgrade after it) and the rule
that a payment bringing a past-due family's balance to zero renews their plan.

Every step is keyed by the subscription and the period it is about (ledger keys, outbox keys,
`reminded_for`), and each subscription is moved in its own short transaction with its row locked,
so a run repeated the same day (or two runs at once) charges and tells nobody twice.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import audit
from finance import ledger
from finance.billing import effects
from finance.billing.proration import period_end as next_period_end
from finance.models import (
    EntryKind,
    FamilyAccount,
    LedgerEntry,
    Plan,
    Purpose,
    Subscription,
    SubscriptionStatus,
)

logger = logging.getLogger(__name__)

Status = SubscriptionStatus


def grace_days() -> int:
    return int(getattr(settings, "FINANCE_GRACE_DAYS", 7))


def reminder_days() -> int:
    return int(getattr(settings, "FINANCE_REMINDER_DAYS", 5))


def school_today(school) -> date:
    """Today on the school's calendar (periods are dates there)."""
    return timezone.now().astimezone(school.zone).date()


def renewal_key(subscription: Subscription) -> str:
    return f"renewal:{subscription.pk}:{subscription.period_end.isoformat()}"


def free_plan_for(subscription: Subscription) -> Plan | None:
    """Where a lapsed subscription falls back to: the school's most basic free plan, billed the
    same way, in the account's currency."""
    return (
        Plan.objects.filter(
            school_id=subscription.plan.school_id,
            is_active=True,
            price=0,
            currency=subscription.account.currency,
            billing=subscription.plan.billing,
        )
        .order_by("rank", "pk")
        .first()
    )


def start_period(subscription: Subscription, on: date) -> None:
    subscription.period_start = on
    subscription.period_end = next_period_end(on, subscription.plan.period)


def advance(subscription: Subscription) -> None:
    """The next period, starting where the last one ended (a renewal paid late keeps the dates)."""
    start_period(subscription, subscription.period_end)
    subscription.status = Status.ACTIVE
    subscription.grace_until = None


def resume_paused(subscription: Subscription, on: date) -> int:
    """Back to active on `on`; the period end moves by the days it was paused. Returns the days."""
    days = max(0, (on - subscription.paused_on).days) if subscription.paused_on else 0
    subscription.period_end = subscription.period_end + timedelta(days=days)
    subscription.status = Status.ACTIVE
    subscription.resume_by = None
    return days


def renew_if_covered(account: FamilyAccount) -> list[Subscription]:
    """Renew the account's past-due subscriptions when its balance is zero or above (a payment came
    in during the grace period). Runs inside the settling transaction; returns those renewed."""
    renewed = []
    due = list(
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan")
        .filter(account=account, status=Status.PAST_DUE)
        .order_by("pk")
    )
    if not due or ledger.balance(account) < 0:
        return renewed
    for subscription in due:
        advance(subscription)
        subscription.save()
        audit.record(actor=None, action="finance.renewal_paid", target=subscription, school=account.school_id)
        renewed.append(subscription)
    return renewed


def _remind(subscription: Subscription, today: date) -> bool:
    if subscription.plan.is_free or subscription.reminded_for == subscription.period_end:
        return False
    if not (subscription.period_end - timedelta(days=reminder_days()) <= today < subscription.period_end):
        return False
    subscription.reminded_for = subscription.period_end
    subscription.save(update_fields=["reminded_for", "updated_at"])
    effects.record(
        subscription,
        kind=effects.RENEWAL_REMINDER,
        key=subscription.period_end.isoformat(),
        plan=subscription.plan.name,
        amount=str(subscription.plan.price),
        currency=subscription.account.currency,
        day=subscription.period_end.isoformat(),
    )
    return True


def _renew(subscription: Subscription, today: date) -> str:
    """Charge the renewal on the period's end; renewed at once if the balance covers it, else past due."""
    plan = subscription.plan
    if plan.is_free:
        advance(subscription)
        subscription.save()
        return "renewed"
    ledger.post(
        account=subscription.account,
        kind=EntryKind.CHARGE,
        purpose=Purpose.RENEWAL,
        amount=plan.price,
        key=renewal_key(subscription),
        subscription=subscription,
        details={"plan": plan.name, "period_start": subscription.period_end.isoformat()},
    )
    school = subscription.account.school_id
    if ledger.balance(subscription.account) >= 0:
        advance(subscription)
        subscription.save()
        audit.record(actor=None, action="finance.renewed", target=subscription, school=school, plan=plan.code)
        return "renewed"
    subscription.status = Status.PAST_DUE
    subscription.grace_until = subscription.period_end + timedelta(days=grace_days())
    subscription.save()
    audit.record(actor=None, action="finance.renewal_unpaid", target=subscription, school=school, plan=plan.code)
    effects.record(
        subscription,
        kind=effects.RENEWAL_UNPAID,
        key=subscription.period_end.isoformat(),
        plan=plan.name,
        amount=str(-ledger.balance(subscription.account)),
        currency=subscription.account.currency,
        day=subscription.grace_until.isoformat(),
    )
    return "past_due"


def _lapse(subscription: Subscription, today: date) -> str:
    """After the grace: the unpaid renewal is taken back (the family owes nothing for a period they
    do not get) and the subscription falls back to the free plan, or ends."""
    old_plan = subscription.plan
    charge = LedgerEntry.objects.filter(key=renewal_key(subscription)).first()
    if charge is not None:
        ledger.post(
            account=subscription.account,
            kind=EntryKind.CREDIT,
            purpose=Purpose.RENEWAL,
            amount=-charge.amount,
            key=f"renewal-cancelled:{subscription.pk}:{subscription.period_end.isoformat()}",
            subscription=subscription,
            details={"plan": old_plan.name, "reason": "grace_over"},
        )
    free = free_plan_for(subscription)
    key = subscription.period_end.isoformat()
    subscription.grace_until = None
    if free is not None:
        subscription.plan = free
        subscription.status = Status.ACTIVE
        start_period(subscription, today)
        outcome = "downgraded"
    else:
        subscription.status = Status.ENDED
        subscription.ended_at = timezone.now()
        outcome = "ended"
    subscription.save()
    audit.record(
        actor=None,
        action=f"finance.{outcome}",
        target=subscription,
        school=subscription.account.school_id,
        old_plan=old_plan.code,
    )
    effects.record(
        subscription,
        kind=effects.PLAN_CHANGED,
        key=f"lapsed:{key}",
        old_plan=old_plan.name,
        plan=free.name if free else "",
        ended=free is None,
    )
    return outcome


@transaction.atomic
def _run_one(subscription_id: int, today: date | None) -> list[str]:
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "account", "account__school")
        .get(pk=subscription_id)
    )
    today = today or school_today(subscription.account.school)
    done = []
    if subscription.status == Status.PAUSED and subscription.resume_by and subscription.resume_by <= today:
        resume_paused(subscription, subscription.resume_by)
        subscription.save()
        done.append("resumed")
    # A run that missed days catches up period by period (each keyed, so charged once).
    for _ in range(24):
        if subscription.status != Status.ACTIVE or subscription.period_end is None:
            break
        if subscription.period_end > today:
            if _remind(subscription, today):
                done.append("reminded")
            break
        outcome = _renew(subscription, today)
        done.append(outcome)
    if subscription.status == Status.PAST_DUE and ledger.balance(subscription.account) >= 0:
        # Settled another way meanwhile (a correction by the school, a credit): renewed, not lapsed.
        advance(subscription)
        subscription.save()
        done.append("renewed")
    if subscription.status == Status.PAST_DUE and subscription.grace_until and subscription.grace_until < today:
        done.append(_lapse(subscription, today))
    return done


def renewals_run(today: date | None = None) -> dict[str, int]:
    """The daily run (`today`: a date for tests; else each school's own today). Returns a count of
    what it did per outcome ("reminded", "renewed", "past_due", "downgraded", "ended", "resumed")."""
    horizon = (today or timezone.now().date()) + timedelta(days=1)
    candidates = Subscription.objects.filter(
        status__in=[Status.ACTIVE, Status.PAST_DUE, Status.PAUSED], period_end__isnull=False
    ).filter(period_end__lte=horizon + timedelta(days=reminder_days()))
    paused = Subscription.objects.filter(status=Status.PAUSED, resume_by__lte=horizon)
    past_due = Subscription.objects.filter(status=Status.PAST_DUE)
    ids = sorted(
        set(candidates.values_list("pk", flat=True))
        | set(paused.values_list("pk", flat=True))
        | set(past_due.values_list("pk", flat=True))
    )
    counts: dict[str, int] = {}
    for subscription_id in ids:
        try:
            outcomes = _run_one(subscription_id, today)
        except Exception:  # one family's problem never stops the others' renewals
            logger.exception("finance: renewal run failed for subscription %s", subscription_id)
            counts["failed"] = counts.get("failed", 0) + 1
            continue
        for outcome in outcomes:
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
