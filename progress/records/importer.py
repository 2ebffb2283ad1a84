"""Bulk import of learning records for one school from one CSV file (`import_learning_records`).

One row per record; the `record` column says which: `assessment`, `activity`, `judgement` or
`award`. The pupil is named by `upn` (their unique pupil number at the school) or by `pupil_id`.
Other columns, as each record needs them:

    assessment  subject, date, title, and score with max_score, or grade; comment (optional)
    activity    date, minutes; time (HH:MM, school time, default 09:00), kind, subject (optional)
    judgement   competency (its code: CC, READ, ELG01, ...), scale, level, date; comment (optional)
    award       kind (certificate or badge), title, date; description (optional)

Every row is checked before anything is written. A file with any bad row imports nothing, and
each problem is reported by its row number (the header is row 1, as in a spreadsheet). A good
file is written in one transaction, with one audit entry for the whole import. Levels are stored
as their codes, never as numbers.
"""

import csv
import datetime
import io
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q

from accounts import audit
from accounts.models import Pupil, School
from progress.models import (
    ActivityKind,
    ActivitySession,
    Assessment,
    Award,
    AwardKind,
    Competency,
    CompetencyJudgement,
    Subject,
)
from progress.records import services

RECORD_KINDS = ("assessment", "activity", "judgement", "award")
KNOWN_COLUMNS = {
    "record",
    "upn",
    "pupil_id",
    "subject",
    "date",
    "time",
    "title",
    "score",
    "max_score",
    "grade",
    "comment",
    "minutes",
    "kind",
    "competency",
    "scale",
    "level",
    "description",
}
MAX_ROWS = 20000


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        parts = ", ".join(f"{self.counts[kind]} {kind}" for kind in RECORD_KINDS if self.counts[kind])
        return f"{verb} {sum(self.counts.values())} records" + (f": {parts}." if parts else ".")


class _Rows:
    """What every row needs looked up, read once for the whole file."""

    def __init__(self, school: School, raw: list[dict]):
        self.school = school
        upns = {(row.get("upn") or "").strip() for row in raw} - {""}
        ids = {(row.get("pupil_id") or "").strip() for row in raw} - {""}
        pupils = Pupil.objects.filter(school=school).filter(
            Q(upn__in=upns) | Q(pk__in=[int(pk) for pk in ids if pk.isdigit()])
        )
        self.by_upn = {pupil.upn: pupil for pupil in pupils if pupil.upn}
        self.by_id = {str(pupil.pk): pupil for pupil in pupils}
        self.subjects = {subject.name.casefold(): subject for subject in Subject.objects.filter(school=school)}
        competencies = Competency.objects.filter(framework=school.curriculum).filter(
            Q(school__isnull=True) | Q(school=school)
        )
        # A school's own competency wins over a built-in one with the same code.
        self.competencies = {}
        for competency in sorted(competencies, key=lambda c: c.school_id is not None):
            self.competencies[competency.code.upper()] = competency


def _date(value: str) -> datetime.date:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError(f"date '{value}' is not a date (write 2026-03-14 or 14/03/2026)")


def _decimal(name: str, value: str) -> Decimal | None:
    value = value.strip()
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} '{value}' is not a number") from None


