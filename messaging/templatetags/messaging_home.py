"""The messaging summary at the top of a member of staff's home page (accounts' home page shows
it through this tag: accounts lies below messaging and does not import it)."""

from django import template

from messaging import selectors
from messaging.announcements import selectors as announcements

register = template.Library()


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
