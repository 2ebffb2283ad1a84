"""Who may open the privacy pages and the data requests. The only place these rules live.

- A child's privacy page ("who can see", "who has looked") is for the child's guardians with
  viewing rights only. Staff get 404 there even for pupils they teach: it is the family's view of
  the school, and staff have their own pages for the pupil.
- A data request is seen by the person who made it, and answered by a data protection lead of the
  school it was made to (an active membership with that role, checked at every request).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.models import DataRequest, Membership, Pupil, Role, School, User


def access_child_privacy(*, user: User, pupil_id: int, for_update: bool = False) -> Pupil:
    """The pupil if `user` is their guardian with viewing rights; otherwise Http404."""
    try:
        pupil = people.children_of(user).select_related("school", "user").get(pk=pupil_id)
    except (Pupil.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(pupil, "school", "user") if for_update else pupil


def dpl_school_ids(user: User) -> QuerySet:
    """The schools where `user` is a data protection lead now (a subquery: no query to build)."""
    if not user.is_authenticated:
        return Membership.objects.none().values("school_id")
    return Membership.objects.filter(user=user, is_active=True, role=Role.DPL).values("school_id")


def is_dpl_anywhere(user: User) -> bool:
    return user.is_authenticated and Membership.objects.filter(user=user, is_active=True, role=Role.DPL).exists()


def data_requests_visible_to(user: User) -> QuerySet[DataRequest]:
    """The requests `user` made, and those made to a school where `user` is a data protection lead."""
    if not user.is_authenticated:
        return DataRequest.objects.none()
    return DataRequest.objects.filter(Q(requester=user) | Q(school_id__in=dpl_school_ids(user)))


def access_data_request(*, user: User, data_request_id: int, for_update: bool = False) -> DataRequest:
    """A request `user` made; otherwise Http404 (the family's page)."""
    try:
        found = (
            DataRequest.objects.filter(requester=user)
            .select_related("school", "pupil", "answered_by")
            .get(pk=data_request_id)
        )
    except (DataRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(found, "school", "pupil", "answered_by") if for_update else found


def access_data_request_to_answer(*, user: User, data_request_id: int, for_update: bool = False) -> DataRequest:
    """A request made to a school where `user` is a data protection lead; otherwise Http404."""
    if not user.is_authenticated:
        raise Http404
    try:
        found = (
            DataRequest.objects.filter(school_id__in=dpl_school_ids(user))
            .select_related("school", "pupil", "requester", "answered_by")
            .get(pk=data_request_id)
        )
    except (DataRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(found, "school", "pupil", "requester", "answered_by") if for_update else found


def schools_to_ask(user: User) -> QuerySet[School]:
    """The schools `user` may send a data request to: where a child of theirs (with viewing rights)
    learns, and where they work. Every school that holds data about them through Homeroom."""
    if not user.is_authenticated:
        return School.objects.none()
    return School.objects.filter(
        Q(pk__in=people.children_of(user).values("school_id"))
        | Q(pk__in=Membership.objects.filter(user=user, is_active=True).values("school_id"))
    )


def can_answer(*, data_request: DataRequest) -> bool:
    """Whether the request may still be answered (or marked in progress): it is not closed."""
    return data_request.is_open
