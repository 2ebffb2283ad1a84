"""Roster import: pupils, guardians and staff for one school from one CSV file.

The columns are described in docs/roster.md. Every row is checked before anything is written: a
file with any bad row imports nothing, and each bad row is reported by its row number (the header
is row 1, as in a spreadsheet). A good file is imported in one transaction and may be imported
again: pupils are matched by `pupil_ref` (stored as the pupil's UPN) within the school, people by
email, so a second run updates rather than duplicates.

New people get an account without a usable password and an emailed invitation to set one. An
account that already exists and has no link to this school is never linked (or changed) by the
import: its owner is emailed a notice and the links are made only when they accept it
(accounts.invitations). An importing school changes the name and phone of an account only when
that account belongs to this school alone; never its password, email or second factors.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

import phonenumbers
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.invitations import policies as account_policies
from accounts.invitations import services as invitations
from accounts.models import ClassGroup, Department, Guardianship, Membership, Pupil, Role, School, SendStatus, User
from accounts.models.people import Relationship
from accounts.policies import has_role

RECORD_TYPES = ("pupil", "guardian", "staff")
COLUMNS = {
    "pupil": (
        "pupil_ref",
        "first_name",
        "last_name",
        "date_of_birth",
        "year_group",
        "send_status",
        "home_languages",
        "class_group",
    ),
    "guardian": (
        "email",
        "display_name",
        "phone",
        "preferred_language",
        "pupil_ref",
        "relationship",
        "parental_responsibility",
        "primary_contact",
    ),
    "staff": ("email", "display_name", "role", "department", "class_group"),
}
KNOWN_COLUMNS = {"record_type", *(name for names in COLUMNS.values() for name in names)}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
# Roles that may import a roster for their own school (operators use the command, with no actor).
IMPORTING_ROLES = (Role.SCHOOL_ADMIN, Role.LEADER)


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


@dataclass
class RosterResult:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    rows: int = 0
    pupils_created: int = 0
    pupils_updated: int = 0
    users_created: int = 0
    users_updated: int = 0
    guardianships_created: int = 0
    guardianships_updated: int = 0
    memberships_created: int = 0
    memberships_updated: int = 0
    class_groups_created: int = 0
    class_links_added: int = 0
    links_requested: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.rows} rows: pupils {self.pupils_created} new, {self.pupils_updated} updated; "
            f"people {self.users_created} new, {self.users_updated} updated; "
            f"guardian links {self.guardianships_created} new, {self.guardianships_updated} updated; "
            f"staff roles {self.memberships_created} new, {self.memberships_updated} updated; "
            f"class groups {self.class_groups_created} new; class places {self.class_links_added} added; "
            f"existing accounts asked to accept a link: {self.links_requested}."
        )


# --- parsing and checking -------------------------------------------------------------------


@dataclass
class _PupilRow:
    row: int
    ref: str
    first_name: str
    last_name: str
    date_of_birth: datetime.date
    year_group: str
    send_status: str
    home_languages: str
    class_groups: list[str]


@dataclass
class _GuardianRow:
    row: int
    email: str
    display_name: str
    phone: str
    preferred_language: str
    pupil_ref: str
    relationship: str
    parental_responsibility: bool
    primary_contact: bool


@dataclass
class _StaffRow:
    row: int
    email: str
    display_name: str
    role: str
    department: str
    class_groups: list[str]


class _RowProblems(Exception):
    def __init__(self, messages: list[str]):
        self.messages = messages


def _language_codes() -> dict[str, str]:
    codes = {code.lower(): code for code, _name in settings.LANGUAGES}
    # "en" in a school's export means the site's English.
    codes.setdefault("en", "en-gb")
    return codes


def _yes_no(values: dict, name: str, default: bool, problems: list[str]) -> bool:
    raw = values.get(name, "")
    if not raw:
        return default
    if raw.lower() in YES:
        return True
    if raw.lower() in NO:
        return False
    problems.append(f"{name} '{raw}' must be yes or no")
    return default


def _required(values: dict, name: str, problems: list[str], max_length: int | None = None) -> str:
    value = values.get(name, "")
    if not value:
        problems.append(f"{name} is missing")
    elif max_length and len(value) > max_length:
        problems.append(f"{name} is longer than {max_length} characters")
    return value


def _optional(values: dict, name: str, problems: list[str], max_length: int) -> str:
    value = values.get(name, "")
    if len(value) > max_length:
        problems.append(f"{name} is longer than {max_length} characters")
    return value


def _class_names(values: dict, problems: list[str]) -> list[str]:
    names = [name.strip() for name in values.get("class_group", "").split(";") if name.strip()]
    for name in names:
        if len(name) > 100:
            problems.append(f"class_group '{name[:30]}…' is longer than 100 characters")
    return names


def _email(values: dict, problems: list[str]) -> str:
    email = values.get("email", "").lower()
    if not email:
        problems.append("email is missing")
        return ""
    try:
        validate_email(email)
    except ValidationError:
        problems.append(f"email '{email}' is not an email address")
    return email


def _parse_pupil(row: int, values: dict, today: datetime.date) -> _PupilRow:
    problems: list[str] = []
    ref = _required(values, "pupil_ref", problems, 32)
    first_name = _required(values, "first_name", problems, 100)
    last_name = _required(values, "last_name", problems, 100)
    year_group = _required(values, "year_group", problems, 16)
    raw_date = values.get("date_of_birth", "")
    date_of_birth = None
    if not raw_date:
        problems.append("date_of_birth is missing")
    else:
        try:
            date_of_birth = datetime.date.fromisoformat(raw_date)
        except ValueError:
            problems.append(f"date_of_birth '{raw_date}' is not a date (use YYYY-MM-DD)")
        else:
            if len(raw_date) != 10:
                problems.append(f"date_of_birth '{raw_date}' is not a date (use YYYY-MM-DD)")
            elif date_of_birth > today:
                problems.append(f"date_of_birth '{raw_date}' is in the future")
    send_status = values.get("send_status", "").lower() or SendStatus.NONE
    if send_status not in SendStatus.values:
        problems.append(f"send_status '{values['send_status']}' must be one of {', '.join(SendStatus.values)}")
    home_languages = _optional(values, "home_languages", problems, 200)
    class_groups = _class_names(values, problems)
    if problems:
        raise _RowProblems(problems)
    return _PupilRow(
        row, ref, first_name, last_name, date_of_birth, year_group, send_status, home_languages, class_groups
    )


def _parse_guardian(row: int, values: dict, region: str) -> _GuardianRow:
    problems: list[str] = []
    email = _email(values, problems)
    display_name = _required(values, "display_name", problems, 150)
    pupil_ref = _required(values, "pupil_ref", problems, 32)
    phone = values.get("phone", "")
    if phone:
        try:
            number = phonenumbers.parse(phone, region or None)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            problems.append(
                f"phone '{phone}' is not a valid phone number (use international form, like +44 7911 123456)"
            )
        else:
            phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    language = values.get("preferred_language", "")
    if language:
        code = _language_codes().get(language.lower())
        if code is None:
            choices = ", ".join(code for code, _name in settings.LANGUAGES)
            problems.append(f"preferred_language '{language}' must be one of {choices}")
        language = code or ""
    relationship = values.get("relationship", "").lower().replace("-", "_").replace(" ", "_")
    if not relationship:
        problems.append("relationship is missing")
    elif relationship not in Relationship.values:
        problems.append(f"relationship '{values['relationship']}' must be one of {', '.join(Relationship.values)}")
    responsibility = _yes_no(values, "parental_responsibility", True, problems)
    primary = _yes_no(values, "primary_contact", False, problems)
    if problems:
        raise _RowProblems(problems)
    return _GuardianRow(row, email, display_name, phone, language, pupil_ref, relationship, responsibility, primary)


def _parse_staff(row: int, values: dict) -> _StaffRow:
    problems: list[str] = []
    email = _email(values, problems)
    display_name = _required(values, "display_name", problems, 150)
    role = values.get("role", "").lower()
    if not role:
        problems.append("role is missing")
    elif role not in Role.values:
        problems.append(f"role '{values['role']}' must be one of {', '.join(Role.values)}")
    department = _optional(values, "department", problems, 100)
    class_groups = _class_names(values, problems)
    if problems:
        raise _RowProblems(problems)
    return _StaffRow(row, email, display_name, role, department, class_groups)


@dataclass
class _Roster:
    pupils: list[_PupilRow] = field(default_factory=list)
    guardians: list[_GuardianRow] = field(default_factory=list)
    staff: list[_StaffRow] = field(default_factory=list)
    # Every pupil_ref on a pupil row, good or bad, so a guardian of a bad pupil row is not
    # reported a second time as linking to nobody.
    pupil_refs: set[str] = field(default_factory=set)


def _read(*, school: School, text: str, result: RosterResult) -> _Roster:
    """Parse and check every row; problems go to `result.errors`."""
    roster = _Roster()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        result.errors.append(RowError(1, "the file is empty (expected a header row)"))
        return roster
    except csv.Error as error:
        result.errors.append(RowError(1, f"the file is not valid CSV ({error})"))
        return roster
    header = [name.strip().lower() for name in header]
    if "record_type" not in header:
        result.errors.append(RowError(1, "the header row has no record_type column"))
        return roster
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        result.errors.append(RowError(1, f"the header row repeats {', '.join(duplicates)}"))
        return roster
    unknown = [name for name in header if name and name not in KNOWN_COLUMNS]
    if unknown:
        result.warnings.append(f"Ignored unknown columns: {', '.join(unknown)}")

    today = timezone.localdate()
    row = 1
    try:
        for row, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                result.errors.append(RowError(row, f"has {len(cells)} cells but the header has {len(header)}"))
                continue
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
            result.rows += 1
            record_type = values.get("record_type", "").lower()
            if record_type == "pupil" and values.get("pupil_ref"):
                roster.pupil_refs.add(values["pupil_ref"])
            try:
                if record_type == "pupil":
                    roster.pupils.append(_parse_pupil(row, values, today))
                elif record_type == "guardian":
                    roster.guardians.append(_parse_guardian(row, values, school.country))
                elif record_type == "staff":
                    roster.staff.append(_parse_staff(row, values))
                else:
                    shown = values.get("record_type", "")
                    result.errors.append(
                        RowError(row, f"record_type '{shown}' must be one of {', '.join(RECORD_TYPES)}")
                    )
            except _RowProblems as problems:
                result.errors.extend(RowError(row, message) for message in problems.messages)
    except csv.Error as error:
        result.errors.append(RowError(row + 1, f"is not valid CSV ({error})"))

    _check_across_rows(school=school, roster=roster, result=result)
    result.errors.sort(key=lambda error: error.row)
    return roster


def _check_across_rows(*, school: School, roster: _Roster, result: RosterResult) -> None:
    seen_refs: dict[str, int] = {}
    for pupil in roster.pupils:
        if pupil.ref in seen_refs:
            result.errors.append(
                RowError(pupil.row, f"pupil_ref '{pupil.ref}' is already used by row {seen_refs[pupil.ref]}")
            )
        else:
            seen_refs[pupil.ref] = pupil.row
    unknown_refs = {g.pupil_ref for g in roster.guardians} - roster.pupil_refs
    existing = set(Pupil.objects.filter(school=school, upn__in=unknown_refs).values_list("upn", flat=True))
    seen_links: dict[tuple[str, str], int] = {}
    for guardian in roster.guardians:
        if guardian.pupil_ref not in roster.pupil_refs and guardian.pupil_ref not in existing:
            result.errors.append(
                RowError(
                    guardian.row,
                    f"pupil_ref '{guardian.pupil_ref}' matches no pupil row in this file or pupil at {school}",
                )
            )
        key = (guardian.email, guardian.pupil_ref)
        if key in seen_links:
            result.errors.append(
                RowError(
                    guardian.row,
                    f"{guardian.email} is already linked to '{guardian.pupil_ref}' in row {seen_links[key]}",
                )
            )
        else:
            seen_links[key] = guardian.row


# --- writing --------------------------------------------------------------------------------


def _changed(obj, values: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


class _Writer:
    def __init__(self, *, school: School, actor: User | None, result: RosterResult):
        self.school = school
        self.actor = actor
        self.result = result
        self.pupils: dict[str, Pupil] = {}
        self.users: dict[str, User] = {}
        self.class_groups: dict[str, ClassGroup] = {}
        self.departments: dict[str, Department] = {}
        # Existing accounts not linked to this school: what to ask their owners to accept.
        self.pending_links: dict[int, list[dict]] = {}

    def audit(self, action: str, target, **details) -> None:
        audit.record(actor=self.actor, action=action, target=target, school=self.school, source="roster", **details)

    def class_group(self, name: str, year_group: str = "") -> ClassGroup:
        if name not in self.class_groups:
            group, created = ClassGroup.objects.get_or_create(
                school=self.school, name=name, defaults={"year_group": year_group}
            )
            if created:
                self.result.class_groups_created += 1
                self.audit("class_group.created", group)
            self.class_groups[name] = group
        return self.class_groups[name]

    def department(self, name: str) -> Department:
        if name not in self.departments:
            department, created = Department.objects.get_or_create(school=self.school, name=name)
            if created:
                self.audit("department.created", department)
            self.departments[name] = department
        return self.departments[name]

    def pupil(self, row: _PupilRow) -> None:
        values = {
            "first_name": row.first_name,
            "last_name": row.last_name,
            "date_of_birth": row.date_of_birth,
            "year_group": row.year_group,
            "send_status": row.send_status,
            "home_languages": row.home_languages,
        }
        pupil = Pupil.objects.filter(school=self.school, upn=row.ref).first()
        if pupil is None:
            pupil = Pupil.objects.create(school=self.school, upn=row.ref, **values)
            self.result.pupils_created += 1
            self.audit("pupil.created", pupil)
        else:
            changed = _changed(pupil, values)
            if changed:
                pupil.save(update_fields=changed)
                self.result.pupils_updated += 1
                self.audit("pupil.updated", pupil, changed=sorted(changed))
        self.pupils[row.ref] = pupil
        for name in row.class_groups:
            group = self.class_group(name, row.year_group)
            if not group.pupils.filter(pk=pupil.pk).exists():
                group.pupils.add(pupil)
                self.result.class_links_added += 1
                self.audit("class_group.pupil_added", group, pupil_id=pupil.pk)

    def user(self, *, email: str, display_name: str, phone: str = "", preferred_language: str = "") -> User:
        if email in self.users:
            return self.users[email]
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            # No password: its owner chooses one through the emailed invitation.
            user = invitations.account_create(
                actor=self.actor,
                email=email,
                display_name=display_name,
                school=self.school,
                phone=phone,
                preferred_language=preferred_language,
            )
            self.result.users_created += 1
        elif not account_policies.is_linked_to(user=user, school=self.school):
            # Someone else's account (another school's, or made before): this school gets nothing
            # until its owner accepts; see `finish`.
            self.pending_links[user.pk] = []
        elif account_policies.school_controls_account(user=user, school_ids=[self.school.pk]):
            # The school's records own the name and number; the language is the person's own
            # choice once they have an account, so a re-import leaves it alone.
            values = {"display_name": display_name}
            if phone:
                values["phone"] = phone
            changed = _changed(user, values)
            if changed:
                user.save(update_fields=changed)
                self.result.users_updated += 1
                self.audit("user.updated", user, changed=sorted(changed))
        self.users[email] = user
        return user

    def finish(self) -> None:
        for user_id, links in self.pending_links.items():
            if links:
                user = User.objects.get(pk=user_id)
                invitations.link_request(actor=self.actor, user=user, school=self.school, links=links)
                self.result.links_requested += 1

    def guardian(self, row: _GuardianRow) -> None:
        user = self.user(
            email=row.email, display_name=row.display_name, phone=row.phone, preferred_language=row.preferred_language
        )
        pupil = self.pupils.get(row.pupil_ref) or Pupil.objects.get(school=self.school, upn=row.pupil_ref)
        if user.pk in self.pending_links:
            self.pending_links[user.pk].append(
                {
                    "kind": "guardian",
                    "pupil_id": pupil.pk,
                    "relationship": row.relationship,
                    "parental_responsibility": row.parental_responsibility,
                    "primary_contact": row.primary_contact,
                }
            )
            return
        values = {
            "relationship": row.relationship,
            "parental_responsibility": row.parental_responsibility,
            "is_primary_contact": row.primary_contact,
        }
        link = Guardianship.objects.filter(guardian=user, pupil=pupil).first()
        if link is None:
            link = Guardianship.objects.create(guardian=user, pupil=pupil, **values)
            self.result.guardianships_created += 1
            self.audit("guardianship.created", link, pupil_id=pupil.pk, guardian_id=user.pk)
        else:
            changed = _changed(link, values)
            if changed:
                link.save(update_fields=changed)
                self.result.guardianships_updated += 1
                self.audit("guardianship.updated", link, changed=sorted(changed))

    def staff(self, row: _StaffRow) -> None:
        user = self.user(email=row.email, display_name=row.display_name)
        department = self.department(row.department) if row.department else None
        if user.pk in self.pending_links:
            groups = [self.class_group(name) for name in row.class_groups]
            self.pending_links[user.pk].append(
                {
                    "kind": "staff",
                    "role": row.role,
                    "department_id": department.pk if department else None,
                    "class_group_ids": [group.pk for group in groups],
                }
            )
            return
        membership = Membership.objects.filter(user=user, school=self.school, role=row.role).first()
        if membership is None:
            membership = Membership.objects.create(user=user, school=self.school, role=row.role, department=department)
            self.result.memberships_created += 1
            self.audit("membership.created", membership, role=row.role, user_id=user.pk)
        else:
            values = {"is_active": True}
            if department is not None:
                values["department"] = department
            changed = _changed(membership, values)
            if changed:
                membership.save(update_fields=changed)
                self.result.memberships_updated += 1
                self.audit("membership.updated", membership, changed=sorted(changed))
        for name in row.class_groups:
            group = self.class_group(name)
            if not group.staff.filter(pk=user.pk).exists():
                group.staff.add(user)
                self.result.class_links_added += 1
                self.audit("class_group.staff_added", group, user_id=user.pk)


class _DryRunRollback(Exception):
    pass


def roster_import(
    *,
    school: School,
    csv_text: str | None = None,
    file=None,
    actor: User | None = None,
    dry_run: bool = False,
) -> RosterResult:
    """Check every row of the roster, then import it all in one transaction, or nothing.

    Give the CSV as `csv_text` or as an open `file` (text or bytes; UTF-8, a BOM is fine).
    Returns a `RosterResult`: with `errors` (one per problem, by row) and nothing written when
    any row is bad; with counts otherwise. `dry_run` checks and counts, then rolls back.
    Raises PermissionDenied when `actor` is not a school admin or leader at `school`
    (`actor=None` is an operator at the command line).
    """
    if (csv_text is None) == (file is None):
        raise ValueError("Give exactly one of csv_text or file.")
    if actor is not None and not (actor.is_superuser or has_role(*IMPORTING_ROLES, user=actor, school=school)):
        raise PermissionDenied
    if file is not None:
        csv_text = file.read()
    if isinstance(csv_text, bytes):
        try:
            csv_text = csv_text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return RosterResult(errors=[RowError(1, "the file is not UTF-8 text (save it as 'CSV UTF-8')")])
    csv_text = csv_text.removeprefix("\ufeff")

    result = RosterResult(dry_run=dry_run)
    roster = _read(school=school, text=csv_text, result=result)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            writer = _Writer(school=school, actor=actor, result=result)
            for pupil in roster.pupils:
                writer.pupil(pupil)
            for guardian in roster.guardians:
                writer.guardian(guardian)
            for staff in roster.staff:
                writer.staff(staff)
            writer.finish()
            audit.record(
                actor=actor,
                action="roster.imported",
                target=school,
                school=school,
                rows=result.rows,
                pupils_created=result.pupils_created,
                pupils_updated=result.pupils_updated,
                users_created=result.users_created,
                guardianships_created=result.guardianships_created,
                memberships_created=result.memberships_created,
                links_requested=result.links_requested,
            )
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return result
