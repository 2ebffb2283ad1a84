"""`{{ count|unread_words }}`: the header badge's unread count in words, in the active language
("3 unread"; past `selectors.BADGE_MOST`, where the badge stops counting, "99+ unread").

Here, not in the template, so the number the words name is the one the count stops at: the badge
is rendered by pages and by pushes without a request, and both pass only the count."""

from django import template
from django.utils.translation import gettext, ngettext

from messaging.notifications import selectors

register = template.Library()


@register.filter
def unread_words(count: int) -> str:
    if count > selectors.BADGE_MOST:
        # Translators: the header badge past the number it counts to, e.g. "99+ unread".
        return gettext("%(most)s+ unread") % {"most": selectors.BADGE_MOST}
    return ngettext("%(counter)s unread", "%(counter)s unread", count) % {"counter": count}
