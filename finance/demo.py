"""Demo data for finance, called by `manage.py seed_demo` after the people exist.

The story: Urban Home School (Nairobi) offers a free plan, Standard (KES 1,500 a month), Premium
(KES 3,000 a month) and Standard yearly (KES 15,000), with extra tutoring hours and printed reports
as add-ons. Grace Mwangi's four children share one family account (each with their Paybill account
number). She bought a printed report, then two tutoring hours, and twenty days ago moved to
Standard: her first prompt she cancelled on the phone, the second she paid. Each payment has its
M-Pesa code, its receipt and its ledger entries, so the family owes nothing. One callback was
flagged (a second callback for the Standard payment, with another amount: nothing was applied) for
the school office to look at in Django admin.

Seeding writes the records directly: nobody is emailed about payments of the past. Safe to run
again: every row has a fixed key (a plan's or add-on's code, the pupil of an account member, a
payment's client key, the flagged callback's note), so a second run finds each and adds nothing.
"""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import Pupil, School, User
from finance import ledger
from finance.models import (
    AccountMember,
    AddOn,
    AddOnPurchase,
    CallbackRecord,
    FailureReason,
    FamilyAccount,
    LedgerEntry,
    Payment,
    PaymentStatus,
    Period,
    Plan,
    Purpose,
    Subscription,
    SubscriptionStatus,
)
from finance.receipts.numbering import next_receipt_number

SLUG = "urban-home-school"
GUARDIAN_EMAIL = "parent@urbanhome.example"
PHONE = "+254722000190"

PLANS = [
    # code, name, price, period, rank, features
    ("free", "Free", "0", Period.MONTHLY, 0, "Weekly progress summary"),
    ("standard", "Standard", "1500", Period.MONTHLY, 1, "Daily lessons\nProgress reports\nMessages with tutors"),
    (
        "premium",
        "Premium",
        "3000",
        Period.MONTHLY,
        2,
        "Daily lessons\nProgress reports\nMessages with tutors\nA weekly call with a tutor",
    ),
    (
        "standard-yearly",
        "Standard yearly",
        "15000",
        Period.YEARLY,
        1,
        "Everything in Standard\nTwo months free",
    ),
]
ADD_ONS = [
    # code, name, unit, price
    ("tutoring", "Extra tutoring hour", "hour", "800"),
    ("printed-report", "Printed report", "printed report", "250"),
]
FLAGGED_NOTE = "A second callback for a paid payment, for KES 15 instead of KES 1,500: nothing applied."


@transaction.atomic
def seed(stdout=None) -> None:
    school = School.objects.filter(slug=SLUG).first()
    guardian = User.objects.filter(email=GUARDIAN_EMAIL).first()
    if school is None or guardian is None:
        return
    children = list(Pupil.objects.filter(school=school, last_name="Mwangi", guardianships__guardian=guardian))
    if not children:
        return
    plans = {code: _plan(school, code, *row) for code, *row in PLANS}
    add_ons = {code: _add_on(school, code, *row) for code, *row in ADD_ONS}
    account = _account(school, children)
    subscription = _subscription(account, plans["standard"], school)
    _history(account, guardian, subscription, plans["standard"], add_ons, children)


def _plan(school, code, name, price, period, rank, features) -> Plan:
    plan, _ = Plan.objects.get_or_create(
        school=school,
        code=code,
        defaults={
            "name": name,
            "price": Decimal(price),
            "period": period,
            "rank": rank,
            "features": features,
            "currency": "KES",
            "max_pause_days": 0 if code == "free" else 30,
        },
    )
    return plan


def _add_on(school, code, name, unit, price) -> AddOn:
    add_on, _ = AddOn.objects.get_or_create(
        school=school, code=code, defaults={"name": name, "unit": unit, "price": Decimal(price), "currency": "KES"}
    )
    return add_on


def _account(school, children) -> FamilyAccount:
    member = AccountMember.objects.filter(pupil__in=children).select_related("account").first()
    account = member.account if member else FamilyAccount.objects.create(school=school, currency="KES")
    for child in children:
        AccountMember.objects.get_or_create(pupil=child, defaults={"account": account})
    return account


def _today(school) -> datetime.date:
    return timezone.localdate(timezone=ZoneInfo(school.time_zone))


