"""A Kenyan school that takes payments, with plans, add-ons and a family account: the shared
starting point of the finance tests (each part adds what it needs)."""

from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Pupil, School, User
from finance.models import AccountMember, AddOn, FamilyAccount, Period, Plan
from tests.factories import GuardianshipFactory, MembershipFactory, PupilFactory, SchoolFactory, UserFactory


@dataclass
class FinanceWorld:
    school: School
    guardian: User
    co_parent: User
    children: list[Pupil]
    account: FamilyAccount
    free: Plan
    standard: Plan
    premium: Plan
    yearly: Plan
    tutoring: AddOn
    printed_report: AddOn
    school_admin: User
    # Another family at the same school, and a family at another school: for "guess the id" tests.
    other_guardian: User = None
    other_account: FamilyAccount = None
    stranger_account: FamilyAccount = None
    extra: dict = field(default_factory=dict)


def make_plans(school: School) -> dict[str, Plan]:
    plans = {
        "free": Plan.objects.create(school=school, name="Free", code="free", price=Decimal("0"), rank=0),
        "standard": Plan.objects.create(
            school=school,
            name="Standard",
            code="standard",
            price=Decimal("1500"),
            rank=1,
            features="Daily lessons\nProgress reports",
        ),
        "premium": Plan.objects.create(
            school=school,
            name="Premium",
            code="premium",
            price=Decimal("3000"),
            rank=2,
            features="Daily lessons\nProgress reports\nWeekly tutor call",
        ),
        "yearly": Plan.objects.create(
            school=school,
            name="Standard yearly",
            code="standard-yearly",
            price=Decimal("15000"),
            period=Period.YEARLY,
            rank=1,
        ),
    }
    return plans


def make_account(school: School, pupils: list[Pupil]) -> FamilyAccount:
    account = FamilyAccount.objects.create(school=school, currency="KES")
    for pupil in pupils:
        AccountMember.objects.create(account=account, pupil=pupil)
    return account


def finance_world() -> FinanceWorld:
    school = SchoolFactory(name="Urban Home School", country="KE", curriculum="kenya_cbc", time_zone="Africa/Nairobi")
    guardian = UserFactory(display_name="Wanjiru Mwangi", phone="+254712345678", preferred_language="en")
    co_parent = UserFactory(display_name="Otieno Mwangi", phone="+254722000111")
    children = [PupilFactory(school=school, first_name=name, last_name="Mwangi") for name in ("Jabari", "Neema")]
    for child in children:
        GuardianshipFactory(guardian=guardian, pupil=child)
        GuardianshipFactory(guardian=co_parent, pupil=child, relationship="father")
    plans = make_plans(school)
    tutoring = AddOn.objects.create(
        school=school, name="Extra tutoring", code="tutoring", unit="hour", price=Decimal("800")
    )
    printed = AddOn.objects.create(
        school=school, name="Printed report", code="printed-report", unit="report", price=Decimal("250")
    )
    account = make_account(school, children)
    school_admin = MembershipFactory(school=school, role="school_admin").user

    other_guardian = UserFactory(display_name="Achieng Odhiambo", phone="+254733444555")
    other_child = PupilFactory(school=school, first_name="Baraka", last_name="Odhiambo")
    GuardianshipFactory(guardian=other_guardian, pupil=other_child)
    other_account = make_account(school, [other_child])

    elsewhere = SchoolFactory(
        name="Lakeside Learning", country="KE", curriculum="kenya_cbc", time_zone="Africa/Nairobi"
    )
    make_plans(elsewhere)
    stranger_child = PupilFactory(school=elsewhere, first_name="Amani", last_name="Kariuki")
    GuardianshipFactory(guardian=UserFactory(display_name="Mary Kariuki"), pupil=stranger_child)
    stranger_account = make_account(elsewhere, [stranger_child])

    return FinanceWorld(
        school=school,
        guardian=guardian,
        co_parent=co_parent,
        children=children,
        account=account,
        free=plans["free"],
        standard=plans["standard"],
        premium=plans["premium"],
        yearly=plans["yearly"],
        tutoring=tutoring,
        printed_report=printed,
        school_admin=school_admin,
        other_guardian=other_guardian,
        other_account=other_account,
        stranger_account=stranger_account,
    )
