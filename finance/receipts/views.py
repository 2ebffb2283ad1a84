from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_GET

from accounts import audit
from finance.models import PaymentStatus
from finance.policies import access_payment
from finance.receipts.effects import receipt_filename
from finance.receipts.pdf import render_receipt_pdf


@login_required
@require_GET
def receipt_download(request, public_id):
    """The receipt of a paid payment of an account the user may see; anything else answers 404."""
    payment = access_payment(user=request.user, public_id=public_id)
    if payment.status != PaymentStatus.PAID or not payment.receipt_number:
        raise Http404
    pdf = render_receipt_pdf(payment, language=translation.get_language())
    audit.record(
        actor=request.user,
        action="payment.receipt_downloaded",
        target=payment,
        school=payment.account.school_id,
        receipt_number=payment.receipt_number,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(payment)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
