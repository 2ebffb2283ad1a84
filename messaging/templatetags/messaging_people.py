from django import template

register = template.Library()


@register.filter
def others_than(participants, user):
    """The names of the participants other than `user`, for "With …" lines."""
    return [str(participant.user) for participant in participants if participant.user_id != user.pk]
