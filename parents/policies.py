"""Who may use the parents' dashboard, and about which child: guardians with viewing rights, about
their own children only (accounts.policies.children_of). Staff and pupils have no dashboard of
their own here; another family's child answers 404 whatever the reason.

Everything the dashboard shows of a child is their progress (learning time, results, goals,
achievements, insights), so a child is on it only when the guardian's family-member scope
includes "progress": a grandparent invited for messages alone keeps the dashboard's door (and
their messages) but sees no child's progress there, and that child's pages answer 404. Decided
at every read, so a scope changed by the family takes effect at the next page."""

from django.db.models import QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.models import Pupil, User


def children_visible_to(user: User) -> QuerySet[Pupil]:
    """The user's children whose link grants viewing rights and whose scope includes their
    progress (none for staff or pupils)."""
    return people.children_with_scope(user=user, scope="progress")


def has_dashboard(user: User) -> bool:
    """A guardian with viewing rights of at least one child, whatever their scope (the menu links
    the dashboard for them; without a child's progress shared, it says so)."""
    return people.children_of(user).exists()


def access_child(*, user: User, pupil_id: int, for_update: bool = False) -> Pupil:
    """The child if `user` is their guardian with viewing rights; otherwise Http404 (a teacher of
    the child included: the dashboard is the family's view)."""
    try:
        child = children_visible_to(user).select_related("school").get(pk=pupil_id)
    except (Pupil.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(child, "school") if for_update else child


def children_not_shared(user: User) -> QuerySet[Pupil]:
    """The user's children with viewing rights whose progress their family-member scope leaves
    out: named on the dashboard so the guardian knows why they are missing, nothing more."""
    return people.children_of(user).exclude(pk__in=children_visible_to(user).values("pk"))
