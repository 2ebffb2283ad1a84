"""Safeguarding phrases: a match alerts the school's DSL and never blocks the message.

A school's phrases are written in the school's language (`school_language`), so a message
written in another language is also scanned in its machine translation into that language. The
translation is queued when the message is sent and scanned by the translation job once stored
(`message_translation_scan`); a message has at most one alert, which a later match extends.

`SafeguardingAlert.matched_phrases` holds, per phrase, either the phrase (it matched the text as
written) or {"phrase", "in": "translation", "from": <code>, "language": <untranslated name>}.
"""

import logging
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts import policies as people
from accounts.models import School, User
from hub import outbox
from hub.compiled_sql import reused_values
from messaging import policies
from messaging.models import Message, SafeguardingAlert, SafeguardingPhrase, StoredTranslation
from messaging.services import delivery, notify_bridge
from messaging.translation.cache import is_unavailable, stored_translations
from messaging.translation.languages import language_name, name_msgid, normalise

logger = logging.getLogger(__name__)

# The language a school's staff work in, by School.country. Kenyan schools teach and keep
# records in English (Swahili is taught as a subject). A country missing here falls back to
# settings.LANGUAGE_CODE: add it when a school opens in a country whose staff language differs.
SCHOOL_LANGUAGES = {"GB": "en", "KE": "en"}


def school_language(school: School) -> str:
    """The language `school`'s safeguarding phrases are written in (a primary subtag: "en").

    Decided by the school's country, not by its staff's preferred languages, which change with
    every hire and say how someone likes to read, not which language the school works in."""
    return SCHOOL_LANGUAGES.get((school.country or "").upper()) or normalise(settings.LANGUAGE_CODE)


def scan_language(*, message_id: int, message: Message | None = None) -> str:
    """The language `message` must be translated into to be scanned (its school's), or "" when it
    needs none: written in the school's language, or a school without phrases. Pass `message`
    (with its conversation and school) when the caller has just read it: it is not read again."""
    if message is None or message.pk != message_id:
        message = Message.objects.select_related("conversation__school").filter(pk=message_id).first()
    if message is None:
        return ""
    school = message.conversation.school
    written_in, target = normalise(message.language), school_language(school)
    if not written_in or written_in == target or not _phrases(school.pk):
        return ""
    return target


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


def _phrases(school_id: int) -> list[str]:
    """The school's phrases as they are now, in the order they were added. Asked for every message
    sent: its SQL is compiled once per process (hub.compiled_sql)."""
    rows = reused_values(
        school_id,
        shape=("safeguarding.phrases",),
        build=lambda school_id: (
            SafeguardingPhrase.objects.filter(school_id=school_id).order_by("pk").values_list("phrase")
        ),
    )
    return [phrase for (phrase,) in rows]


def matched_phrase(match: str | dict) -> str:
    """The phrase of one `matched_phrases` entry, whichever text it matched."""
    return match["phrase"] if isinstance(match, dict) else match


def describe_match(match: str | dict) -> str:
    """One `matched_phrases` entry for people: the phrase, and where it matched when that was a translation."""
    if isinstance(match, dict) and match.get("in") == "translation":
        return _("%(phrase)s (in the machine translation from %(language)s)") % {
            "phrase": match["phrase"],
            "language": language_name(match.get("from"), in_sentence=True),
        }
    return matched_phrase(match)


def message_scan(*, message: Message) -> SafeguardingAlert | None:
    """Check `message` against its school's phrases; on a match, record an alert and tell the DSLs.

    When the message is written in another language than the school's, its translation into the
    school's language is scanned too: now if it is stored already, otherwise by the translation
    job queued after commit. Call inside the transaction that sends the message; notifications go
    after commit. Returns the message's alert, if it has one after this scan.
    """
    phrases = _phrases(message.conversation.school_id)
    if not phrases:
        return None
    matched: list[str | dict] = list(phrases_matching(message.body, phrases))
    target = school_language(message.conversation.school)
    written_in = normalise(message.language)
    if written_in and written_in != target:
        stored = stored_translations(message, "body").filter(language=target).first()
        if stored is None:
            # Recorded with the message: the translation job stores it and scans it.
            delivery.translation_request(message)
        else:
            matched += _translation_matches(stored, phrases, already=matched, written_in=message.language)
    if not matched:
        return None
    return _alert_record(message=message, matched=matched)


