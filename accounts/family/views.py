"""The family pages: thin, each calls a policy, a selector or a service, and renders."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.family import policies, selectors, services
from accounts.family.forms import InviteForm, ScopesForm


@login_required
def overview(request):
    rows = selectors.family_overview(request.user)
    return render(request, "accounts/family/overview.html", {"rows": rows})


@login_required
def invite(request):
    children = list(policies.children_to_share(request.user).order_by("date_of_birth", "pk"))
    if not children:
        raise Http404
    form = InviteForm(request.POST or None, children=children)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                inviter=request.user,
                email=form.cleaned_data["email"],
                relationship=form.cleaned_data["relationship"],
                scopes=form.scopes(),
            )
        except services.FamilyError as error:
            form.add_error(error.field, str(error))
        else:
            flash.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect("family:overview")
    return render(request, "accounts/family/invite.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_POST
def revoke(request, family_invitation_id):
    invitation = policies.access_family_invitation(user=request.user, family_invitation_id=family_invitation_id)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except services.FamilyError as error:
        flash.error(request, str(error))
    else:
        flash.success(request, _("The invitation is cancelled. Its link no longer works."))
    return redirect("family:overview")


@login_required
def member(request, guardianship_id):
    member = policies.access_family_member(user=request.user, guardianship_id=guardianship_id)
    if not member.can_view:
        raise Http404
    form = ScopesForm(request.POST or None, initial={"scopes": member.scope.granted()})
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            services.member_remove(actor=request.user, member=member)
            flash.success(
                request,
                _("%(name)s can no longer see %(child)s's information.")
                % {"name": member.guardian.display_name, "child": member.pupil.full_name},
            )
            return redirect("family:overview")
        if form.is_valid():
            services.member_scopes_change(actor=request.user, member=member, scopes=form.cleaned_data["scopes"])
            flash.success(request, _("Saved."))
            return redirect("family:overview")
    status = 422 if form.errors else 200
    return render(request, "accounts/family/member.html", {"member": member, "form": form}, status=status)


@never_cache
def join(request, token):
    invitation = services.invitation_from_token(token)
    if invitation is not None:
        invitation = services.invitation_expire_if_due(invitation=invitation)
    if invitation is None or not invitation.is_usable():
        return render(request, "accounts/family/join_invalid.html", status=404)
    if not request.user.is_authenticated:
        services.remember_for_signup(request, token)
        return render(request, "accounts/family/join_sign_in.html", {"invitation": invitation})
    error = None
    if request.method == "POST":
        try:
            services.invitation_accept(user=request.user, invitation=invitation)
        except services.FamilyError as refusal:
            error = str(refusal)
        else:
            flash.success(request, _("You can now see what was shared with you."))
            return redirect("home")
    wrong_address = request.user.email.lower() != invitation.email.lower()
    context = {"invitation": invitation, "wrong_address": wrong_address, "error": error}
    return render(request, "accounts/family/join.html", context, status=422 if error else 200)
