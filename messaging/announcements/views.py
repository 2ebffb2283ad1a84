"""Announcement pages. Thin: parse input, call one policy/selector/service, render.

Plain HTML forms throughout (no JavaScript needed); a guessed id answers 404.
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.models import ClassGroup, Pupil
from hub.downloads import uploaded_file_response
from messaging.announcements import policies, selectors, services
from messaging.announcements.forms import AnnouncementForm, AnswerForm, ReplyForm
from messaging.services import MessagingError


@login_required
def announcement_list(request):
    page = Paginator(selectors.announcements_for(request.user), 20).get_page(request.GET.get("page"))
    announcements = [(item, selectors.shown(item, "title")) for item in page.object_list]
    can_post = policies.schools_to_post_in(request.user).exists()
    return render(
        request,
        "messaging/announcements/list.html",
        {"page": page, "announcements": announcements, "can_post": can_post},
    )


def _form_for(request, user):
    schools = list(policies.schools_to_post_in(user))
    if not schools:
        raise Http404
    whole = [school.pk for school in schools if policies.posts_to_whole_school(user=user, school=school)]
    groups = ClassGroup.objects.none()
    for school in schools:
        groups = groups | policies.class_groups_postable(user=user, school=school)
    year_groups = (
        Pupil.objects.current()
        .filter(school_id__in=whole)
        .order_by("year_group")
        .values_list("year_group", flat=True)
        .distinct()
    )
    posted = request.method == "POST"
    return AnnouncementForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        schools=schools,
        class_groups=groups.order_by("name"),
        year_groups=list(year_groups),
        whole_school=bool(whole),
        initial={"school": schools[0].pk},
    )


@login_required
def announcement_new(request):
    form = _form_for(request, request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("attachment")
        try:
            announcement = services.announcement_post(
                author=request.user,
                school_id=data["school"],
                audience=data["audience"],
                title=data["title"],
                body=data["body"],
                class_group_ids=data.get("class_groups") or [],
                year_group=data.get("year_group") or "",
                urgent=data.get("urgent") or False,
                response=data["response"],
                question=data.get("question") or "",
                options=data.get("option_list") or [],
                attachments=[upload] if upload else [],
                send_at=data.get("send_at"),
                client_key=data.get("client_key") or "",
            )
        except PermissionDenied:
            form.add_error(None, _("You can only post to the classes you teach."))
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            if announcement.status == announcement.Status.SCHEDULED:
                flash.success(request, _("Your announcement is scheduled."))
            else:
                flash.success(request, _("Your announcement is on its way to families."))
            return redirect("messaging:announcement", announcement.pk)
    status = 422 if form.errors else 200
    return render(request, "messaging/announcements/new.html", {"form": form}, status=status)


@login_required
def announcement_detail(request, announcement_id):
    announcement = policies.access_announcement(user=request.user, announcement_id=announcement_id)
    services.announcement_mark_read(reader=request.user, announcement=announcement)
    page = selectors.announcement_page(
        user=request.user, announcement=announcement, original=request.GET.get("original") == "1"
    )
    answer_form = AnswerForm(
        initial={"answer": page.receipt.answer if page.receipt else None},
        choices=page.announcement.answer_choices(),
    )
    context = {
        "page": page,
        "announcement": page.announcement,
        "audience": selectors.audience_label(page.announcement),
        "answer_form": answer_form,
    }
    return render(request, "messaging/announcements/detail.html", context)


@login_required
@require_POST
def announcement_answer(request, announcement_id):
    announcement = policies.access_announcement(user=request.user, announcement_id=announcement_id)
    form = AnswerForm(request.POST, choices=announcement.answer_choices())
    if form.is_valid():
        try:
            services.announcement_answer(
                reader=request.user, announcement=announcement, answer=form.cleaned_data["answer"]
            )
        except PermissionDenied:
            raise Http404 from None
        except MessagingError as error:
            form.add_error("answer", str(error))
        else:
            flash.success(request, _("Thank you: your answer has been sent to the school."))
            return redirect("messaging:announcement", announcement.pk)
    page = selectors.announcement_page(user=request.user, announcement=announcement)
    context = {
        "page": page,
        "announcement": page.announcement,
        "audience": selectors.audience_label(page.announcement),
        "answer_form": form,
    }
    return render(request, "messaging/announcements/detail.html", context, status=422)


@login_required
def announcement_reply(request, announcement_id):
    announcement = policies.access_announcement(user=request.user, announcement_id=announcement_id)
    if not policies.is_recipient(user=request.user, announcement=announcement):
        raise Http404
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.announcement_reply(
                guardian=request.user, announcement=announcement, body=form.cleaned_data["body"]
            )
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            return redirect("messaging:thread", conversation.pk)
    status = 422 if form.errors else 200
    context = {"announcement": announcement, "form": form}
    return render(request, "messaging/announcements/reply.html", context, status=status)


@login_required
def announcement_figures(request, announcement_id):
    announcement = policies.access_announcement_figures(user=request.user, announcement_id=announcement_id)
    figures = selectors.figures_for(announcement)
    audit.record(
        actor=request.user, action="announcement.figures_viewed", target=announcement, school=announcement.school_id
    )
    return render(request, "messaging/announcements/figures.html", {"figures": figures, "announcement": announcement})


@login_required
@require_POST
def announcement_remind(request, announcement_id):
    announcement = policies.access_announcement_figures(user=request.user, announcement_id=announcement_id)
    try:
        services.announcement_remind(user=request.user, announcement=announcement)
    except PermissionDenied:
        raise Http404 from None
    flash.success(request, _("A reminder is on its way to the families who have not replied yet."))
    return redirect("messaging:announcement_figures", announcement.pk)


@login_required
@require_POST
def announcement_cancel(request, announcement_id):
    announcement = policies.access_announcement(user=request.user, announcement_id=announcement_id)
    try:
        services.announcement_cancel(user=request.user, announcement=announcement)
    except PermissionDenied:
        raise Http404 from None
    flash.success(request, _("The scheduled announcement is cancelled."))
    return redirect("messaging:announcements")


@login_required
def announcement_attachment(request, attachment_id):
    attachment = policies.access_announcement_attachment(user=request.user, attachment_id=attachment_id)
    audit.record(
        actor=request.user,
        action="announcement.attachment_downloaded",
        target=attachment,
        announcement_id=attachment.announcement_id,
    )
    return uploaded_file_response(
        attachment.file, content_type=attachment.content_type, filename=attachment.original_name
    )
