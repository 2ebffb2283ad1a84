"""Who may see or do what with a family's money. The only place these rules live; every answer is
read from the database on each call, so a withdrawn viewing right (or a family member whose
"finance" scope was taken away) counts from the next request.

A family account is visible to a guardian with viewing rights and the "finance" scope for at least
one of its pupils (`accounts.policies.viewing_guardianships("finance")`). School staff reach
accounts only through Django admin, scoped to their school. Payment callbacks are not decided
here: they carry no user, only the payment's secret token (`finance.payments`).
"""

from django.db.models import QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.models import Pupil, User
from finance.models import AddOn, FamilyAccount, Payment, Plan

SCOPE = "finance"


def _finance_pupils(user: User):
    return people.viewing_guardianships(SCOPE).filter(guardian=user).values("pupil_id")


def accounts_visible_to(user: User) -> QuerySet[FamilyAccount]:
    if not user.is_authenticated:
        return FamilyAccount.objects.none()
    return FamilyAccount.objects.filter(members__pupil_id__in=_finance_pupils(user)).distinct()


def access_account(*, user: User, account_id, for_update: bool = False) -> FamilyAccount:
    """The account if `user` may see it; otherwise Http404, whatever the reason."""
    try:
        account = accounts_visible_to(user).select_related("school").get(pk=account_id)
    except (FamilyAccount.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(account, "school") if for_update else account


def payments_visible_to(user: User) -> QuerySet[Payment]:
    if not user.is_authenticated:
        return Payment.objects.none()
    return Payment.objects.filter(account__in=accounts_visible_to(user).values("pk"))


def access_payment(*, user: User, public_id, for_update: bool = False) -> Payment:
    """A payment (by its public id, never the row id) of an account `user` may see, or Http404."""
    try:
        payment = payments_visible_to(user).select_related("account", "account__school").get(public_id=public_id)
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(payment, "account", "account__school") if for_update else payment


def pupils_for_finance(user: User) -> QuerySet[Pupil]:
    """The user's children whose money matters they may see (the "finance" scope)."""
    return people.children_with_scope(user=user, scope=SCOPE)


def plans_offered_for(account: FamilyAccount) -> QuerySet[Plan]:
    return Plan.objects.filter(school_id=account.school_id, is_active=True, currency=account.currency)


def offered_plan(*, account: FamilyAccount, plan_id) -> Plan:
    """A plan the account's school offers in its currency, or Http404 (the account was already
    reached through `access_account`, so this is about the plan, not the person)."""
    try:
        return plans_offered_for(account).get(pk=plan_id)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def add_ons_offered_for(account: FamilyAccount) -> QuerySet[AddOn]:
    return AddOn.objects.filter(school_id=account.school_id, is_active=True, currency=account.currency)


def offered_add_on(*, account: FamilyAccount, add_on_id) -> AddOn:
    try:
        return add_ons_offered_for(account).get(pk=add_on_id)
    except (AddOn.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_see_finance(user: User) -> bool:
    return user.is_authenticated and people.viewing_guardianships(SCOPE).filter(guardian=user).exists()


def finance_recipients(account: FamilyAccount) -> QuerySet[User]:
    """Everyone who may see this account now: receipts and reminders go to each of them, decided
    at the moment of delivery."""
    pupil_ids = account.members.values("pupil_id")
    guardian_ids = people.viewing_guardianships(SCOPE).filter(pupil_id__in=pupil_ids).values("guardian_id")
    return User.objects.filter(pk__in=guardian_ids, is_active=True)
