"""Pages of the M-Pesa payment flow (thin: parse, call one service or selector, render) and the
endpoints M-Pesa posts to.

The M-Pesa endpoints carry no session and no signature (Daraja signs nothing): each is guarded by
a secret in its path (a payment's callback token, or DARAJA_C2B_TOKEN) and, optionally, by
DARAJA_CALLBACK_ALLOWED_IPS. Whatever arrives is stored raw first, in its own transaction."""

import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from finance.daraja.wire import MalformedCallback
from finance.models import CallbackRecord, Purpose
from finance.money import format_money
from finance.payments import selectors, services
from finance.payments.forms import PayForm
from finance.policies import access_payment

# --- Parents' pages --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pay(request):
    account = selectors.account_for_paying(user=request.user, account_id=request.GET.get("account"))
    owed = selectors.amount_owed(account)
    if request.method == "POST":
        form = PayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.start_stk_payment(
                    user=request.user,
                    account=account,
                    amount=data["amount"],
                    purpose=Purpose.BALANCE,
                    details={},
                    phone=data["phone"],
                    client_key=data["client_key"] or None,
                )
            except services.PaymentRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                return redirect("finance:payment", public_id=payment.public_id)
        status = 422
    else:
        form = PayForm(initial={"phone": request.user.phone or "", "amount": int(owed) or None})
        status = 200
    context = {"form": form, "account": account, "owed": owed, "owed_text": format_money(owed, account.currency)}
    return render(request, "finance/payments/pay.html", context, status=status)


@login_required
@require_GET
def paybill(request):
    return render(request, "finance/payments/paybill.html", {"page": selectors.paybill_page_for(user=request.user)})


def _payment_for_page(request, public_id):
    payment = access_payment(user=request.user, public_id=public_id)
    if payment.is_pending:
        # The callback is late: ask M-Pesa ourselves (an outbox entry; never in this request).
        services.payment_check_if_late(payment=payment)
    return payment


def _status_context(request, public_id) -> dict:
    payment = _payment_for_page(request, public_id)
    return {"payment": payment, "amount_text": format_money(payment.amount, payment.currency)}


@login_required
@require_GET
@never_cache
def payment(request, public_id):
    return render(request, "finance/payments/payment.html", _status_context(request, public_id))


@login_required
@require_GET
@never_cache
def payment_status(request, public_id):
    """The status region alone, polled by htmx while the payment is pending."""
    return render(request, "finance/payments/payment.html#status", _status_context(request, public_id))


# --- M-Pesa's side ---------------------------------------------------------------------------


def _sender(request) -> str | None:
    # hub.proxy has already replaced REMOTE_ADDR by the client's address when (and only when) a
    # trusted proxy forwarded the request.
    return request.META.get("REMOTE_ADDR") or None


def _sender_allowed(address: str | None) -> bool:
    allowed = [entry for entry in settings.DARAJA_CALLBACK_ALLOWED_IPS if entry.strip()]
    if not allowed:
        return True
    try:
        sender = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(sender in ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed)


def _stored(request, source) -> tuple[CallbackRecord, bool]:
    address = _sender(request)
    record = services.callback_store(source=source, raw_body=request.body, remote_addr=address)
    if not _sender_allowed(address):
        services.callback_reject(record, "sender not in DARAJA_CALLBACK_ALLOWED_IPS")
        return record, False
    return record, True


REFUSED = {"ResultCode": 1, "ResultDesc": "Rejected"}


@csrf_exempt
@require_POST
def mpesa_callback(request, token):
    record, allowed = _stored(request, CallbackRecord.Source.STK_CALLBACK)
    if not allowed:
        return JsonResponse(REFUSED, status=403)
    try:
        services.stk_callback_apply(record=record, token=token)
    except services.UnknownPayment:
        services.callback_reject(record, "no payment has this callback address")
        return JsonResponse(REFUSED, status=404)
    except MalformedCallback as error:
        services.callback_reject(record, f"malformed: {error}")
        return JsonResponse(REFUSED, status=400)
    # Applied, a duplicate, or flagged: M-Pesa is told it was received either way.
    return JsonResponse(services.ACCEPTED)


def _c2b_secret_ok(secret: str) -> bool:
    expected = settings.DARAJA_C2B_TOKEN
    # An unset token (production before Daraja is set up) matches nothing, not an empty segment.
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


@csrf_exempt
@require_POST
def c2b_validation(request, secret):
    record, allowed = _stored(request, CallbackRecord.Source.C2B_VALIDATION)
    if not _c2b_secret_ok(secret):
        services.callback_reject(record, "wrong Paybill secret")
        raise Http404
    if not allowed:
        return JsonResponse(services.C2B_REJECTED, status=403)
    return JsonResponse(services.c2b_validate(record=record))


@csrf_exempt
@require_POST
def c2b_confirmation(request, secret):
    record, allowed = _stored(request, CallbackRecord.Source.C2B_CONFIRMATION)
    if not _c2b_secret_ok(secret):
        services.callback_reject(record, "wrong Paybill secret")
        raise Http404
    if not allowed:
        return JsonResponse(REFUSED, status=403)
    try:
        services.c2b_confirm(record=record)
    except MalformedCallback as error:
        services.callback_reject(record, f"malformed: {error}")
        return JsonResponse(REFUSED, status=400)
    return JsonResponse(services.ACCEPTED)
