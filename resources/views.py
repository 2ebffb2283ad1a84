"""The library's pages (thin: parse, call one service or selector, render). Every page works
without JavaScript; a refused write re-renders its form with the reason (422)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policies as people
from accounts.models import School, User
from hub.downloads import uploaded_file_response
from resources import policies, selectors, services
from resources.collections.selectors import featured_for
from resources.discovery import selectors as discovery
from resources.forms import (
    DecisionForm,
    FeedbackForm,
    GrantForm,
    NewResourceForm,
    ResourceForm,
    ReviewForm,
    ShareForm,
    SuggestionForm,
    VersionForm,
)
from resources.models import Partnership, UseKind, Visibility
from resources.policies import access_resource, approvals_visible_to, may_edit
from resources.translation import translated_for


def _editable(request, resource_id):
    """The resource, if the user sees it and may change it; 404 otherwise (a colleague who only
    reads it learns nothing more from a guessed edit URL than from a missing one)."""
    resource = access_resource(user=request.user, resource_id=resource_id)
    if not may_edit(user=request.user, resource=resource):
        raise Http404
    return resource


@login_required
@require_GET
def library(request):
    listing = selectors.library_page(
        user=request.user,
        query=request.GET.get("q", ""),
        tag_ids=request.GET.getlist("tag"),
        kind=request.GET.get("kind", ""),
        sort=request.GET.get("sort", ""),
        page=request.GET.get("page", 1),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "resources/library.html",
        {
            "listing": listing,
            "kinds": NewResourceForm.base_fields["kind"].choices[1:],
            "filter_query": query.urlencode(),
            "may_contribute": policies.may_contribute(user=request.user),
            "may_suggest": policies.may_suggest(user=request.user),
            "moderates": policies.moderates_a_school(request.user),
            "suggestions_waiting": selectors.suggestions_waiting(request.user).count(),
            # Featured collections head the library, not a search or a later page of it.
            "featured": [] if listing.filtered or listing.page.number > 1 else featured_for(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request):
    schools = selectors.staff_schools(request.user)
    if not schools.exists():
        raise Http404
    form = NewResourceForm(
        request.POST or None, request.FILES or None, schools=schools, tags=selectors.tags_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = services.resource_create(
                author=request.user,
                school=data["school"],
                title=data["title"],
                kind=data["kind"],
                description=data["description"],
                body=data["body"],
                link_url=data["link_url"],
                link_captioned=data["link_captioned"],
                licence=data["licence"],
                attribution=data["attribution"],
                tags=list(data["tags"]),
                sensitive=data["sensitive"],
                upload=data["file"],
                change_note=_("First version"),
            )
        except services.ResourceRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            messages.success(request, _("Saved as a draft only you can see. Share it when it is ready."))
            return redirect("resources:detail", resource_id=resource.pk)
    status = 422 if form.errors else 200
    return render(request, "resources/edit.html", {"form": form, "resource": None}, status=status)


@login_required
@require_GET
def resource_detail(request, resource_id):
    resource = access_resource(user=request.user, resource_id=resource_id)
    services.use_record(user=request.user, resource=resource, kind=UseKind.VIEW)
    page = selectors.resource_page(user=request.user, resource=resource)
    review_form = ReviewForm(
        initial={"stars": page.my_review.stars, "text": page.my_review.text} if page.my_review else None
    )
    # A family reads it in their language (machine translated, the original one tap away).
    translated = None if page.may_edit else translated_for(user=request.user, resource=resource)
    return render(
        request,
        "resources/detail.html",
        {
            "view": page,
            "resource": resource,
            "review_form": review_form,
            "translated": translated,
            "show_original": request.GET.get("original") == "1",
            "similar": discovery.similar_resources(user=request.user, resource=resource, tags=page.tags),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, resource_id):
    resource = _editable(request, resource_id)
    initial = {
        name: getattr(resource, name)
        for name in (
            "title",
            "kind",
            "description",
            "body",
            "link_url",
            "link_captioned",
            "licence",
            "attribution",
            "sensitive",
        )
    }
    initial["tags"] = list(resource.tags.values_list("pk", flat=True))
    form = ResourceForm(request.POST or None, initial=initial, tags=selectors.tags_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        tags = list(data.pop("tags"))
        services.resource_update(user=request.user, resource=resource, tags=tags, **data)
        messages.success(request, _("Your changes are saved."))
        return redirect("resources:detail", resource_id=resource.pk)
    status = 422 if form.errors else 200
    return render(request, "resources/edit.html", {"form": form, "resource": resource}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def version_new(request, resource_id):
    resource = _editable(request, resource_id)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.version_add(
                user=request.user,
                resource=resource,
                upload=form.cleaned_data["file"],
                change_note=form.cleaned_data["change_note"],
            )
        except services.ResourceRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            messages.success(request, _("Version %(number)s is added.") % {"number": version.number})
            return redirect("resources:detail", resource_id=resource.pk)
    status = 422 if form.errors else 200
    return render(request, "resources/version.html", {"form": form, "resource": resource}, status=status)


@login_required
@require_GET
def version_download(request, resource_id, version_id):
    """A version's file, to those who see the resource; anything else answers 404."""
    resource = access_resource(user=request.user, resource_id=resource_id)
    version = get_object_or_404(resource.versions, pk=version_id)
    services.use_record(user=request.user, resource=resource, kind=UseKind.DOWNLOAD)
    return uploaded_file_response(version.file, content_type=version.content_type, filename=version.original_name)


