"""Outbox handler for billing's notifications (registered when the plugin's ready() imports this).

A service or the renewal run records `NOTIFY` for a subscription with what happened in the payload;
the handler computes who hears of it when it runs, from `finance.policies.finance_recipients` (the
guardians who may see the account now), and skips anyone already told by this entry, so a run
repeated after a crash notifies nobody twice.
"""

from datetime import date
from decimal import Decimal

from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from finance.models import Subscription
from finance.money import format_money
from finance.policies import finance_recipients
from hub import outbox
from hub.models import OutboxEntry
from messaging.models import Notification
from messaging.notifications import notify
from messaging.notifications.targets import label_of

NOTIFY = "finance.billing.notify"

RENEWAL_REMINDER = "renewal_reminder"
RENEWAL_UNPAID = "renewal_unpaid"
PLAN_CHANGED = "plan_changed"
KINDS = (RENEWAL_REMINDER, RENEWAL_UNPAID, PLAN_CHANGED)


def record(subscription: Subscription, *, kind: str, key: str, **facts) -> None:
    """Record that the family hears of `kind` about `subscription`, once per `key` (a period, a
    change). Call inside the transaction that made the change."""
    outbox.record(NOTIFY, target=subscription, key=f"{kind}:{key}", payload={"kind": kind, **facts})


# Dates and amounts are formatted when the title is read, in the recipient's language.
_day = lazy(lambda iso: date_format(date.fromisoformat(iso), "j F"), str)
_money = lazy(lambda amount, currency: format_money(Decimal(amount), currency), str)


def _url(name: str, account_id: int) -> str:
    try:
        path = reverse(name)
    except NoReverseMatch:  # a part not installed: home always is
        path = reverse("finance:home")
    return f"{path}?account={account_id}"


def _message(payload: dict, account_id: int):
    kind = payload["kind"]
    money = _money(payload.get("amount", "0"), payload.get("currency", "KES"))
    if kind == RENEWAL_REMINDER:
        title = format_lazy(
            _("Your {plan} plan renews on {day}: {amount}"),
            plan=payload["plan"],
            day=_day(payload["day"]),
            amount=money,
        )
        return title, _url("finance:home", account_id)
    if kind == RENEWAL_UNPAID:
        title = format_lazy(
            _("Renewal not paid: pay {amount} by {day} to keep {plan}"),
            plan=payload["plan"],
            day=_day(payload["day"]),
            amount=money,
        )
        return title, _url("finance:pay", account_id)
    if payload.get("ended"):
        title = format_lazy(_("Your {plan} plan has ended"), plan=payload["old_plan"])
    else:
        title = format_lazy(
            _("Your plan changed from {old_plan} to {plan}"), old_plan=payload["old_plan"], plan=payload["plan"]
        )
    return title, _url("finance:home", account_id)


def deliver(entry: OutboxEntry) -> int:
    subscription = Subscription.objects.select_related("account").filter(pk=entry.object_id).first()
    if subscription is None:
        return 0
    account = subscription.account
    kind = entry.payload["kind"]
    title, url = _message(entry.payload, account.pk)
    done = set(
        Notification.objects.filter(
            kind=kind, target_type=label_of(account), target_id=account.pk, created_at__gte=entry.created_at
        ).values_list("user_id", flat=True)
    )
    sent = 0
    for person in finance_recipients(account).exclude(pk__in=done):
        notify(user=person, kind=kind, title=title, url=url, target=account)
        sent += 1
    return sent


@outbox.handler(NOTIFY, queue="realtime")
def notify_family(entry: OutboxEntry) -> None:
    deliver(entry)
