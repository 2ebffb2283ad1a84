"""What the consent page shows, in a fixed number of queries however many children a family has."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from accounts.consent import policies
from accounts.models import ConsentChange, ConsentRecord, DataKind, Pupil, Recipient, SchoolConsentDefault, User


@dataclass
class Cell:
    data_kind: str
    data_kind_label: str
    recipient: str
    recipient_label: str
    given: bool
    fixed_reason: str = ""
    from_school_default: bool = False  # nobody in the family chose: a default decides
    default_is_schools: bool = False  # ...the school's own, rather than the built-in one
    expires_at: object = None
    reason: str = ""

    @property
    def fixed(self) -> bool:
        return bool(self.fixed_reason)


@dataclass
class Row:
    data_kind: str
    label: str
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Matrix:
    pupil: Pupil
    recipients: list[tuple[str, str]]
    rows: list[Row]
    not_yet_read: list[tuple[str, str]]


def matrix_for(*, pupil: Pupil, recipient: str | None = None) -> Matrix:
    """Every cell of `pupil`'s matrix as it stands now (two queries), or only `recipient`'s column."""
    now = timezone.now()
    records = {(r.data_kind, r.recipient): r for r in ConsentRecord.objects.filter(pupil=pupil)}
    defaults = {
        (d.data_kind, d.recipient): d.given for d in SchoolConsentDefault.objects.filter(school_id=pupil.school_id)
    }
    recipients = [(value, label) for value, label in Recipient.choices if recipient in (None, value)]
    rows = []
    for kind, kind_label in DataKind.choices:
        row = Row(data_kind=kind, label=kind_label)
        for who, who_label in recipients:
            cell = Cell(
                data_kind=kind, data_kind_label=kind_label, recipient=who, recipient_label=who_label, given=True
            )
            record = records.get((kind, who))
            if policies.is_fixed(data_kind=kind, recipient=who):
                cell.fixed_reason = policies.FIXED[(kind, who)]
            elif record is not None:
                cell.given = record.given and (record.expires_at is None or record.expires_at > now)
                cell.expires_at = record.expires_at if cell.given else None
                cell.reason = record.reason
            else:
                cell.given = defaults.get((kind, who), policies.builtin_default(who))
                cell.from_school_default = True
                cell.default_is_schools = (kind, who) in defaults
            row.cells.append(cell)
        rows.append(row)
    not_yet_read = [(who, str(note)) for who, note in policies.NOT_YET_READ.items() if recipient in (None, who)]
    return Matrix(pupil=pupil, recipients=recipients, rows=rows, not_yet_read=not_yet_read)


def cell_for(*, pupil: Pupil, data_kind: str, recipient: str) -> Cell:
    return matrix_for(pupil=pupil, recipient=recipient).rows[DataKind.values.index(data_kind)].cells[0]


def timeline_for(*, pupil: Pupil, limit: int = 50) -> QuerySet[ConsentChange]:
    """The child's consent changes, newest first, with who made each (one query)."""
    return (
        ConsentChange.objects.filter(pupil=pupil).select_related("performed_by").order_by("-created_at", "-id")[:limit]
    )


def children_for(user: User) -> list[Pupil]:
    """The children whose consent `user` sets, for the page's child switcher (one query)."""
    return list(policies.children_whose_consent(user).order_by("first_name", "pk"))
