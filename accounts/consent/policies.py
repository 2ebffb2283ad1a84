"""What a family's consent lets through, read at the moment data is shown. The only place these
rules live: every app that shows a child's data to a recipient asks here.

- `pupils_refusing(...)` / `consent_allows(...)`: for one cell (kind of data x recipient), which
  pupils' families refused it, in one query however many pupils (a guardian's choice, else the
  school's default, else `builtin_default`: opt-in beyond the school's own staff). A consent past its end date counts as refused at
  once, before the periodic task records it as expired.
- `cells_allowed(...)`: for one pupil, which of several cells their consent lets through, in one
  query (none when every cell is fixed).
- `withheld_from_staff(...)`: records a member of staff sees only as "other school staff" (a
  whole-school role, not teaching the child) whose family refused that.
- `FIXED`: cells whose lawful basis is not consent. They are always "given" and cannot change.
"""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import policies as people
from accounts.models import (
    ClassGroup,
    ConsentRecord,
    DataKind,
    Guardianship,
    Membership,
    Pupil,
    Recipient,
    Role,
    SchoolConsentDefault,
    User,
)

# Without a guardian's choice or a school default: given for the school's own staff (teaching and
# looking after the child is its public task; a family may still refuse "other school staff"), and
# refused, so opt-in, wherever consent is the lawful basis and the data would leave the school's
# own care: AI features, other families, partner schools and communities, external professionals.
# UK GDPR counts only a positive choice as consent (no pre-ticked box), and the ICO's Children's
# code asks for high privacy by default. A school may set its own defaults (Django admin).
BUILTIN_DEFAULTS = {
    Recipient.CLASS_TEACHERS: True,
    Recipient.OTHER_STAFF: True,
    Recipient.AI: False,
    Recipient.OTHER_FAMILIES: False,
    Recipient.PARTNERS: False,
    Recipient.EXTERNAL: False,
}


def builtin_default(recipient: str) -> bool:
    """Whether a cell for `recipient` is given when neither the family nor the school chose."""
    return BUILTIN_DEFAULTS.get(recipient, False)


_PUBLIC_TASK = _(
    "Teaching your child and checking their progress is part of the school's public task, so "
    "their class teachers always see this. It does not need your consent."
)
FIXED = {
    (DataKind.ASSESSMENT, Recipient.CLASS_TEACHERS): _PUBLIC_TASK,
    (DataKind.ACTIVITY, Recipient.CLASS_TEACHERS): _PUBLIC_TASK,
    (DataKind.PHOTOS, Recipient.CLASS_TEACHERS): _(
        "Class teachers check every photo and portfolio item before anyone else sees it, as part "
        "of the school's public task. It does not need your consent."
    ),
    (DataKind.SEND, Recipient.CLASS_TEACHERS): _(
        "The law (the SEND Code of Practice) requires class teachers to know about your child's "
        "special educational needs so they can teach them. It does not need your consent."
    ),
    (DataKind.MESSAGES, Recipient.CLASS_TEACHERS): _(
        "Messages you send to your child's teachers reach them: that is what sending them means."
    ),
}

# Whatever the family chose, these roles see a kind of data as staff (not as "other school staff").
SAFEGUARDING_NOTE = _(
    "Whatever you choose, the school's designated safeguarding lead can see what they need to keep "
    "your child safe (safeguarding law), and the SENDCO always sees SEND information (a legal duty)."
)
# What will read the cells that nothing reads yet (told to families on the page).
NOT_YET_READ = {
    Recipient.PARTNERS: _(
        "Nothing is shared with partner schools or learning communities yet. When the communities "
        "part of Homeroom opens, it will share only what you allow here."
    ),
    Recipient.EXTERNAL: _(
        "Nothing is shared with external professionals through Homeroom yet. When referrals are "
        "added, they will include only what you allow here."
    ),
}

MOOD_NOT_YET_RECORDED = _(
    "Homeroom does not record mood check-ins yet. Your choices for them will apply from the day it does."
)


def exempt_roles(data_kind: str) -> set[str]:
    """Roles that see `data_kind` whatever the family chose for "other school staff"."""
    roles = {Role.DSL}  # safeguarding overrides consent
    if data_kind == DataKind.SEND:
        roles.add(Role.SENDCO)  # a legal duty
    return roles


def is_fixed(*, data_kind: str, recipient: str) -> bool:
    return (data_kind, recipient) in FIXED


def _field(pupil_field: str, lookup: str) -> str:
    """`pupil_field` joined to a lookup; "" names the pupil itself (a Pupil queryset)."""
    if not pupil_field:
        return "pk__in" if lookup == "in" else lookup
    return f"{pupil_field}__{lookup}" if lookup != "in" else f"{pupil_field}__in"