@login_required
@require_POST
def resource_copy(request, resource_id):
    """A copy at the user's (first) school, as a private draft that records where it came from."""
    resource = access_resource(user=request.user, resource_id=resource_id)
    school = selectors.staff_schools(request.user).first()
    if school is None:
        raise Http404
    try:
        copy = services.resource_copy(user=request.user, resource=resource, school=school)
    except services.ResourceRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("resources:detail", resource_id=resource.pk)
    messages.success(request, _("Copied to %(school)s as a draft.") % {"school": school.name})
    return redirect("resources:detail", resource_id=copy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def resource_share(request, resource_id):
    """Who sees the resource (its tier and families), and grants to people or roles."""
    resource = _editable(request, resource_id)
    schools = School.objects.filter(
        pk__in=[
            resource.school_id,
            *Partnership.objects.filter(school_id=resource.school_id).values_list("partner_id", flat=True),
        ]
    ).order_by("name")
    share_form = ShareForm(
        initial={"visibility": resource.visibility, "published_to_families": resource.published_to_families}
    )
    grant_form = GrantForm(schools=schools)
    status = 200
    confirm_findings = False
    if request.method == "POST" and request.POST.get("action") == "grant":
        grant_form = GrantForm(request.POST, schools=schools)
        if grant_form.is_valid():
            data = grant_form.cleaned_data
            grantee = None
            if data["email"]:
                grantee = User.objects.filter(email__iexact=data["email"], is_active=True).first()
            expires_at = None
            if data["expires_on"]:
                end = dt.datetime.combine(data["expires_on"] + dt.timedelta(days=1), dt.time.min)
                expires_at = timezone.make_aware(end, request.user.zone)
            try:
                if data["email"] and grantee is None:
                    raise services.ResourceRefused(_("Nobody on Homeroom has that email address."))
                services.grant_add(
                    user=request.user,
                    resource=resource,
                    grantee=grantee,
                    school=None if grantee else data["school"],
                    role="" if grantee else data["role"],
                    expires_at=expires_at,
                )
            except services.ResourceRefused as refusal:
                grant_form.add_error(None, refusal.message)
            else:
                messages.success(request, _("Shared."))
                return redirect("resources:share", resource_id=resource.pk)
        status = 422
    elif request.method == "POST":
        share_form = ShareForm(request.POST)
        widening = share_form.is_valid() and (
            share_form.cleaned_data["visibility"] != Visibility.PRIVATE
            or share_form.cleaned_data["published_to_families"]
        )
        # Open accessibility findings warn before publishing; "Publish anyway" goes ahead.
        if widening and resource.accessibility_findings and not request.POST.get("publish_anyway"):
            confirm_findings = True
        elif share_form.is_valid():
            outcome = services.resource_share(
                user=request.user,
                resource=resource,
                visibility=share_form.cleaned_data["visibility"],
                published_to_families=share_form.cleaned_data["published_to_families"],
            )
            if outcome.shared:
                messages.success(request, _("Shared."))
            else:
                messages.info(request, _("This resource is sensitive: a school leader will approve sharing it."))
            return redirect("resources:detail", resource_id=resource.pk)
        else:
            status = 422
    grants = resource.grants.select_related("user", "school").order_by("-created_at")
    return render(
        request,
        "resources/share.html",
        {
            "resource": resource,
            "share_form": share_form,
            "grant_form": grant_form,
            "form": grant_form if grant_form.errors else share_form,
            "grants": grants,
            "now": timezone.now(),
            "confirm_findings": confirm_findings,
        },
        status=status,
    )


@login_required
@require_POST
def resource_delete(request, resource_id):
    resource = _editable(request, resource_id)
    services.resource_delete(user=request.user, resource=resource)
    messages.success(request, _("The resource is deleted."))
    return redirect("resources:library")


@login_required
@require_POST
def review_save(request, resource_id):
    resource = access_resource(user=request.user, resource_id=resource_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_save(
                user=request.user, resource=resource, stars=form.cleaned_data["stars"], text=form.cleaned_data["text"]
            )
        except services.ResourceRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Thank you for your review."))
            return redirect("resources:detail", resource_id=resource.pk)
    page = selectors.resource_page(user=request.user, resource=resource)
    return render(
        request, "resources/detail.html", {"view": page, "resource": resource, "review_form": form}, status=422
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request, resource_id):
    """A family says how a home strategy went (one answer per family, which they may change)."""
    resource = access_resource(user=request.user, resource_id=resource_id)
    page = selectors.resource_page(user=request.user, resource=resource)
    if not page.may_give_feedback:
        raise Http404
    children = people.children_of(request.user).filter(school_id=resource.school_id).order_by("first_name")
    mine = page.my_feedback
    initial = (
        {"pupil": mine.pupil_id, "duration": mine.duration, "outcome": mine.outcome, "comment": mine.comment}
        if mine
        else None
    )
    form = FeedbackForm(request.POST or None, children=children, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_save(
                user=request.user,
                resource=resource,
                pupil=data["pupil"],
                duration=data["duration"],
                outcome=data["outcome"],
                comment=data["comment"],
            )
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, _("Thank you: the school and other families learn from what you tried."))
        return redirect("resources:detail", resource_id=resource.pk)
    status = 422 if form.errors else 200
    return render(request, "resources/feedback.html", {"form": form, "resource": resource}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def approvals(request):
    """The leaders' queue: requests to share a sensitive resource beyond the school."""
    if request.method == "POST":
        approval = get_object_or_404(approvals_visible_to(request.user), pk=request.POST.get("approval"))
        try:
            services.approval_decide(
                user=request.user, approval=approval, approve=request.POST.get("decision") == "approve"
            )
        except services.ResourceRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Decided."))
        return redirect("resources:approvals")
    if not policies.leads_a_school(request.user):
        raise Http404
    return render(request, "resources/approvals.html", {"queue": selectors.approvals_queue(request.user)})


@login_required
@require_GET
def for_you(request):
    """Resources picked for the person: staff by their classes and reviews, families by their
    children's year and needs; each says why."""
    return render(request, "resources/for_you.html", {"suggestions": discovery.for_you(user=request.user)})


@login_required
@require_GET
def coverage(request):
    """The curriculum coverage map of one of the person's schools: which statements or strands of
    a subject have no resource yet. Staff only; another school's map is a 404."""
    schools = list(selectors.staff_schools(request.user))
    if not schools:
        raise Http404
    school_id = request.GET.get("school")
    school = next((school for school in schools if str(school.pk) == school_id), None)
    if school_id and school is None:
        raise Http404
    school = school or schools[0]
    coverage_map = discovery.coverage_map(user=request.user, school=school, subject_id=request.GET.get("subject"))
    return render(request, "resources/coverage.html", {"map": coverage_map, "schools": schools})


@login_required
@require_http_methods(["GET", "POST"])
def strategy_suggest(request):
    """A family suggests a home strategy to their child's school, which checks it before other
    families see it."""
    schools = policies.suggestion_schools(request.user)
    if not schools.exists():
        raise Http404
    form = SuggestionForm(request.POST or None, schools=schools, needs=selectors.need_tags_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = services.strategy_suggest(
                guardian=request.user,
                school=data["school"],
                title=data["title"],
                body=data["body"],
                needs=list(data["needs"]),
                link_url=data["link_url"],
                show_name=data["show_name"],
            )
        except services.ResourceRefused as refusal:
            form.add_error("needs", refusal.message)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request, _("Thank you. The school checks it before other families see it, and tells you when it has.")
            )
            return redirect("resources:detail", resource_id=resource.pk)
    status = 422 if form.errors else 200
    return render(request, "resources/suggest.html", {"form": form}, status=status)


@login_required
@require_POST
def suggestion_withdraw(request, resource_id):
    """The family takes back their own suggestion. Anyone who cannot see it gets 404; its author
    once the school has published it is told so, and nothing changes."""
    resource = access_resource(user=request.user, resource_id=resource_id)
    try:
        services.suggestion_withdraw(guardian=request.user, resource=resource)
    except PermissionDenied:
        raise Http404 from None
    except services.ResourceRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("resources:detail", resource_id=resource.pk)
    messages.success(request, _("Your suggestion is withdrawn. The school will not see it."))
    return redirect("resources:library")


@login_required
@require_GET
def suggestions(request):
    """The moderators' queue: home strategies families suggested at the schools they moderate."""
    if not policies.moderates_a_school(request.user):
        raise Http404
    return render(request, "resources/suggestions.html", {"queue": selectors.suggestions_queue(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def suggestion(request, resource_id):
    """One family's suggestion, and a moderator's decision on it (approve, or decline with a
    reason the family reads). Anyone but its school's moderators gets 404."""
    resource = policies.access_suggestion(user=request.user, resource_id=resource_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.suggestion_decide(
                moderator=request.user,
                resource=resource,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:  # lost the role between the page and the decision
            raise Http404 from None
        except services.ResourceRefused as refusal:
            form.add_error("reason", refusal.message)
        else:
            if not decision.changed:
                messages.info(request, _("This suggestion had already been decided."))
            elif decision.resource.status == "published":
                messages.success(request, _("Published to the school's families. The parent is told."))
            else:
                messages.success(request, _("Declined. The parent is told why."))
            return redirect("resources:suggestions")
    status = 422 if form.errors else 200
    return render(
        request,
        "resources/suggestion.html",
        {"form": form, "resource": resource, "tags": list(resource.tags.order_by("name"))},
        status=status,
    )
