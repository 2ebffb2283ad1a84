"""The pages an emailed invitation or link notice opens. A link that does not check out answers 404."""

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.http import base36_to_int
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.invitations import services
from accounts.invitations.tokens import invitation_tokens, link_tokens
from accounts.models import AccountLink, User


def _from_base36(queryset, uidb36: str):
    try:
        return queryset.filter(pk=base36_to_int(uidb36)).first()
    except ValueError:
        return None


def _link_does_not_work(request):
    return render(request, "accounts/invitation_invalid.html", status=404)


@never_cache
def invitation_accept(request, uidb36, key):
    user = _from_base36(User.objects.all(), uidb36)
    if user is None or not user.is_active or not invitation_tokens.check_token(user, key):
        return _link_does_not_work(request)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.invitation_accept(user=user, password=form.cleaned_data["new_password1"])
        messages.success(request, _("Your password is set. Sign in with your email address and new password."))
        return redirect("account_login")
    status = 422 if form.errors else 200
    return render(request, "accounts/invitation_accept.html", {"form": form, "invited": user}, status=status)


@never_cache
def link_respond(request, uidb36, key):
    link = _from_base36(AccountLink.objects.select_related("user", "school"), uidb36)
    if link is None or link.status != AccountLink.Status.PENDING or not link_tokens.check_token(link, key):
        return _link_does_not_work(request)
    if request.method == "POST":
        if request.POST.get("answer") == "accept":
            services.link_accept(link=link)
            if not link.user.has_usable_password():
                # A pre-made account that was never activated: the owner sets a password now.
                return redirect(services.invitation_url(user=link.user))
            messages.success(request, _("Your account is now linked to %(school)s.") % {"school": link.school.name})
        else:
            services.link_decline(link=link)
            messages.success(request, _("Nothing was linked. %(school)s has been told.") % {"school": link.school.name})
        return redirect("home" if request.user.is_authenticated else "account_login")
    context = {"link": link, "lines": services.describe_links(link)}
    return render(request, "accounts/link_respond.html", context)
