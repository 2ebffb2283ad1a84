"""Safeguarding phrases: a match alerts the school's DSL and never blocks the message."""

import re
import unicodedata

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from messaging import policies
from messaging.models import Message, SafeguardingAlert, SafeguardingPhrase
from messaging.services import notify_bridge


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text)


def phrases_matching(text: str, phrases: list[str]) -> list[str]:
    """The phrases that occur in `text` as whole words, ignoring case, accents' forms and spacing."""
    haystack = _normalise(text)
    found = []
    for phrase in phrases:
        needle = _normalise(phrase).strip()
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack):
            found.append(phrase)
    return found


def message_scan(*, message: Message) -> SafeguardingAlert | None:
    """Check `message` against its school's phrases; on a match, record an alert and tell the DSLs.

    Call inside the transaction that sends the message; notifications go after commit.
    """
    school_id = message.conversation.school_id
    phrases = list(SafeguardingPhrase.objects.filter(school_id=school_id).values_list("phrase", flat=True))
    matched = phrases_matching(message.body, phrases)
    if not matched:
        return None
    alert = SafeguardingAlert.objects.create(message=message, school_id=school_id, matched_phrases=matched)
    audit.record(
        actor=None,
        action="safeguarding.alert_raised",
        target=alert,
        school=school_id,
        message_id=message.pk,
        phrases=matched,
    )
    transaction.on_commit(lambda: _alert_dsls(alert.pk))
    return alert


def _alert_dsls(alert_id: int) -> None:
    alert = SafeguardingAlert.objects.select_related("message__conversation").get(pk=alert_id)
    conversation = alert.message.conversation
    url = reverse("messaging:safeguarding_alert", args=[alert.pk])
    for dsl in policies.dsl_users(alert.school_id):
        notify_bridge.notify(
            user=dsl,
            kind="safeguarding",
            title=_("Safeguarding alert: a message may need your attention"),
            body=_("Phrases matched: %(phrases)s") % {"phrases": ", ".join(alert.matched_phrases)},
            url=url,
            pupil=conversation.pupil,
            urgent=True,
        )


@transaction.atomic
def alert_review(*, user: User, alert: SafeguardingAlert) -> SafeguardingAlert:
    """The DSL marks an alert as reviewed (once)."""
    if alert.school_id not in policies.safeguarding_school_ids(user):
        raise PermissionDenied
    if alert.reviewed_at is None:
        alert.reviewed_at = timezone.now()
        alert.reviewed_by = user
        alert.save(update_fields=["reviewed_at", "reviewed_by"])
        audit.record(actor=user, action="safeguarding.alert_reviewed", target=alert, school=alert.school_id)
    return alert
