"""Outbox handlers: the invitation and link-notice emails, sent at least once after the commit.

Each checks the current state first, so a repeat (or a late run) sends nothing stale: no
invitation once a password is set, no notice once the request was answered. A repeat after a
crash between sending and marking done carries the same Message-ID, so mail clients fold it.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from accounts.invitations import services
from accounts.models import AccountLink, User
from hub import outbox
from hub.models import OutboxEntry

INVITATION_EMAIL = "accounts.invitation_email"
LINK_NOTICE_EMAIL = "accounts.link_notice_email"


def _send(*, entry: OutboxEntry, user: User, template: str, context: dict) -> None:
    with translation.override(user.preferred_language):
        context = {"user": user, **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}_message.txt", context)
    domain = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "homeroom.localhost"
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Message-ID": f"<outbox-{entry.pk}@{domain}>"},
    ).send()


@outbox.handler(INVITATION_EMAIL, queue="email")
def invitation_email(entry: OutboxEntry) -> None:
    user = User.objects.filter(pk=entry.object_id).first()
    if user is None or not user.is_active or user.has_usable_password():
        return  # gone, switched off or already accepted: nothing to invite to
    with translation.override(user.preferred_language):
        context = {"url": services.invitation_url(user=user), "school_name": entry.payload.get("school_name", "")}
    _send(entry=entry, user=user, template="invitation", context=context)


@outbox.handler(LINK_NOTICE_EMAIL, queue="email")
def link_notice_email(entry: OutboxEntry) -> None:
    link = AccountLink.objects.select_related("user", "school").filter(pk=entry.object_id).first()
    if link is None or link.status != AccountLink.Status.PENDING:
        return  # answered already
    with translation.override(link.user.preferred_language):
        context = {
            "url": services.link_url(link=link),
            "school_name": link.school.name,
            "lines": services.describe_links(link),
        }
    _send(entry=entry, user=link.user, template="link_notice", context=context)
