"""The family's plan and payment pages (/finance/...). Thin: the account through
`finance.policies`, reads through selectors, writes through services; a refusal re-renders the
form with the GOV.UK error summary (422) and changes nothing. `?account=<id>` chooses between a
family's accounts at two schools."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Pupil
from finance.billing import selectors, services
from finance.billing.forms import AddOnForm, ConfirmPlanForm, PauseForm
from finance.billing.services import BillingError
from finance.models import Billing, SubscriptionStatus
from finance.policies import add_ons_offered_for, offered_add_on, offered_plan

Status = SubscriptionStatus


def _account(request):
    return selectors.chosen_account(user=request.user, account_id=request.GET.get("account"))


def _home(account):
    return f"{reverse('finance:home')}?account={account.pk}"


def _after_payment_asked(account, payment):
    """The live status page of the payment just asked for (home if that part is not installed)."""
    try:
        return redirect(reverse("finance:payment", args=[payment.public_id]))
    except NoReverseMatch:
        return redirect(_home(account))


def _children(account):
    return Pupil.objects.filter(finance_membership__account=account).order_by("first_name", "pk")


def _page(request, template, context, form=None):
    return render(request, template, context, status=422 if form is not None and form.errors else 200)


def _subscription(account, subscription_id=None, *, pupil=None):
    subscriptions = selectors.live_subscriptions(account)
    if subscription_id:
        found = next((s for s in subscriptions if str(s.pk) == str(subscription_id)), None)
        if found is None:
            raise Http404
        return found
    if pupil is not None:
        return next((s for s in subscriptions if s.pupil_id == pupil.pk), None)
    return next((s for s in subscriptions if s.pupil_id is None), subscriptions[0] if subscriptions else None)


@login_required
def home(request):
    to_set_up = list(services.pupils_without_account(request.user))
    if request.method == "POST":
        try:
            opened = services.open_account(user=request.user)
        except BillingError as error:
            flash.error(request, error.message)
            return redirect("finance:home")
        flash.success(request, _("Payments are set up. Choose a plan to start."))
        return redirect(_home(opened[0]))
    page = selectors.home_page_for(user=request.user, account_id=request.GET.get("account"), to_set_up=to_set_up)
    if page.account is None and not to_set_up:
        raise Http404
    names = get_text_list([pupil.known_as for pupil in to_set_up], _("and"))
    return render(request, "finance/billing/home.html", {"page": page, "set_up_names": names})


@login_required
def plans(request):
    account = _account(request)
    context = {"account": account, **selectors.plans_page_for(account)}
    return render(request, "finance/billing/plans.html", context)


@login_required
def change_plan(request, plan_id):
    account = _account(request)
    plan = offered_plan(account=account, plan_id=plan_id)
    children = _children(account) if plan.billing == Billing.CHILD else None
    pupil_id = request.POST.get("pupil") or request.GET.get("pupil")
    pupil = children.filter(pk=pupil_id).first() if (children is not None and pupil_id) else None
    subscription = _subscription(account, request.GET.get("subscription"), pupil=pupil)
    if plan.billing == Billing.FAMILY and subscription is not None and subscription.pupil_id is not None:
        subscription = _subscription(account)
        if subscription is not None and subscription.pupil_id is not None:
            subscription = None
    quote = error = None
    first = subscription is None or subscription.status == Status.PENDING
    try:
        if not first:
            quote = services.quote_change(subscription=subscription, plan=plan)
    except BillingError as refusal:
        error = refusal.message
    credit = services.available_credit(account)
    pay_today = max(plan.price - credit, 0) if first else (quote.pay_today if quote else 0)
    form = ConfirmPlanForm(
        request.POST or None,
        needs_phone=pay_today > 0 and error is None,
        children=children,
        phone=request.user.phone or "",
    )
    if request.method == "POST" and error is None and form.is_valid():
        data = form.cleaned_data
        try:
            if first:
                payment = services.subscribe(
                    user=request.user,
                    account=account,
                    plan=plan,
                    pupil=data.get("pupil"),
                    phone=data.get("phone", ""),
                    client_key=data.get("client_key") or None,
                )
            else:
                payment = services.change_plan(
                    user=request.user,
                    subscription=subscription,
                    plan=plan,
                    phone=data.get("phone", ""),
                    client_key=data.get("client_key") or None,
                )
        except BillingError as refusal:
            form.add_error(None, refusal.message)
        else:
            if payment is not None:
                return _after_payment_asked(account, payment)
            flash.success(request, _("Your plan is now %(plan)s.") % {"plan": plan.name})
            return redirect(_home(account))
    context = {
        "account": account,
        "plan": plan,
        "subscription": subscription,
        "first": first,
        "quote": quote,
        "refusal": error,
        "credit": credit,
        "pay_today": pay_today,
        "form": form,
    }
    return _page(request, "finance/billing/change_plan.html", context, form)


@login_required
def pause(request):
    account = _account(request)
    subscription = _subscription(account, request.GET.get("subscription"))
    if subscription is None:
        raise Http404
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pause(user=request.user, subscription=subscription, until=form.cleaned_data["until"])
        except BillingError as refusal:
            form.add_error("until", refusal.message)
        else:
            flash.success(request, _("Your plan is paused."))
            return redirect(_home(account))
    context = {
        "account": account,
        "subscription": subscription,
        "rules": services.pause_rules(subscription.plan),
        "form": form,
    }
    return _page(request, "finance/billing/pause.html", context, form)


@login_required
@require_POST
def resume(request):
    account = _account(request)
    subscription = _subscription(account, request.POST.get("subscription") or request.GET.get("subscription"))
    if subscription is None:
        raise Http404
    try:
        services.resume(user=request.user, subscription=subscription)
    except BillingError as refusal:
        flash.error(request, refusal.message)
    else:
        flash.success(request, _("Your plan has started again."))
    return redirect(_home(account))


@login_required
def add_ons(request):
    account = _account(request)
    children = _children(account)
    form = AddOnForm(
        request.POST or None, add_ons=add_ons_offered_for(account), children=children, phone=request.user.phone or ""
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.buy_add_on(
                user=request.user,
                account=account,
                add_on=offered_add_on(account=account, add_on_id=data["add_on"].pk),
                quantity=data["quantity"],
                pupil=data.get("pupil"),
                phone=data["phone"],
                client_key=data.get("client_key") or None,
            )
        except BillingError as refusal:
            form.add_error(None, refusal.message)
        else:
            if payment is not None:
                return _after_payment_asked(account, payment)
            flash.success(request, _("Bought, and paid from the credit on your account."))
            return redirect(_home(account))
    context = {"account": account, "form": form, **selectors.add_ons_page_for(account)}
    return _page(request, "finance/billing/add_ons.html", context, form)


@login_required
def history(request):
    account = _account(request)
    entries, payments = selectors.history_page_for(
        account, entries_page=request.GET.get("page", 1), payments_page=request.GET.get("payments", 1)
    )
    context = {"account": account, "entries": entries, "payments": payments}
    return render(request, "finance/billing/history.html", context)