def refused(*, data_kind: str, recipient: str, pupil_field: str = "pupil", now=None) -> Q:
    """A filter matching rows (by `pupil_field`) whose pupil's family refused the cell, lets it
    lapse, or never chose where the school's default refuses. Never matches a fixed cell."""
    if is_fixed(data_kind=data_kind, recipient=recipient):
        return Q(pk__in=[])
    now = now or timezone.now()
    rows = ConsentRecord.objects.filter(data_kind=data_kind, recipient=recipient)
    said_no = rows.filter(Q(given=False) | Q(expires_at__lte=now)).values("pupil_id")
    chose = rows.values("pupil_id")
    defaults = SchoolConsentDefault.objects.filter(data_kind=data_kind, recipient=recipient)
    if builtin_default(recipient):
        school_no = defaults.filter(given=False).values("school_id")
        by_default = Q(**{_field(pupil_field, "school_id__in"): school_no})
    else:
        school_yes = defaults.filter(given=True).values("school_id")
        by_default = ~Q(**{_field(pupil_field, "school_id__in"): school_yes})
    return Q(**{_field(pupil_field, "in"): said_no}) | (by_default & ~Q(**{_field(pupil_field, "in"): chose}))


def allowed(*, data_kind: str, recipient: str, pupil_field: str = "pupil") -> Q:
    return ~refused(data_kind=data_kind, recipient=recipient, pupil_field=pupil_field)


def consent_allows(*, pupil_ids, data_kind: str, recipient: str) -> set[int]:
    """The ids among `pupil_ids` whose consent lets `data_kind` reach `recipient` (one query)."""
    return set(
        Pupil.objects.filter(pk__in=list(pupil_ids))
        .filter(allowed(data_kind=data_kind, recipient=recipient, pupil_field=""))
        .values_list("pk", flat=True)
    )


def cells_allowed(*, pupil_id: int, cells) -> dict[tuple[str, str], bool]:
    """For each (data_kind, recipient) in `cells`, whether `pupil_id`'s consent lets that kind of
    data reach that recipient: the same answers as `consent_allows` cell by cell, in one query (a
    fixed cell is given without one)."""
    answers = {cell: True for cell in cells if is_fixed(data_kind=cell[0], recipient=cell[1])}
    asked = [cell for cell in cells if cell not in answers]
    if not asked:
        return answers
    columns = {
        f"cell_{number}": ExpressionWrapper(
            allowed(data_kind=data_kind, recipient=recipient, pupil_field=""), output_field=BooleanField()
        )
        for number, (data_kind, recipient) in enumerate(asked)
    }
    row = Pupil.objects.filter(pk=pupil_id).annotate(**columns).values_list(*columns).first()
    if row is None:
        return {**answers, **dict.fromkeys(asked, False)}
    return {**answers, **{cell: bool(value) for cell, value in zip(asked, row, strict=True)}}


def withheld_from_staff(*, user: User, data_kind: str, pupil_field: str = "pupil") -> Q:
    """Rows `user` would see only as "other school staff" (a whole-school role at the pupil's
    school, neither teaching the child nor their guardian, not exempt for this kind of data)
    whose family refused `data_kind` to other school staff. Exclude them: `.exclude(<this>)`."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    memberships = Membership.objects.filter(user=user, is_active=True)
    exempt_schools = memberships.filter(role__in=exempt_roles(data_kind)).values("school_id")
    other_staff_schools = (
        memberships.filter(role__in=people.WHOLE_SCHOOL_ROLES).exclude(school_id__in=exempt_schools).values("school_id")
    )
    taught = ClassGroup.pupils.through.objects.filter(classgroup__staff=user).values("pupil_id")
    own_children = Guardianship.objects.filter(guardian=user, can_view=True).values("pupil_id")
    return (
        Q(**{_field(pupil_field, "school_id__in"): other_staff_schools})
        & ~Q(**{_field(pupil_field, "in"): taught})
        & ~Q(**{_field(pupil_field, "in"): own_children})
        & refused(data_kind=data_kind, recipient=Recipient.OTHER_STAFF, pupil_field=pupil_field)
    )


# --- who may change a child's consent ---------------------------------------------------------


def children_whose_consent(user: User) -> QuerySet[Pupil]:
    """Children whose consent `user` sets: those they are a guardian of with viewing rights."""
    return people.children_of(user)


def access_consent_pupil(*, user: User, pupil_id: int, for_update: bool = False) -> Pupil:
    """The child if `user` is their guardian with viewing rights (either guardian may change it;
    the latest change wins); otherwise Http404 (staff, another family, a guessed id)."""
    try:
        pupil = children_whose_consent(user).select_related("school").get(pk=pupil_id)
    except (Pupil.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return people.locked(pupil, "school") if for_update else pupil


def can_change_consent(*, user: User, pupil: Pupil, data_kind: str, recipient: str) -> bool:
    return (
        data_kind in DataKind.values
        and recipient in Recipient.values
        and not is_fixed(data_kind=data_kind, recipient=recipient)
        and people.is_guardian_of(user=user, pupil=pupil)
    )
