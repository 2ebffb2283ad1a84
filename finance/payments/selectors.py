"""Reads for the payment pages, each in a fixed number of queries."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.http import Http404

from finance import ledger
from finance.models import AccountMember, FamilyAccount
from finance.policies import access_account, accounts_visible_to, pupils_for_finance


def account_for_paying(*, user, account_id=None) -> FamilyAccount:
    """The family account a parent pays into: the one named (if they may see it), else their
    first; Http404 when they may see none."""
    if account_id:
        return access_account(user=user, account_id=account_id)
    account = accounts_visible_to(user).select_related("school").order_by("pk").first()
    if account is None:
        raise Http404
    return account


def amount_owed(account: FamilyAccount) -> Decimal:
    """What the family owes (0 when they are in credit), in whole shillings rounded up."""
    balance = ledger.balance(account)
    if balance >= 0:
        return Decimal("0")
    return (-balance).to_integral_value(rounding="ROUND_CEILING")


@dataclass
class PaybillPage:
    shortcode: str
    members: list[AccountMember]


def paybill_page_for(*, user) -> PaybillPage:
    """The Paybill number and the account number of each child whose money matters the parent may
    see (two queries, however many children)."""
    members = list(
        AccountMember.objects.filter(account__in=accounts_visible_to(user).values("pk"))
        .filter(pupil__in=pupils_for_finance(user))
        .select_related("pupil")
        .order_by("pupil__first_name", "pk")
    )
    if not members:
        raise Http404
    return PaybillPage(shortcode=settings.DARAJA_SHORTCODE, members=members)
