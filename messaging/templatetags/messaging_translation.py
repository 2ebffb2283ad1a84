"""Showing translated content beside its original."""

from django import template

from messaging import selectors
from messaging.translation import languages

register = template.Library()


@register.filter
def subject_seen(conversation) -> selectors.SubjectSeen:
    """The conversation's subject in the reader's language, from what `selectors.inbox_for`
    prefetched (no query): `{% with subject=conversation|subject_seen %}`."""
    return selectors.subject_as_seen(conversation)


@register.filter
def language_in_sentence(code: str) -> str:
    """The language's name as it reads inside a sentence of the interface language ("inglés" in
    Spanish, where Django's `language_name_translated` gives "Inglés")."""
    return languages.name(code)