def message_translation_scan(*, message: Message, translation: StoredTranslation) -> SafeguardingAlert | None:
    """Scan `message`'s stored translation when it is into its school's language (the translation
    job calls this for every translation of a message body it stores). Idempotent: the message
    keeps one alert, extended by phrases that only the translation matched; a second scan changes
    nothing."""
    school = message.conversation.school
    if normalise(translation.language) != school_language(school):
        return None
    if is_unavailable(translation):
        # Nothing breaks: the original was scanned when it was sent; only the translation is missing.
        logger.info(
            "Safeguarding: no machine translation from %s into %s, message %s scanned as written only",
            translation.source_language or message.language or "?",
            translation.language,
            message.pk,
        )
        return None
    phrases = _phrases(school.pk)
    matched = _translation_matches(
        translation, phrases, already=phrases_matching(message.body, phrases), written_in=message.language
    )
    if not matched:
        return None
    return _alert_record(message=message, matched=matched)


def _translation_matches(
    translation: StoredTranslation, phrases: list[str], *, already: list, written_in: str
) -> list[dict]:
    if is_unavailable(translation) or not (translation.body or "").strip():
        return []
    seen = {matched_phrase(match) for match in already}
    source = normalise(translation.source_language or written_in)
    return [
        {"phrase": phrase, "in": "translation", "from": source, "language": name_msgid(source)}
        for phrase in phrases_matching(translation.body, phrases)
        if phrase not in seen
    ]


def _alert_record(*, message: Message, matched: list[str | dict]) -> SafeguardingAlert:
    """The message's one alert: raised (and the DSLs told after commit) or extended by `matched`."""
    with transaction.atomic():
        # One writer per message at a time, so two scans never raise two alerts.
        list(Message.objects.select_for_update().filter(pk=message.pk).values_list("pk", flat=True))
        school_id = message.conversation.school_id
        alert = SafeguardingAlert.objects.filter(message=message).order_by("pk").first()
        if alert is None:
            alert = SafeguardingAlert.objects.create(message=message, school_id=school_id, matched_phrases=matched)
            audit.record(
                actor=None,
                action="safeguarding.alert_raised",
                target=alert,
                school=school_id,
                message_id=message.pk,
                phrases=matched,
            )
            # Recorded with the alert: the DSLs are told once, by a worker on the safeguarding queue,
            # even if Redis or a worker fails meanwhile; never an error page for the message's writer.
            outbox.record(delivery.SAFEGUARDING_ALERT, target=alert)
            return alert
        known = {matched_phrase(match) for match in alert.matched_phrases}
        added = [match for match in matched if matched_phrase(match) not in known]
        if added:
            # The DSLs were told when it was raised; the alert page shows the new phrases.
            alert.matched_phrases = [*alert.matched_phrases, *added]
            alert.save(update_fields=["matched_phrases"])
            audit.record(
                actor=None,
                action="safeguarding.alert_extended",
                target=alert,
                school=school_id,
                message_id=message.pk,
                phrases=added,
            )
        return alert


def alert_dsls_notify(*, alert_id: int) -> None:
    """Tell who is DSL of the alert's school now (the `SAFEGUARDING_ALERT` outbox handler). Runs in
    the transaction that marks the entry done, so each DSL gets one notification (and its email),
    even when the entry runs again after a worker died."""
    alert = SafeguardingAlert.objects.select_related("message__conversation").filter(pk=alert_id).first()
    if alert is None:
        return
    conversation = alert.message.conversation
    url = reverse("messaging:safeguarding_alert", args=[alert.pk])
    phrases = ", ".join(describe_match(match) for match in alert.matched_phrases)
    for dsl in people.dsls_at(alert.school_id):
        try:
            notify_bridge.notify(
                user=dsl,
                kind="safeguarding",
                title=_("Safeguarding alert: a message may need your attention"),
                body=_("Phrases matched: %(phrases)s") % {"phrases": phrases},
                url=url,
                pupil=conversation.pupil,
                urgent=True,
                target=alert,
            )
        except PermissionDenied:
            # No longer DSL of that school a moment ago: the others are still told.
            logger.warning("DSL %s may no longer see safeguarding alert %s; not notified.", dsl.pk, alert.pk)


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
