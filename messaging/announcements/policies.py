"""Who may post, see, answer and follow up announcements. The only place these rules live.

Every answer is read from the database on each call: a withdrawn viewing right, a pupil who left
or a teacher moved off a class counts from the next request or the next delivery.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts import policies as people
from accounts.models import ClassGroup, Guardianship, Membership, Pupil, Role, School, User
from messaging.announcements.models import Announcement, AnnouncementAttachment

Audience = Announcement.Audience
Status = Announcement.Status

# Staff who may post to any class, a year group or the whole school, and send urgent alerts.
WHOLE_SCHOOL_POSTERS = frozenset({Role.LEADER, Role.SCHOOL_ADMIN})


def _current_children(user: User) -> QuerySet[Pupil]:
    """Pupils still at school whose guardian `user` is, with viewing rights."""
    return Pupil.objects.current().filter(guardianships__guardian=user, guardianships__can_view=True)


def _audience_includes(pupils: QuerySet[Pupil]) -> Q:
    """Announcements whose audience includes one of `pupils` (subqueries: no query to build)."""
    in_classes = Announcement.class_groups.through.objects.filter(classgroup__pupils__in=pupils.values("pk")).values(
        "announcement_id"
    )
    same_year = pupils.filter(school_id=OuterRef("school_id"), year_group=OuterRef("year_group"))
    return (
        Q(audience=Audience.SCHOOL, school_id__in=pupils.values("school_id"))
        | (Q(audience=Audience.YEAR_GROUP) & Q(Exists(same_year)))
        | Q(audience=Audience.CLASSES, pk__in=in_classes)
    )


def announcements_visible_to(user: User) -> QuerySet[Announcement]:
    """Sent announcements whose audience includes one of the user's children now; and, for staff,
    their own (scheduled too) and their school's sent ones, except a class's that they do not
    teach, unless their role sees every pupil of the school."""
    if not user.is_authenticated:
        return Announcement.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    whole_school = memberships.filter(role__in=people.WHOLE_SCHOOL_ROLES).values("school_id")
    taught = Announcement.class_groups.through.objects.filter(classgroup__staff=user).values("announcement_id")
    family = Q(status=Status.SENT) & _audience_includes(_current_children(user))
    # Staff: what they wrote; and, sent, their school's whole-school and year-group news, the
    # classes they teach, and everything where their role sees every pupil (as accounts.policies).
    staff = Q(school_id__in=memberships.values("school_id")) & (
        Q(author=user)
        | Q(status=Status.SENT)
        & (Q(audience__in=[Audience.SCHOOL, Audience.YEAR_GROUP]) | Q(pk__in=taught) | Q(school_id__in=whole_school))
    )
    return Announcement.objects.filter(family | staff)


def access_announcement(*, user: User, announcement_id: int, for_update: bool = False) -> Announcement:
    """The announcement if `user` may read it; otherwise Http404, whatever the reason."""
    try:
        announcement = announcements_visible_to(user).select_related("school", "author").get(pk=announcement_id)
    except (Announcement.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(announcement, "school", "author") if for_update else announcement


def can_follow_up(*, user: User, announcement: Announcement) -> bool:
    """Its author (while still staff there) and the school's leaders and office see the figures
    and send reminders."""
    roles = people.roles_at(user=user, school=announcement.school_id)
    return bool(roles) and (announcement.author_id == user.pk or bool(roles & WHOLE_SCHOOL_POSTERS))


def access_announcement_figures(*, user: User, announcement_id: int, for_update: bool = False) -> Announcement:
    """The announcement if `user` may follow it up; otherwise Http404."""
    announcement = access_announcement(user=user, announcement_id=announcement_id, for_update=for_update)
    if not can_follow_up(user=user, announcement=announcement):
        raise Http404
    return announcement


def access_announcement_attachment(
    *, user: User, attachment_id: int, for_update: bool = False
) -> AnnouncementAttachment:
    """A file of an announcement `user` may read; otherwise Http404."""
    try:
        attachment = AnnouncementAttachment.objects.filter(announcement__in=announcements_visible_to(user)).get(
            pk=attachment_id
        )
    except (AnnouncementAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(attachment) if for_update else attachment


# --- posting ---------------------------------------------------------------------------------


def posts_to_whole_school(*, user: User, school: School | int) -> bool:
    return people.has_role(*WHOLE_SCHOOL_POSTERS, user=user, school=school)


def schools_to_post_in(user: User) -> QuerySet[School]:
    """Schools where `user` is active staff (anyone there may post to the classes they teach)."""
    if not user.is_authenticated:
        return School.objects.none()
    return School.objects.filter(pk__in=Membership.objects.filter(user=user, is_active=True).values("school_id"))


def class_groups_postable(*, user: User, school: School | int) -> QuerySet[ClassGroup]:
    """The classes `user` may post to at `school`: all of them for leaders and the office, the
    classes they teach for other staff, none for anyone else."""
    school_id = getattr(school, "pk", school)
    roles = people.roles_at(user=user, school=school_id)
    if not roles:
        return ClassGroup.objects.none()
    groups = ClassGroup.objects.filter(school_id=school_id)
    if roles & WHOLE_SCHOOL_POSTERS:
        return groups
    return groups.filter(staff=user)


def can_post_announcement_to(
    *,
    user: User,
    school: School | int,
    audience: str,
    class_group_ids: Iterable[int] = (),
    urgent: bool = False,
) -> bool:
    """Teachers (and other staff) to the classes they teach; leaders and the office to any class,
    a year group or the whole school, and only they send urgent announcements."""
    if not user.is_authenticated or audience not in Audience.values:
        return False
    whole = posts_to_whole_school(user=user, school=school)
    if urgent and not whole:
        return False
    if audience != Audience.CLASSES:
        return whole
    chosen = {int(pk) for pk in class_group_ids}
    if not chosen:
        return False
    allowed = set(class_groups_postable(user=user, school=school).filter(pk__in=chosen).values_list("pk", flat=True))
    return chosen == allowed


# --- who receives it, read the other way ----------------------------------------------------


def audience_pupils(announcement: Announcement) -> QuerySet[Pupil]:
    """The pupils still at school that the announcement is addressed to, now."""
    pupils = Pupil.objects.current().filter(school_id=announcement.school_id)
    if announcement.audience == Audience.YEAR_GROUP:
        return pupils.filter(year_group=announcement.year_group)
    if announcement.audience == Audience.CLASSES:
        groups = Announcement.class_groups.through.objects.filter(announcement_id=announcement.pk).values(
            "classgroup_id"
        )
        return pupils.filter(
            pk__in=ClassGroup.pupils.through.objects.filter(classgroup_id__in=groups).values("pupil_id")
        )
    return pupils


def announcement_recipients(announcement: Announcement) -> QuerySet[User]:
    """Active guardians with viewing rights of the audience's pupils, as of now: what
    `announcements_visible_to` answers for one family, read the other way (one query)."""
    guardians = Guardianship.objects.filter(pupil__in=audience_pupils(announcement).values("pk"), can_view=True)
    return User.objects.filter(pk__in=guardians.values("guardian_id"), is_active=True)


def announcement_audience(announcement: Announcement) -> QuerySet[User]:
    """The families who may read the announcement now (none while it is not sent): what
    `announcements_visible_to` answers for a family, read the other way. Staff who may see it are
    not in it (notifications ask `announcements_visible_to` for them one by one)."""
    if announcement.status != Status.SENT:
        return User.objects.none()
    return announcement_recipients(announcement)


def is_recipient(*, user: User, announcement: Announcement) -> bool:
    return announcement.status == Status.SENT and announcement_recipients(announcement).filter(pk=user.pk).exists()