def _subscription(account, plan, school) -> Subscription:
    live = Subscription.objects.filter(account=account, pupil=None).exclude(status=SubscriptionStatus.ENDED).first()
    if live is not None:
        return live
    start = _today(school) - datetime.timedelta(days=20)
    month_later = (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    end = month_later.replace(day=min(start.day, 28))
    return Subscription.objects.create(
        account=account,
        plan=plan,
        status=SubscriptionStatus.ACTIVE,
        period_start=start,
        period_end=end,
        created_at=timezone.now() - datetime.timedelta(days=20),
    )


def _history(account, guardian, subscription, standard, add_ons, children) -> None:
    now = timezone.now()
    report = add_ons["printed-report"]
    tutoring = add_ons["tutoring"]
    # client key, days ago, purpose, amount, M-Pesa code (None: not completed), what it bought
    rows = [
        ("demo-mwangi-report", 48, Purpose.ADD_ON, report.price, "SJ84KQ2M7T", (report, 1, children[0])),
        ("demo-mwangi-tutoring", 33, Purpose.ADD_ON, tutoring.price * 2, "SK19DX4P3N", (tutoring, 2, None)),
        ("demo-mwangi-standard-cancelled", 20, Purpose.SUBSCRIBE, standard.price, None, None),
        ("demo-mwangi-standard", 20, Purpose.SUBSCRIBE, standard.price, "SK31HW7L9C", None),
    ]
    for position, (key, days_ago, purpose, amount, code, bought) in enumerate(rows):
        if Payment.objects.filter(client_key=key).exists():
            continue
        started = now - datetime.timedelta(days=days_ago, minutes=30 - position)
        details = {}
        purchase = None
        if bought is not None:
            add_on, quantity, pupil = bought
            purchase = AddOnPurchase.objects.create(
                account=account,
                add_on=add_on,
                pupil=pupil,
                quantity=quantity,
                unit_price=add_on.price,
                status=AddOnPurchase.Status.PAID,
                bought_by=guardian,
                created_at=started,
                paid_at=started + datetime.timedelta(seconds=40),
            )
            details = {"add_on_purchase_id": purchase.pk}
        elif purpose == Purpose.SUBSCRIBE:
            details = {
                "plan_id": standard.pk,
                "subscription_id": subscription.pk,
                "period_start": subscription.period_start.isoformat(),
                "period_end": subscription.period_end.isoformat(),
            }
        paid = code is not None
        payment = Payment.objects.create(
            account=account,
            requested_by=guardian,
            purpose=purpose,
            details=details,
            amount=amount,
            currency="KES",
            phone=PHONE,
            status=PaymentStatus.PAID if paid else PaymentStatus.FAILED,
            failure_reason="" if paid else FailureReason.CANCELLED,
            result_code="0" if paid else "1032",
            result_description="The service request is processed successfully."
            if paid
            else "Request cancelled by user",
            account_reference=account.members.order_by("pk").first().reference,
            merchant_request_id=f"demo-{key}",
            checkout_request_id=f"ws_CO_demo_{key}",
            mpesa_receipt=code,
            client_key=key,
            created_at=started,
            push_attempted_at=started,
            prompted_at=started + datetime.timedelta(seconds=2),
            settled_at=started + datetime.timedelta(seconds=40),
        )
        if not paid:
            continue
        payment.receipt_number = next_receipt_number(payment)
        payment.save(update_fields=["receipt_number"])
        ledger.post(
            account=account,
            kind="payment",
            purpose=purpose,
            amount=amount,
            key=f"payment:{payment.pk}",
            payment=payment,
        )
        ledger.post(
            account=account,
            kind="charge",
            purpose=purpose,
            amount=amount,
            key=f"charge:{payment.pk}",
            payment=payment,
            subscription=subscription if purpose == Purpose.SUBSCRIBE else None,
            details=details,
        )
        # Entered when the payment was settled, weeks ago (a seed writes the past at once).
        LedgerEntry.objects.filter(payment=payment).update(created_at=payment.settled_at)
        if purpose == Purpose.SUBSCRIBE:
            _flag(payment)


def _flag(payment) -> None:
    if CallbackRecord.objects.filter(school_id=payment.account.school_id, note=FLAGGED_NOTE).exists():
        return
    body = {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": payment.merchant_request_id,
                "CheckoutRequestID": payment.checkout_request_id,
                "ResultCode": 0,
                "ResultDesc": "The service request is processed successfully.",
                "CallbackMetadata": {
                    "Item": [
                        {"Name": "Amount", "Value": 15},
                        {"Name": "MpesaReceiptNumber", "Value": "SK31HW7X0Z"},
                        {"Name": "PhoneNumber", "Value": 254722000190},
                    ]
                },
            }
        }
    }
    CallbackRecord.objects.create(
        source=CallbackRecord.Source.STK_CALLBACK,
        payment=payment,
        school_id=payment.account.school_id,
        raw_body=json.dumps(body, indent=2),
        remote_addr="196.201.214.200",
        outcome=CallbackRecord.Outcome.FLAGGED,
        note=FLAGGED_NOTE,
        received_at=payment.settled_at + datetime.timedelta(minutes=3),
    )