def _check_row(row: dict, lookups: _Rows, tz) -> tuple[str, object] | str:
    """The row's record, unsaved, or the sentence saying what is wrong with it."""
    value = {key: (row.get(key) or "").strip() for key in KNOWN_COLUMNS}
    record = value["record"].lower()
    if record not in RECORD_KINDS:
        return f"record '{value['record']}' must be one of {', '.join(RECORD_KINDS)}"
    if value["upn"]:
        pupil = lookups.by_upn.get(value["upn"])
        if pupil is None:
            return f"no pupil at this school has the UPN '{value['upn']}'"
    elif value["pupil_id"]:
        pupil = lookups.by_id.get(value["pupil_id"])
        if pupil is None:
            return f"no pupil at this school has the id '{value['pupil_id']}'"
    else:
        return "give the pupil's upn or pupil_id"
    subject = None
    if value["subject"]:
        subject = lookups.subjects.get(value["subject"].casefold())
        if subject is None:
            known = ", ".join(sorted(found.name for found in lookups.subjects.values())) or "none yet"
            return f"subject '{value['subject']}' is not one of this school's subjects ({known})"
    if not value["date"]:
        return "give the date"
    try:
        date = _date(value["date"])
    except ValueError as error:
        return str(error)

    if record == "assessment":
        if subject is None:
            return "an assessment needs its subject"
        if not value["title"]:
            return "an assessment needs a title"
        try:
            score, max_score = _decimal("score", value["score"]), _decimal("max_score", value["max_score"])
        except ValueError as error:
            return str(error)
        problem = services.assessment_problem(
            score=score, max_score=max_score, grade=value["grade"], subject=subject, pupil=pupil
        )
        if problem:
            return problem[:1].lower() + problem[1:].rstrip(".")
        return record, Assessment(
            pupil=pupil,
            subject=subject,
            title=value["title"][:200],
            assessed_on=date,
            score=score,
            max_score=max_score,
            grade=value["grade"][:16],
            comment=value["comment"],
        )

    if record == "activity":
        if not value["minutes"].isdigit() or not 1 <= int(value["minutes"]) <= 720:
            return f"minutes '{value['minutes']}' must be a whole number from 1 to 720"
        kind = (value["kind"] or ActivityKind.LESSON).lower()
        if kind not in ActivityKind.values:
            return f"kind '{value['kind']}' must be one of {', '.join(ActivityKind.values)}"
        try:
            time = datetime.time.fromisoformat(value["time"]) if value["time"] else datetime.time(9)
        except ValueError:
            return f"time '{value['time']}' is not a time (write 14:30)"
        started_at = datetime.datetime.combine(date, time, tzinfo=tz)
        return record, ActivitySession(
            pupil=pupil, subject=subject, kind=kind, started_at=started_at, minutes=int(value["minutes"])
        )

    if record == "judgement":
        competency = lookups.competencies.get(value["competency"].upper())
        if competency is None:
            return f"competency '{value['competency']}' is not one of this school's framework"
        scale, level = value["scale"].lower(), value["level"].upper()
        problem = services.judgement_problem(pupil=pupil, competency=competency, scale=scale, level=level)
        if problem:
            return problem[:1].lower() + problem[1:].rstrip(".")
        return record, CompetencyJudgement(
            pupil=pupil, competency=competency, scale=scale, level=level, judged_on=date, comment=value["comment"]
        )

    kind = value["kind"].lower()
    if kind not in AwardKind.values:
        return f"kind '{value['kind']}' must be certificate or badge"
    if not value["title"]:
        return "an award needs a title"
    return record, Award(
        pupil=pupil, kind=kind, title=value["title"][:200], description=value["description"], awarded_on=date
    )


MODELS = {"assessment": Assessment, "activity": ActivitySession, "judgement": CompetencyJudgement, "award": Award}


def learning_records_import(
    *, school: School, csv_text: bytes | str, dry_run: bool = False, source: str = ""
) -> ImportResult:
    """Check every row of the file, then (unless `dry_run` or any row failed) write them all in
    one transaction with one audit entry. Returns the errors or the counts."""
    result = ImportResult(dry_run=dry_run)
    if isinstance(csv_text, bytes):
        try:
            csv_text = csv_text.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.errors.append("the file is not UTF-8 text (save it as CSV UTF-8)")
            return result
    reader = csv.DictReader(io.StringIO(csv_text))
    columns = {(name or "").strip() for name in reader.fieldnames or []}
    if "record" not in columns:
        result.errors.append("the header row needs a 'record' column")
        return result
    unknown = sorted(columns - KNOWN_COLUMNS)
    if unknown:
        result.errors.append(f"unknown column(s): {', '.join(unknown)}")
        return result
    raw = [{(key or "").strip(): value for key, value in row.items()} for row in reader]
    if len(raw) > MAX_ROWS:
        result.errors.append(f"the file has {len(raw)} rows; import at most {MAX_ROWS} at a time")
        return result
    lookups = _Rows(school, raw)
    tz = zoneinfo.ZoneInfo(school.time_zone or "UTC")
    planned: dict[str, list] = {kind: [] for kind in RECORD_KINDS}
    for number, row in enumerate(raw, start=2):
        checked = _check_row(row, lookups, tz)
        if isinstance(checked, str):
            result.errors.append(f"row {number}: {checked}")
        else:
            kind, obj = checked
            planned[kind].append(obj)
    if result.errors:
        return result
    result.counts = Counter({kind: len(objs) for kind, objs in planned.items()})
    if dry_run:
        return result
    with transaction.atomic():
        for kind, objs in planned.items():
            MODELS[kind].objects.bulk_create(objs, batch_size=500)
        audit.record(
            actor=None,
            action="learning_records.imported",
            target=school,
            school=school,
            source=source[:200],
            **{kind: result.counts[kind] for kind in RECORD_KINDS},
        )
    return result
