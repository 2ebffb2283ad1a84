"""Outbox handler: the family invitation email, sent at least once after the commit. Checks the
invitation first, so a late run sends nothing for an invitation answered or cancelled since."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from accounts.family import services
from accounts.models import FamilyInvitation
from hub import outbox
from hub.models import OutboxEntry


@outbox.handler(services.INVITATION_EMAIL, queue="email")
def family_invitation_email(entry: OutboxEntry) -> None:
    invitation = FamilyInvitation.objects.select_related("inviter").filter(pk=entry.object_id).first()
    if invitation is None or not invitation.is_usable():
        return
    with translation.override(invitation.inviter.preferred_language):
        context = {"invitation": invitation, "url": services.invitation_url(invitation)}
        subject = render_to_string("accounts/family/email_subject.txt", context).strip()
        body = render_to_string("accounts/family/email_message.txt", context)
    domain = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "homeroom.localhost"
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={"Message-ID": f"<outbox-{entry.pk}@{domain}>"},
    ).send()
