"""`{{ notification.kind|kind_label }}`: a kind's name for people, in the active language, as the
app that declared it labels it (messaging.notifications.kinds)."""

from django import template

from messaging.notifications import kinds

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    return str(kinds.describe(kind).label)
