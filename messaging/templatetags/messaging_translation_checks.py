"""Telling a writer who will read their words through machine translation."""

from django import template

from messaging.services.translation_checks import readers_in_other_languages

register = template.Library()


@register.simple_tag
def other_language_readers(conversation, user, participants=None):
    """`{% other_language_readers conversation request.user participants as groups %}`: the other
    people in the conversation who read another language than `user`'s, grouped by language (one
    query, none when the page passes its `participants` list, from `selectors.participants_of`)."""
    if conversation is None or user is None or not getattr(user, "is_authenticated", False):
        return []
    if not isinstance(participants, list):
        participants = None
    return readers_in_other_languages(conversation=conversation, writer=user, participants=participants)
