"""The messaging summary at the top of a member of staff's home page (accounts' home page shows
it through this tag: accounts lies below messaging and does not import it)."""

from django import template
from django.utils.translation import gettext_lazy, npgettext_lazy

from messaging import selectors
from messaging.announcements import selectors as announcements

register = template.Library()

# The summary says how long ago with Django's `naturaltime` ("3 days ago"), whose own Welsh and
# Swahili catalogues lack the strings for days, weeks, months and years: marked here, so that
# makemessages keeps them in the project's catalogues, where every UI language has them. And the
# separator between two units ("1 month, 2 weeks ago"), which Django's Welsh catalogue gives
# without its space ("1 mis,2 wythnos yn ôl").
NATURALTIME_PAST = (
    gettext_lazy("%(delta)s ago"),
    gettext_lazy(", "),
    npgettext_lazy("naturaltime-past", "%(num)d year", "%(num)d years", "num"),
    npgettext_lazy("naturaltime-past", "%(num)d month", "%(num)d months", "num"),
    npgettext_lazy("naturaltime-past", "%(num)d week", "%(num)d weeks", "num"),
    npgettext_lazy("naturaltime-past", "%(num)d day", "%(num)d days", "num"),
    npgettext_lazy("naturaltime-past", "%(num)d hour", "%(num)d hours", "num"),
    npgettext_lazy("naturaltime-past", "%(num)d minute", "%(num)d minutes", "num"),
)


@register.inclusion_tag("messaging/home_summary.html", takes_context=True)
def messaging_summary(context):
    """Conversations that need the reader's reply (the newest few named), how many are unread, and
    the announcements they sent lately with who has read them; each read from current rows, by
    the selectors the inbox and the figures pages use."""
    user = context["request"].user
    sent, more_sent = announcements.sent_recently_by(user)
    return {
        "user": user,
        "conversations": selectors.conversations_summary_for(user),
        "announcements": sent,
        "more_announcements": more_sent,
        "days": announcements.RECENT_DAYS,
    }
