"""Showing translated content beside its original."""

from django import template

from messaging import selectors

register = template.Library()


@register.filter
def subject_seen(conversation) -> selectors.SubjectSeen:
    """The conversation's subject in the reader's language, from what `selectors.inbox_for`
    prefetched (no query): `{% with subject=conversation|subject_seen %}`."""
    return selectors.subject_as_seen(conversation)
