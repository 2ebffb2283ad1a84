"""The receipt as a PDF (WeasyPrint): A4, tagged for screen readers (PDF/UA-1), with its title and
language set. Everything on it is read from the database when it is rendered, so a receipt
downloaded again next year says what it said on the day (the balance is the one just after the
payment, not today's)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Max, Sum
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from finance.models import AddOn, AddOnPurchase, LedgerEntry, Payment, Plan, Purpose, Subscription
from finance.money import format_money

VISIBLE_PHONE_DIGITS = 3


def masked_phone(phone: str) -> str:
    """`+254712345678` -> `+•••••••••678`: enough for a family to recognise whose phone paid."""
    if not phone:
        return ""
    digits = [index for index, char in enumerate(phone) if char.isdigit()]
    hidden = set(digits[:-VISIBLE_PHONE_DIGITS])
    return "".join("•" if index in hidden else char for index, char in enumerate(phone))


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _period_words(start, end) -> str:
    """A period that runs up to, not including, `end` (as subscriptions' periods do), in words."""
    start, end = _date(start), _date(end)
    if not start:
        return ""
    if not end:
        return _("from %(start)s") % {"start": formats.date_format(start, "j F Y")}
    last_day = end - datetime.timedelta(days=1) if end > start else end
    return _("%(start)s to %(end)s") % {
        "start": formats.date_format(start, "j F Y"),
        "end": formats.date_format(last_day, "j F Y"),
    }


def _plan_words(plan: Plan, start, end) -> str:
    text = _("%(plan)s plan (%(period)s)") % {"plan": plan.name, "period": plan.get_period_display().lower()}
    period = _period_words(start, end)
    return f"{text}, {period}" if period else text


def paid_for(payment: Payment) -> list[str]:
    """What the payment paid for, in words, from what `payment.details` names (the plan with the
    period, the add-on with its quantity) or else its purpose. Reads `plan_id`, `period_start`,
    `period_end`, `subscription_id`, `add_on_purchase_id` (or `purchase_id`), `add_on_id` and
    `quantity`; rows of another school are ignored."""
    details = payment.details or {}
    school_id = payment.account.school_id
    lines = []
    plan = None
    start, end = details.get("period_start"), details.get("period_end")
    if details.get("plan_id"):
        plan = Plan.objects.filter(pk=details["plan_id"], school_id=school_id).first()
    if details.get("subscription_id"):
        subscription = (
            Subscription.objects.select_related("plan")
            .filter(pk=details["subscription_id"], account_id=payment.account_id)
            .first()
        )
        if subscription is not None:
            plan = plan or subscription.plan
            start, end = start or subscription.period_start, end or subscription.period_end
    if plan is not None:
        lines.append(_plan_words(plan, start, end))
    purchase_id = details.get("add_on_purchase_id")
    purchase = (
        AddOnPurchase.objects.select_related("add_on").filter(pk=purchase_id, account_id=payment.account_id).first()
        if purchase_id
        else None
    )
    if purchase is not None:
        lines.append(_("%(add_on)s × %(quantity)s") % {"add_on": purchase.add_on.name, "quantity": purchase.quantity})
    elif details.get("add_on_id"):
        add_on = AddOn.objects.filter(pk=details["add_on_id"], school_id=school_id).first()
        if add_on is not None:
            lines.append(
                _("%(add_on)s × %(quantity)s") % {"add_on": add_on.name, "quantity": details.get("quantity", 1)}
            )
    if payment.purpose == Purpose.BALANCE or not lines:
        lines.append(str(Purpose(payment.purpose).label) if payment.purpose in Purpose.values else _("Payment"))
    return lines


def balance_after(payment: Payment) -> Decimal:
    """The account's balance just after this payment and what it paid for were entered."""
    entries = LedgerEntry.objects.filter(account_id=payment.account_id)
    last = payment.entries.aggregate(last=Max("pk"))["last"]
    if last is not None:
        entries = entries.filter(pk__lte=last)
    return entries.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def _balance_words(balance: Decimal, currency: str) -> str:
    if balance < 0:
        return _("Still to pay: %(amount)s") % {"amount": format_money(-balance, currency)}
    if balance > 0:
        return _("In credit: %(amount)s") % {"amount": format_money(balance, currency)}
    return _("Nothing owed: %(amount)s") % {"amount": format_money(balance, currency)}


def receipt_context(payment: Payment) -> dict:
    """What the receipt shows, in the active language."""
    school = payment.account.school
    settled = payment.settled_at or payment.created_at
    local = settled.astimezone(ZoneInfo(school.time_zone))
    payer = payment.requested_by.display_name if payment.requested_by_id else payment.details.get("payer_name", "")
    return {
        "payment": payment,
        "school": school,
        "number": payment.receipt_number,
        "paid_on": formats.date_format(local, "j F Y, H:i"),
        "time_zone": school.time_zone,
        "payer": payer,
        "phone": masked_phone(payment.phone),
        "mpesa_receipt": payment.mpesa_receipt or "",
        "method": payment.get_method_display(),
        "lines": paid_for(payment),
        "amount": format_money(payment.amount, payment.currency),
        "balance": _balance_words(balance_after(payment), payment.currency),
        "members": list(payment.account.members.select_related("pupil")),
    }


def render_receipt_pdf(payment: Payment, *, language: str) -> bytes:
    """The receipt of a paid payment, in `language`: A4, tagged (PDF/UA-1), titled and with its
    language set, so screen readers read it in order and in the right voice."""
    payment = Payment.objects.select_related("account__school", "requested_by").get(pk=payment.pk)
    with translation.override(language):
        context = receipt_context(payment)
        context["language"] = translation.get_language()
        html = render_to_string("finance/receipts/receipt.html", context)
    # Imported here, not at start-up: WeasyPrint takes a while to load (and logs its own
    # stylesheets as it does), and only this function needs it.
    from weasyprint import HTML

    # WeasyPrint 70 takes the PDF/UA-1 variant (tags, title shown, language); older versions only
    # pdf_tags=True, which is not enough to claim PDF/UA.
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
