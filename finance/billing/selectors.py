"""Reads for the plan and payment pages: each page's whole content in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Sum
from django.http import Http404

from accounts.models import User
from finance.billing.renewals import school_today
from finance.models import (
    LIVE_SUBSCRIPTION,
    PENDING_PAYMENT_STATUSES,
    AccountMember,
    FamilyAccount,
    LedgerEntry,
    Payment,
    Subscription,
)
from finance.policies import access_account, accounts_visible_to, add_ons_offered_for, plans_offered_for

PAGE_SIZE = 20


def chosen_account(*, user: User, account_id=None) -> FamilyAccount:
    """The account `?account=<id>` names (checked by access_account), or the user's first; 404 if none."""
    if account_id:
        return access_account(user=user, account_id=account_id)
    account = accounts_visible_to(user).select_related("school").order_by("pk").first()
    if account is None:
        raise Http404
    return account


def _members():
    return Prefetch("members", queryset=AccountMember.objects.select_related("pupil").order_by("pupil__first_name"))


def live_subscriptions(account: FamilyAccount) -> list[Subscription]:
    return list(
        Subscription.objects.filter(LIVE_SUBSCRIPTION, account=account)
        .select_related("plan", "pupil")
        .order_by("pupil__first_name", "pk")
    )


def balance_of(account: FamilyAccount) -> Decimal:
    return LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or Decimal(0)


@dataclass
class HomePage:
    accounts: list[FamilyAccount]
    account: FamilyAccount | None
    subscriptions: list[Subscription] = field(default_factory=list)
    balance: Decimal = Decimal(0)
    pending_payment: Payment | None = None
    to_set_up: list = field(default_factory=list)
    today: date | None = None


def home_page_for(*, user: User, account_id=None, to_set_up=()) -> HomePage:
    accounts = list(accounts_visible_to(user).select_related("school").prefetch_related(_members()).order_by("pk"))
    if account_id:
        account = access_account(user=user, account_id=account_id)
        account = next(a for a in accounts if a.pk == account.pk)
    else:
        account = accounts[0] if accounts else None
    page = HomePage(accounts=accounts, account=account, to_set_up=list(to_set_up))
    if account is None:
        return page
    page.subscriptions = live_subscriptions(account)
    page.balance = balance_of(account)
    page.pending_payment = (
        Payment.objects.filter(account=account, status__in=PENDING_PAYMENT_STATUSES).order_by("-created_at").first()
    )
    page.today = school_today(account.school)
    return page


def plans_page_for(account: FamilyAccount) -> dict:
    plans = list(plans_offered_for(account).order_by("rank", "price", "pk"))
    features: list[str] = []
    for plan in plans:
        for feature in plan.feature_list():
            if feature not in features:
                features.append(feature)
    rows = [(feature, [feature in plan.feature_list() for plan in plans]) for feature in features]
    subscriptions = live_subscriptions(account)
    return {
        "plans": plans,
        "rows": rows,
        "subscriptions": subscriptions,
        "current_plan_ids": {s.plan_id for s in subscriptions},
    }


def add_ons_page_for(account: FamilyAccount) -> dict:
    return {
        "add_ons": add_ons_offered_for(account).order_by("name", "pk"),
        "purchases": list(account.add_on_purchases.select_related("add_on", "pupil").order_by("-created_at")[:10]),
    }


def history_page_for(account: FamilyAccount, *, entries_page=1, payments_page=1) -> tuple[Page, Page]:
    entries = LedgerEntry.objects.filter(account=account).select_related("payment").order_by("-created_at", "-pk")
    payments = Payment.objects.filter(account=account).order_by("-created_at", "-pk")
    return (
        Paginator(entries, PAGE_SIZE).get_page(entries_page),
        Paginator(payments, PAGE_SIZE).get_page(payments_page),
    )
