"""Writers know their words will be machine-translated, and readers can ask a person to check.

- `readers_in_other_languages`: who will read a draft through a machine ("Grace will read this in
  Spanish"), for the notice beside the composer.
- `draft_translations`: a draft run through the engines now, to preview; nothing is saved.
- `translation_check_request`: a reader asks the person the school named
  (`MessagingSettings.translation_checker`) to check a stored translation of a message.
- `translation_check_complete`: that person's corrected text replaces the machine's; readers see
  it labelled "checked by a person", the original message still one tap away.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts import policies as people
from accounts.models import User
from messaging.models import Conversation, Message, MessagingSettings, Participant, StoredTranslation
from messaging.services import MessagingError, notify_bridge
from messaging.services import language as languages
from messaging.translation import TranslationResult, translate
from messaging.translation.languages import normalise


@dataclass(frozen=True)
class LanguageReaders:
    """The people who will read a draft in `language`, and (for a preview) what they will read."""

    language: str
    readers: list[User]
    translation: TranslationResult | None = None


def readers_in_other_languages(
    *, conversation: Conversation, writer: User, participants: list[Participant] | None = None
) -> list[LanguageReaders]:
    """The other people taking part whose language is not the writer's, grouped by language:
    they read what the writer sends through machine translation. One query, or none when the
    caller passes the conversation's `participants` (those who have not left, with their users,
    in the order they joined: `selectors.participants_of`)."""
    own = normalise(writer.preferred_language)
    grouped: dict[str, list[User]] = defaultdict(list)
    if participants is None:
        participants = (
            Participant.objects.filter(conversation=conversation, left_at__isnull=True)
            .select_related("user")
            .order_by("joined_at", "pk")
        )
    for participant in participants:
        if participant.user_id == writer.pk or participant.left_at is not None:
            continue
        language = normalise(participant.user.preferred_language)
        if language and language != own:
            grouped[language].append(participant.user)
    return [LanguageReaders(language, readers) for language, readers in sorted(grouped.items())]


def draft_translations(*, conversation: Conversation, writer: User, body: str) -> list[LanguageReaders]:
    """`body` as each reader of another language would read it, translated now by the engines
    (`messaging.translation.translate`, with the school's glossary). Saves nothing; an engine that
    fails gives a result with translated=False and a notice, never an error."""
    written_in = languages.detect(body, fallback=writer.preferred_language)
    previews = []
    for group in readers_in_other_languages(conversation=conversation, writer=writer):
        if group.language == written_in:
            continue
        result = translate(body, source=written_in, target=group.language, school=conversation.school)
        previews.append(LanguageReaders(group.language, group.readers, result))
    return previews


# --- a person checks a machine translation ---------------------------------------------------


def translation_checker_for(school_id: int) -> User | None:
    """The person `school_id` named to check translations, while they are staff there."""
    named = MessagingSettings.objects.filter(school_id=school_id).select_related("translation_checker").first()
    checker = named.translation_checker if named is not None else None
    if checker is None or not checker.is_active or not people.is_staff_at(user=checker, school=school_id):
        return None
    return checker


def translation_of_message_for(*, message: Message, reader: User) -> StoredTranslation | None:
    """The stored translation of `message` the reader is shown, if there is one with text."""
    return (
        StoredTranslation.objects.filter(
            content_type=ContentType.objects.get_for_model(Message),
            object_id=message.pk,
            field="body",
            language=normalise(reader.preferred_language),
        )
        .exclude(body="")
        .first()
    )


@transaction.atomic
def translation_check_request(*, reader: User, message: Message) -> StoredTranslation:
    """`reader` (who may see `message`: the caller checked with `access_message`) asks for a
    person to check the machine translation they are shown. The school's named checker gets a
    notification (once, however often it is asked). Refuses (MessagingError) when there is no
    machine translation for the reader, it is already checked, or the school named nobody."""
    translation = translation_of_message_for(message=message, reader=reader)
    if translation is None or message.is_retracted or message.sender_id == reader.pk:
        raise MessagingError(_("There is no machine translation of this message for you to have checked."))
    translation = StoredTranslation.objects.select_for_update().get(pk=translation.pk)
    if translation.checked_at is not None:
        raise MessagingError(_("A person has already checked this translation."))
    checker = translation_checker_for(message.conversation.school_id)
    if checker is None:
        raise MessagingError(_("Your school has not named anyone to check translations yet. Ask the school office."))
    if translation.check_requested_at is not None:
        return translation
    translation.check_requested_by = reader
    translation.check_requested_at = timezone.now()
    translation.save(update_fields=["check_requested_by", "check_requested_at"])
    audit.record(
        actor=reader,
        action="translation.check_requested",
        target=translation,
        school=message.conversation.school_id,
        message=message.pk,
        language=translation.language,
        checker=checker.pk,
    )
    # The notification says nothing of the message: it is read on the check page, behind access.
    notify_bridge.notify(
        user=checker,
        kind="message",
        title=gettext_lazy("A translation to check"),
        body=gettext_lazy("A reader asked a person to check a machine translation of a message."),
        url=reverse("messaging:translation_check", args=[translation.pk]),
    )
    return translation


def access_translation_check(*, user: User, translation_id: int) -> StoredTranslation:
    """A message translation someone asked `user` to check, when `user` is the checker their
    school names now (with `source_message`, the message it translates); otherwise Http404,
    whatever the reason."""
    translation = (
        StoredTranslation.objects.filter(
            pk=translation_id,
            content_type=ContentType.objects.get_for_model(Message),
            field="body",
            check_requested_at__isnull=False,
        )
        .exclude(body="")
        .first()
    )
    if translation is None:
        raise Http404
    message = Message.objects.select_related("conversation__school", "sender").filter(pk=translation.object_id).first()
    if message is None or message.is_retracted:
        raise Http404
    checker = translation_checker_for(message.conversation.school_id)
    if checker is None or checker.pk != user.pk:
        raise Http404
    translation.source_message = message
    return translation


@transaction.atomic
def translation_check_complete(*, checker: User, translation: StoredTranslation, body: str) -> StoredTranslation:
    """The checker's text replaces the machine's (`translation` from `access_translation_check`).
    Readers of that language see it labelled "checked by a person"; open pages are refreshed."""
    from messaging.services.messages import translation_ready

    translation = StoredTranslation.objects.select_for_update().get(pk=translation.pk)
    changed = translation.body != body
    translation.body = body
    translation.checked_by = checker
    translation.checked_at = timezone.now()
    translation.save(update_fields=["body", "checked_by", "checked_at"])
    audit.record(
        actor=checker,
        action="translation.checked",
        target=translation,
        school=translation.school_id,
        message=translation.object_id,
        language=translation.language,
        changed=changed,
    )
    translation_ready(message_id=translation.object_id, language=translation.language)
    return translation
