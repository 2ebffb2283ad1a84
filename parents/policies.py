"""Who may use the parents' dashboard, and about which child: guardians with viewing rights, about
their own children only (accounts.policies.children_of). Staff and pupils have no dashboard of
their own here; another family's child answers 404 whatever the reason."""

from django.db.models import QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.models import Pupil, User


def children_visible_to(user: User) -> QuerySet[Pupil]:
    """The user's children whose link grants viewing rights (none for staff or pupils)."""
    return people.children_of(user)


def has_dashboard(user: User) -> bool:
    """A guardian with viewing rights of at least one child."""
    return children_visible_to(user).exists()


def access_child(*, user: User, pupil_id: int, for_update: bool = False) -> Pupil:
    """The child if `user` is their guardian with viewing rights; otherwise Http404 (a teacher of
    the child included: the dashboard is the family's view)."""
    try:
        child = children_visible_to(user).select_related("school").get(pk=pupil_id)
    except (Pupil.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(child, "school") if for_update else child
