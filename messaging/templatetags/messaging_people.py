from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def others_than(participants, user):
    """The names of the participants other than `user`, for "With …" lines."""
    return [str(participant.user) for participant in participants if participant.user_id != user.pk]


@register.filter
def named(person, roles):
    """A person as others see them: "Rosa Lee, class teacher" when `roles` (from
    `messaging.selectors.roles_of`) knows what they are; the name alone otherwise (a live push
    renders without roles)."""
    role = (roles or {}).get(getattr(person, "pk", None), "") if isinstance(roles, dict) else ""
    if not role:
        return str(person)
    return _("%(name)s, %(role)s") % {"name": person, "role": role}


@register.simple_tag
def with_line(participants, viewer, roles=None):
    """Everyone in the conversation but `viewer`, each with what they are: "Rosa Lee, class
    teacher; Sam Patel, SENDCO"."""
    return "; ".join(named(participant.user, roles) for participant in participants if participant.user_id != viewer.pk)
