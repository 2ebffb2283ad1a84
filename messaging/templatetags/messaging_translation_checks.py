"""Telling a writer who will read their words through machine translation."""

from django import template

from messaging.services.translation_checks import readers_in_other_languages

register = template.Library()


@register.simple_tag
def other_language_readers(conversation, user):
    """`{% other_language_readers conversation request.user as groups %}`: the other people in
    the conversation who read another language than `user`'s, grouped by language (one query)."""
    if conversation is None or user is None or not getattr(user, "is_authenticated", False):
        return []
    return readers_in_other_languages(conversation=conversation, writer=user)
