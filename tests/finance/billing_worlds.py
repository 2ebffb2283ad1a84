"""Finance rows for the project-wide walks (authorization and accessibility): plans at a school
and a family account for a child, created only if another module has not made them already
(several modules may run on one world)."""

from decimal import Decimal

from finance.models import AccountMember, FamilyAccount, Plan

PLANS = (
    ("free", "Free", "0", 0, ""),
    ("standard", "Standard", "1500", 1, "Daily lessons\nProgress reports"),
    ("premium", "Premium", "3000", 2, "Daily lessons\nProgress reports\nWeekly tutor call"),
)


def ensure_plans(school, prefix: str = "") -> dict[str, Plan]:
    plans = {}
    for code, name, price, rank, features in PLANS:
        plans[code], _created = Plan.objects.get_or_create(
            school=school,
            code=code,
            defaults={
                "name": f"{prefix}{name}",
                "price": Decimal(price),
                "rank": rank,
                "features": features,
                "currency": "KES",
            },
        )
    return plans


def ensure_account(pupil) -> FamilyAccount:
    member = AccountMember.objects.filter(pupil=pupil).select_related("account").first()
    if member is not None:
        return member.account
    account = FamilyAccount.objects.create(school=pupil.school, currency="KES")
    AccountMember.objects.create(account=account, pupil=pupil)
    return account
