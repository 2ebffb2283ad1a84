"""Outbox handler: the receipt email, PDF attached, to everyone who may see the family's money.

Recipients are decided when the handler runs (`finance.policies.finance_recipients`): a co-parent
whose "finance" scope was withdrawn after the payment gets nothing. Each person gets it once, in
their own language: who was sent the receipt is kept in `entry.payload["sent"]`, saved after each
email, so a run repeated after it finished sends nothing again. A run that fails halfway rolls its
record back with it; the retry then sends again to the people before the failure, with the same
Message-ID (derived from the entry and the person), so mail clients fold the repeat.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from finance.models import Payment, PaymentStatus
from finance.policies import finance_recipients
from finance.receipts.pdf import receipt_context, render_receipt_pdf
from finance.receipts.services import RECEIPT_SEND
from hub import outbox
from hub.models import OutboxEntry
from messaging.notifications.delivery import message_id_for, site_url

SENT = "sent"


def receipt_filename(payment: Payment) -> str:
    return f"receipt-{payment.receipt_number}.pdf"


@outbox.handler(RECEIPT_SEND, queue="email")
def receipt_send(entry: OutboxEntry) -> None:
    payment = (
        Payment.objects.select_related("account__school", "requested_by")
        .filter(pk=entry.object_id, status=PaymentStatus.PAID)
        .first()
    )
    if payment is None or not payment.receipt_number:
        return
    sent: dict[str, str] = dict(entry.payload.get(SENT, {}))
    pdfs: dict[str, bytes] = {}
    receipt_url = site_url(reverse("finance:receipt", kwargs={"public_id": payment.public_id}))
    for user in finance_recipients(payment.account).exclude(email="").order_by("pk"):
        if str(user.pk) in sent:
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            language = translation.get_language()
            if language not in pdfs:
                pdfs[language] = render_receipt_pdf(payment, language=language)
            context = {**receipt_context(payment), "user": user, "receipt_url": receipt_url}
            subject = render_to_string("finance/receipts/email_subject.txt", context).strip()
            body = render_to_string("finance/receipts/email_message.txt", context)
        email = EmailMessage(
            subject=" ".join(subject.split())[:250],
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated", "Message-ID": message_id_for("receipt", entry.pk, user.pk)},
        )
        email.attach(receipt_filename(payment), pdfs[language], "application/pdf")
        email.send()
        sent[str(user.pk)] = language
        entry.payload = {**entry.payload, SENT: sent}
        entry.save(update_fields=["payload"])
