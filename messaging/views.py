"""Messaging pages. Thin: parse input, call one policy/selector/service, render.

Every page works as plain HTML forms; htmx (composer posts, live updates over the WebSocket)
only enhances it. A guessed id of something the user may not see answers 404.
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts import policies as people
from hub.downloads import uploaded_file_response
from messaging import policies, selectors
from messaging.forms import (
    ConversationStartForm,
    InboxFilterForm,
    MessageForm,
    PupilSearchForm,
    ScheduledMessageForm,
    TemplateFillForm,
    TranslationCheckForm,
    TranslationPreviewForm,
)
from messaging.models import Conversation
from messaging.services import MessagingError, boundaries, conversations, safeguarding, thumbnails, translation_checks
from messaging.services import messages as message_services
from messaging.services import templates as message_templates
from messaging.templatetags import messaging_fragments

Kind = Conversation.Kind


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def inbox(request):
    user = request.user
    # The child filter offers only the pupils this person has conversations about.
    form = InboxFilterForm(request.GET, pupils=selectors.inbox_children(user))
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.inbox_page(
        user,
        query=(filters.get("q") or "").strip(),
        pupil_id=filters.get("child"),
        unread_only=bool(filters.get("unread")),
        needs_reply=bool(filters.get("needs_reply")),
        number=request.GET.get("page"),
    )
    # Page links keep the search and filters.
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {
        "page": page,
        "conversations": page.object_list,
        "form": form,
        "filtered": any(filters.get(name) for name in ("q", "child", "unread", "needs_reply")),
        "kept_query": kept.urlencode(),
    }
    return render(request, "messaging/inbox.html", context)


@login_required
def conversation_new(request):
    """Choose what to write about: a child (or pupil), or the school office."""
    form = PupilSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    pupils = selectors.pupils_to_write_about(request.user, query=query)
    children = set(people.children_of(request.user).values_list("pk", flat=True))
    staff = bool(people.staff_school_ids(request.user))
    context = {
        "form": form,
        "pupils": [(pupil, pupil.pk in children) for pupil in pupils],
        "schools": selectors.schools_with_office_for(request.user),
        "is_staff": staff,
    }
    return render(request, "messaging/new.html", context)


def _start(request, *, kind, pupil=None, school=None):
    user = request.user
    if not policies.can_start_conversation(user=user, kind=kind, pupil=pupil, school=school):
        raise Http404
    reachable = list(policies.recipients_reachable(user=user, kind=kind, pupil=pupil, school=school))
    choose = kind != Kind.SUPPORT
    posted = request.method == "POST"
    form = ConversationStartForm(
        request.POST if posted else None, request.FILES if posted else None, people=reachable, choose_people=choose
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation = conversations.conversation_start(
                starter=user,
                kind=kind,
                pupil=pupil,
                school=school,
                subject=data["subject"],
                body=data["body"],
                recipient_ids=data.get("recipients", []),
                attachments=[data["attachment"]] if data.get("attachment") else [],
                send_at=data.get("send_at"),
                client_key=data.get("client_key", ""),
            )
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            notice = boundaries.reply_expectation_for(user=user, conversation=conversation)
            if notice:
                flash.info(request, notice)
            return redirect("messaging:thread", conversation.pk)
    school = school or (pupil.school if pupil else None)
    roles = selectors.roles_of(school=school, pupil=pupil, user_ids=[person.pk for person in reachable])
    staff_writing_to_family = policies.recipients_need_a_guardian(user=user, kind=kind, pupil=pupil)
    groups = [(None, reachable)]
    if staff_writing_to_family:
        # The family apart from colleagues: two fieldsets of one list of checkboxes.
        guardians = set(people.guardians_with_viewing_rights(pupil).values_list("pk", flat=True))
        groups = [
            (_("Parents and carers"), [person for person in reachable if person.pk in guardians]),
            (_("Colleagues"), [person for person in reachable if person.pk not in guardians]),
        ]
    context = {
        "form": form,
        "kind": kind,
        "pupil": pupil,
        "school": school,
        "people": reachable,
        "roles": roles,
        "groups": [(legend, members) for legend, members in groups if members],
        "chosen": set(form["recipients"].value() or []) if choose else set(),
        "staff_writing_to_family": staff_writing_to_family,
    }
    return render(request, "messaging/start.html", context, status=422 if form.errors else 200)


@login_required
def conversation_start(request, kind, pupil_id):
    if kind not in (Kind.GUARDIAN_STAFF, Kind.STAFF_TEAM, Kind.FAMILY):
        raise Http404
    pupil = people.access_pupil(user=request.user, pupil_id=pupil_id)
    return _start(request, kind=kind, pupil=pupil)


@login_required
def office_start(request, school_id):
    school = get_object_or_404(selectors.schools_with_office_for(request.user), pk=school_id)
    return _start(request, kind=Kind.SUPPORT, school=school)


def _thread_context(request, conversation, *, form=None):
    user = request.user
    before = _int_or_none(request.GET.get("before"))
    # The school's messaging settings, read once: the retract window and the contact hours.
    settings = boundaries.settings_for(conversation.school)
    page = selectors.thread_page(
        conversation=conversation,
        reader=user,
        before_id=before,
        retract_window_minutes=settings.retract_window_minutes,
    )
    staff_side = policies.is_staff_side(user=user, conversation=conversation)
    participants = list(selectors.participants_of(conversation))
    people_shown = {participant.user_id for participant in participants}
    people_shown.update(entry.sender_id for entry in page.entries)
    return {
        "conversation": conversation,
        "thread": page,
        "viewer": user,
        "participants": participants,
        "roles": selectors.roles_of(school=conversation.school_id, pupil=conversation.pupil, user_ids=people_shown),
        "scheduled": selectors.scheduled_by(conversation=conversation, user=user),
        "form": form or MessageForm(conversation_id=conversation.pk),
        "templates": message_templates.templates_offered(school=conversation.school, staff_side=staff_side),
        "can_close": staff_side,
        "contact_notice": boundaries.reply_expectation_for(
            user=user, conversation=conversation, staff_side=staff_side, settings=settings
        ),
        "is_latest_page": before is None,
    }


@login_required
def thread(request, conversation_id):
    conversation = policies.access_conversation(user=request.user, conversation_id=conversation_id)
    context = _thread_context(request, conversation)
    if request.htmx and not context["is_latest_page"]:
        # "Older messages" with JavaScript: the older page's messages go above those shown.
        return render(request, "messaging/thread.html#older_page", context)
    if context["is_latest_page"] and context["thread"].entries:
        # Up to the newest message the page shows (it has it loaded: not looked up again).
        message_services.conversation_mark_read(
            user=request.user, conversation=conversation, up_to=context["thread"].entries[-1].message
        )
    return render(request, "messaging/thread.html", context)


@login_required
@require_POST
def message_create(request, conversation_id):
    conversation = policies.access_conversation(user=request.user, conversation_id=conversation_id)
    form = MessageForm(request.POST, request.FILES, conversation_id=conversation.pk)
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = message_services.message_send(
                sender=request.user,
                conversation=conversation,
                body=data["body"],
                send_at=data["send_at"],
                template_key=data["template_key"],
                attachments=[data["attachment"]] if data["attachment"] else [],
                client_key=data["client_key"],
            )
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            return _sent(request, conversation, message)
    if request.htmx:
        context = {"form": form, "conversation": conversation}
        return render(request, "messaging/thread.html#composer", context, status=422)
    return render(request, "messaging/thread.html", _thread_context(request, conversation, form=form), status=422)


def _sent(request, conversation, message):
    notice = boundaries.reply_expectation_for(user=request.user, conversation=conversation)
    scheduled = message.status == message.Status.SCHEDULED
    if request.htmx:
        # The message itself arrives over the WebSocket like everyone else's; reset the composer
        # (the kept blank one, as the page's: rendering it afresh was about a tenth of its CPU).
        html = messaging_fragments.sent_composer(conversation, csrf_token=get_token(request), sent_notice=notice)
        response = HttpResponse(html)
        if scheduled:
            flash.success(request, _("Your message is scheduled. You can change or cancel it until it goes."))
            response["HX-Refresh"] = "true"
        return response
    if scheduled:
        flash.success(request, _("Your message is scheduled. You can change or cancel it until it goes."))
    elif notice:
        flash.info(request, notice)
    return redirect(reverse("messaging:thread", args=[conversation.pk]) + f"#message-{message.pk}")


@login_required
@require_POST
def message_retract(request, message_id):
    """Retract one's own message, after saying yes on a page that shows it (the "Retract" button
    posts without `confirm`; the confirm page posts with it): a slip of the thumb retracts nothing."""
    message = policies.access_message(user=request.user, message_id=message_id)
    if request.POST.get("confirm") != "yes":
        if message.sender_id != request.user.pk:
            raise Http404
        context = {"message": message, "conversation": message.conversation}
        return render(request, "messaging/retract.html", context)
    try:
        message_services.message_retract(user=request.user, message=message)
    except MessagingError as error:
        flash.error(request, str(error))
    except PermissionDenied:
        raise Http404 from None
    else:
        flash.success(request, _("Your message was retracted."))
    return redirect("messaging:thread", message.conversation_id)


@login_required
def scheduled_edit(request, message_id):
    message = policies.access_own_scheduled_message(user=request.user, message_id=message_id)
    initial = {"body": message.body, "send_at": message.send_at}
    form = ScheduledMessageForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            message_services.message_schedule_update(
                user=request.user, message=message, body=form.cleaned_data["body"], send_at=form.cleaned_data["send_at"]
            )
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Your scheduled message is changed."))
            return redirect("messaging:thread", message.conversation_id)
    context = {"form": form, "message": message, "conversation": message.conversation}
    return render(request, "messaging/scheduled_edit.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def scheduled_cancel(request, message_id):
    message = policies.access_own_scheduled_message(user=request.user, message_id=message_id)
    message_services.message_schedule_cancel(user=request.user, message=message)
    flash.success(request, _("Your scheduled message is cancelled. It will not be sent."))
    return redirect("messaging:thread", message.conversation_id)


@login_required
@require_POST
def conversation_close(request, conversation_id):
    conversation = policies.access_conversation(user=request.user, conversation_id=conversation_id)
    try:
        if request.POST.get("reopen"):
            conversations.conversation_reopen(user=request.user, conversation=conversation)
            flash.success(request, _("The conversation is open again."))
        else:
            conversations.conversation_close(user=request.user, conversation=conversation)
            flash.success(request, _("The conversation is closed."))
    except PermissionDenied:
        raise Http404 from None
    return redirect("messaging:thread", conversation.pk)


@login_required
def template_use(request, conversation_id, key):
    """Fill in a template's fields, in the writer's language, with what the conversation knows
    (the pupil, their class and teacher) already filled in; the result opens in a composer to
    check and send."""
    conversation = policies.access_conversation(user=request.user, conversation_id=conversation_id)
    staff_side = policies.is_staff_side(user=request.user, conversation=conversation)
    language = request.user.preferred_language
    choice = message_templates.template_find(
        school=conversation.school, staff_side=staff_side, key=key, language=language, conversation=conversation
    )
    if choice is None:
        raise Http404
    if request.method != "POST":
        # A school's own templates reach this writer's language for next time (worker, idempotent).
        message_templates.template_translations_queue(school=conversation.school, language=language)
    fields_form = TemplateFillForm(request.POST if request.method == "POST" else None, fields=choice.fields_to_ask)
    composer = None
    if request.method == "POST" and fields_form.is_valid():
        body = message_templates.template_fill(choice.body, {**choice.context, **fields_form.cleaned_data})
        composer = MessageForm(initial={"body": body, "template_key": choice.key}, conversation_id=conversation.pk)
    context = {"conversation": conversation, "choice": choice, "fields_form": fields_form, "form": composer}
    return render(request, "messaging/template_use.html", context, status=422 if fields_form.errors else 200)


@login_required
def attachment_download(request, attachment_id):
    attachment = policies.access_attachment(user=request.user, attachment_id=attachment_id)
    if request.GET.get("size") == "thumbnail":
        return _thumbnail(attachment)
    audit.record(
        actor=request.user, action="attachment.downloaded", target=attachment, message_id=attachment.message_id
    )
    return uploaded_file_response(
        attachment.file, content_type=attachment.content_type, filename=attachment.original_name
    )


def _thumbnail(attachment):
    """A photo's small preview, for the thread page. Not audited one by one: it is part of reading
    the conversation (opening the photo itself is audited)."""
    with_thumbnail = thumbnails.attachment_thumbnail(attachment=attachment)
    if with_thumbnail is None:
        raise Http404
    response = FileResponse(with_thumbnail.thumbnail.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def safeguarding_alerts(request):
    if not policies.safeguarding_school_ids(request.user):
        raise Http404
    alerts = Paginator(selectors.alerts_for(request.user), 25).get_page(request.GET.get("page"))
    audit.record(actor=request.user, action="safeguarding.alerts_viewed", page=alerts.number)
    return render(request, "messaging/safeguarding.html", {"alerts": alerts})


@login_required
def safeguarding_alert(request, alert_id):
    alert = policies.access_safeguarding_alert(user=request.user, alert_id=alert_id)
    if request.method == "POST":
        safeguarding.alert_review(user=request.user, alert=alert)
        flash.success(request, _("The alert is marked as reviewed."))
        return redirect("messaging:safeguarding_alerts")
    audit.record(actor=request.user, action="safeguarding.alert_viewed", target=alert, school=alert.school_id)
    message = alert.message
    context = {"alert": alert, "message": message, "conversation": message.conversation}
    return render(request, "messaging/safeguarding_alert.html", context)


# --- writers know their words will be machine-translated; readers can ask a person to check ---


@login_required
def translation_preview(request, conversation_id):
    """A draft as its readers of other languages will read it, translated now and saved nowhere.
    A page of its own without JavaScript (the composer's "Preview the translation" button posts
    the draft here); htmx swaps just the previews in beside the composer."""
    conversation = policies.access_conversation(user=request.user, conversation_id=conversation_id)
    data = request.POST if request.method == "POST" else (request.GET if "body" in request.GET else None)
    form = TranslationPreviewForm(data)
    previews = []
    if form.is_valid():
        previews = translation_checks.draft_translations(
            conversation=conversation, writer=request.user, body=form.cleaned_data["body"]
        )
    context = {"conversation": conversation, "form": form, "previews": previews}
    if request.htmx:
        return render(request, "messaging/translation_preview.html#previews", context)
    composer = MessageForm(initial={"body": form.data.get("body", "")}, conversation_id=conversation.pk)
    context["composer"] = composer
    return render(request, "messaging/translation_preview.html", context, status=422 if form.errors else 200)


@login_required
def translation_check_request(request, message_id):
    """A reader asks for a person to check the machine translation of a message (confirm, then post)."""
    message = policies.access_message(user=request.user, message_id=message_id)
    if request.method == "POST":
        try:
            translation_checks.translation_check_request(reader=request.user, message=message)
        except MessagingError as error:
            flash.error(request, str(error))
        else:
            flash.success(request, _("Thank you. A person will check this translation and correct it if needed."))
        return redirect(reverse("messaging:thread", args=[message.conversation_id]) + f"#message-{message.pk}")
    translation = translation_checks.translation_of_message_for(message=message, reader=request.user)
    if translation is None or message.sender_id == request.user.pk:
        raise Http404
    context = {"message": message, "conversation": message.conversation, "translation": translation}
    return render(request, "messaging/translation_check_request.html", context)


@login_required
def translation_check(request, translation_id):
    """The school's named checker reads a message beside its machine translation and corrects it."""
    translation = translation_checks.access_translation_check(user=request.user, translation_id=translation_id)
    form = TranslationCheckForm(request.POST if request.method == "POST" else None, initial={"body": translation.body})
    form.fields["body"].widget.attrs["lang"] = translation.language
    if request.method == "POST" and form.is_valid():
        translation_checks.translation_check_complete(
            checker=request.user, translation=translation, body=form.cleaned_data["body"]
        )
        flash.success(request, _("Thank you. Readers now see your translation, marked as checked by a person."))
        return redirect("messaging:translation_check", translation.pk)
    if request.method != "POST":
        audit.record(
            actor=request.user,
            action="translation.check_viewed",
            target=translation,
            school=translation.school_id,
            message=translation.object_id,
        )
    context = {"translation": translation, "message": translation.source_message, "form": form}
    return render(request, "messaging/translation_check.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def conversation_mute(request, conversation_id):
    """Mute or unmute (`unmute` posted) a conversation for the person asking: no emails or texts
    about its new messages; it stays in the inbox with its unread count."""
    conversation = policies.access_conversation(user=request.user, conversation_id=conversation_id)
    muted = not request.POST.get("unmute")
    try:
        conversations.conversation_mute(user=request.user, conversation=conversation, muted=muted)
    except PermissionDenied:
        raise Http404 from None
    if muted:
        flash.success(request, _("Conversation muted. You will not be notified of new messages in it."))
    else:
        flash.success(request, _("Conversation unmuted. You will be notified of new messages again."))
    return redirect("messaging:thread", conversation.pk)
