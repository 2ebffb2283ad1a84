"""Roster import: all rows checked first, all or nothing, idempotent, audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from accounts.models import AuditEntry, ClassGroup, Department, Guardianship, Membership, Pupil, User
from accounts.roster import roster_import
from tests import factories

HEADER = (
    "record_type,pupil_ref,first_name,last_name,date_of_birth,year_group,send_status,home_languages,class_group,"
    "email,display_name,phone,preferred_language,relationship,parental_responsibility,primary_contact,role,department"
)
GOOD_ROWS = [
    'pupil,A100,Amara,Okafor,2017-05-01,Year 3,sen_support,"Igbo, English",Year 3 Ash,,,,,,,,,',
    "pupil,A101,Ben,Jones,2016-02-29,Year 4,,,Year 4 Birch,,,,,,,,,",
    "guardian,A100,,,,,,,,Ngozi.Okafor@Example.org,Ngozi Okafor,+44 7911 123456,es,mother,yes,yes,,",
    "guardian,A101,,,,,,,,sam.jones@example.org,Sam Jones,07912 345678,,father,no,,,",
    "guardian,A100,,,,,,,,sam.jones@example.org,Sam Jones,07912 345678,,step-parent,yes,no,,",
    "staff,,,,,,,,Year 3 Ash;Year 4 Birch,tariq.shah@example.org,Tariq Shah,,,,,,teacher,English",
    "staff,,,,,,,,,sam.patel@example.org,Sam Patel,,,,,,sendco,Inclusion",
]


def roster(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def good_file():
    return roster(*GOOD_ROWS)


@pytest.mark.django_db
def test_good_file_imports_pupils_guardians_staff_and_classes(
    school, good_file, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(school=school, csv_text=good_file)

    assert result.ok, result.errors
    amara = Pupil.objects.get(school=school, upn="A100")
    assert (amara.first_name, amara.last_name, amara.date_of_birth) == ("Amara", "Okafor", datetime.date(2017, 5, 1))
    assert amara.send_status == "sen_support"
    assert amara.home_languages == "Igbo, English"
    assert list(amara.class_groups.values_list("name", flat=True)) == ["Year 3 Ash"]
    assert Pupil.objects.get(school=school, upn="A101").class_groups.get().name == "Year 4 Birch"

    ngozi = User.objects.get(email="ngozi.okafor@example.org")
    assert ngozi.phone == "+447911123456"
    assert ngozi.preferred_language == "es"
    assert not ngozi.has_usable_password()
    link = Guardianship.objects.get(guardian=ngozi, pupil=amara)
    assert (link.relationship, link.parental_responsibility, link.is_primary_contact) == ("mother", True, True)
    assert link.status == Guardianship.Status.INVITED

    sam = User.objects.get(email="sam.jones@example.org")
    assert sam.phone == "+447912345678"  # national number read in the school's country (GB)
    assert set(sam.guardianships.values_list("pupil__upn", "relationship")) == {
        ("A101", "father"),
        ("A100", "step_parent"),
    }
    assert not sam.guardianships.get(pupil__upn="A101").parental_responsibility

    tariq = User.objects.get(email="tariq.shah@example.org")
    membership = Membership.objects.get(user=tariq, school=school)
    assert (membership.role, membership.department.name) == ("teacher", "English")
    assert set(tariq.class_groups.values_list("name", flat=True)) == {"Year 3 Ash", "Year 4 Birch"}
    assert Membership.objects.get(user__email="sam.patel@example.org").role == "sendco"
    assert not tariq.has_usable_password()

    assert (result.pupils_created, result.users_created, result.guardianships_created) == (2, 4, 3)
    assert (result.memberships_created, result.class_groups_created) == (2, 2)
    assert AuditEntry.objects.filter(action="roster.imported", school_id=school.pk).count() == 1
    assert AuditEntry.objects.filter(action="pupil.created").count() == 2
    assert AuditEntry.objects.filter(action="guardianship.created").count() == 3
    # Every new person is invited to set their own password; nobody else can.
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        ["ngozi.okafor@example.org", "sam.jones@example.org", "tariq.shah@example.org", "sam.patel@example.org"]
    )
    assert all("/account/invitation/" in mail.body for mail in mailoutbox)


@pytest.mark.django_db
def test_guardian_is_linked_to_a_pupil_in_the_same_file(school):
    result = roster_import(
        school=school,
        csv_text=roster(
            "guardian,Z9,,,,,,,,carer@example.org,Chris Carer,,,carer,,,,",
            "pupil,Z9,Zoe,Smith,2018-09-01,Year 2,,,,,,,,,,,,",
        ),
    )
    assert result.ok, result.errors
    link = Guardianship.objects.get()
    assert (link.guardian.email, link.pupil.first_name, link.relationship) == ("carer@example.org", "Zoe", "carer")
    assert link.parental_responsibility is True
    assert link.is_primary_contact is False


@pytest.mark.django_db
def test_guardian_may_link_to_a_pupil_imported_before(school):
    factories.PupilFactory(school=school, upn="OLD1")
    result = roster_import(school=school, csv_text=roster("guardian,OLD1,,,,,,,,g@example.org,G Person,,,other,,,,"))
    assert result.ok, result.errors
    assert Guardianship.objects.get().pupil.upn == "OLD1"


@pytest.mark.django_db
def test_bad_file_imports_nothing_and_names_every_bad_row(school):
    text = roster(
        "pupil,B1,Good,Pupil,2017-01-01,Year 3,,,Year 3 Ash,,,,,,,,,",  # row 2: fine
        "pupil,B2,Bad,Date,2019-13-01,Year 1,,,,,,,,,,,,",  # row 3
        "pupil,B3,,NoFirst,2018-01-01,Year 2,autism,,,,,,,,,,,",  # row 4: two problems
        "guardian,B1,,,,,,,,not-an-email,Pat,+44 12,,aunt,maybe,,,",  # row 5: five problems
        "guardian,NOPE,,,,,,,,ok@example.org,Ok Person,,,mother,,,,",  # row 6
        "staff,,,,,,,,,teacher@example.org,Tea Cher,,,,,,headmaster,",  # row 7
        "visitor,,,,,,,,,,,,,,,,,",  # row 8
        "pupil,B1,Dup,Licate,2017-01-01,Year 3,,,,,,,,,,,,",  # row 9
    )
    users_before = User.objects.count()

    result = roster_import(school=school, csv_text=text)

    assert not result.ok
    messages = [str(error) for error in result.errors]
    assert "Row 3: date_of_birth '2019-13-01' is not a date (use YYYY-MM-DD)" in messages
    assert "Row 4: first_name is missing" in messages
    assert any(m.startswith("Row 4: send_status 'autism' must be one of none, sen_support, ehcp") for m in messages)
    assert "Row 5: email 'not-an-email' is not an email address" in messages
    assert any(m.startswith("Row 5: phone '+44 12' is not a valid phone number") for m in messages)
    assert any(m.startswith("Row 5: relationship 'aunt' must be one of") for m in messages)
    assert "Row 5: parental_responsibility 'maybe' must be yes or no" in messages
    assert any(m.startswith("Row 6: pupil_ref 'NOPE' matches no pupil") for m in messages)
    assert any(m.startswith("Row 7: role 'headmaster' must be one of teacher, sendco") for m in messages)
    assert any(m.startswith("Row 8: record_type 'visitor' must be one of pupil, guardian, staff") for m in messages)
    assert "Row 9: pupil_ref 'B1' is already used by row 2" in messages
    assert not any(m.startswith("Row 2:") for m in messages)
    assert [error.row for error in result.errors] == sorted(error.row for error in result.errors)

    assert not Pupil.objects.exists()
    assert not ClassGroup.objects.exists()
    assert not Guardianship.objects.exists()
    assert User.objects.count() == users_before
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_reimport_updates_instead_of_duplicating(school, good_file):
    roster_import(school=school, csv_text=good_file)
    counts = (
        Pupil.objects.count(),
        User.objects.count(),
        Guardianship.objects.count(),
        Membership.objects.count(),
        ClassGroup.objects.count(),
        Department.objects.count(),
    )

    again = roster_import(school=school, csv_text=good_file)

    assert again.ok
    assert (again.pupils_created, again.users_created, again.guardianships_created, again.memberships_created) == (
        0,
        0,
        0,
        0,
    )
    assert (again.pupils_updated, again.users_updated, again.class_links_added) == (0, 0, 0)
    assert counts == (
        Pupil.objects.count(),
        User.objects.count(),
        Guardianship.objects.count(),
        Membership.objects.count(),
        ClassGroup.objects.count(),
        Department.objects.count(),
    )

    changed = good_file.replace("Amara,Okafor,2017-05-01,Year 3", "Amara,Okafor-Smith,2017-05-01,Year 4")
    third = roster_import(school=school, csv_text=changed)
    assert third.pupils_updated == 1
    amara = Pupil.objects.get(upn="A100")
    assert (amara.last_name, amara.year_group) == ("Okafor-Smith", "Year 4")
    assert Pupil.objects.count() == counts[0]
    entry = AuditEntry.objects.filter(action="pupil.updated").get()
    assert entry.details["changed"] == ["last_name", "year_group"]


@pytest.mark.django_db
def test_reimport_keeps_the_language_the_person_chose(school, good_file):
    roster_import(school=school, csv_text=good_file)
    User.objects.filter(email="ngozi.okafor@example.org").update(preferred_language="pl")
    roster_import(school=school, csv_text=good_file)
    assert User.objects.get(email="ngozi.okafor@example.org").preferred_language == "pl"


@pytest.mark.django_db
def test_existing_account_elsewhere_is_matched_by_email_but_not_linked_or_changed(
    school, mailoutbox, django_capture_on_commit_callbacks
):
    existing = factories.UserFactory(email="teacher@example.org", display_name="Own Name")
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(
            school=school, csv_text=roster("staff,,,,,,,,,Teacher@Example.ORG,New Name,,,,,,teacher,")
        )
    assert result.ok
    assert (result.users_created, result.links_requested) == (0, 1)
    existing.refresh_from_db()
    assert existing.display_name == "Own Name"  # the importing school does not own this account
    assert existing.has_usable_password()  # an existing password is never touched
    assert not existing.memberships.exists()  # nothing until the owner accepts
    assert [mail.to for mail in mailoutbox] == [["teacher@example.org"]]


@pytest.mark.django_db
def test_reimport_updates_the_name_of_an_account_that_belongs_to_this_school_only(school):
    existing = factories.UserFactory(email="teacher@example.org", display_name="Old Name")
    factories.MembershipFactory(user=existing, school=school, role="teacher")
    result = roster_import(school=school, csv_text=roster("staff,,,,,,,,,Teacher@Example.ORG,New Name,,,,,,teacher,"))
    assert result.ok
    assert result.links_requested == 0
    existing.refresh_from_db()
    assert existing.display_name == "New Name"
    assert existing.has_usable_password()


@pytest.mark.django_db
def test_reimport_never_changes_an_account_that_also_belongs_to_another_school(school, other_school):
    shared = factories.UserFactory(email="shared@example.org", display_name="Own Name", phone="+447911123456")
    factories.MembershipFactory(user=shared, school=school, role="teacher")
    factories.MembershipFactory(user=shared, school=other_school, role="teacher")
    pupil = factories.PupilFactory(school=school, upn="P1")
    result = roster_import(
        school=school, csv_text=roster("guardian,P1,,,,,,,,shared@example.org,Other Name,+44 7911 123457,,mother,,,,")
    )
    assert result.ok
    shared.refresh_from_db()
    assert (shared.display_name, shared.phone) == ("Own Name", "+447911123456")
    # Already linked to this school, so the new family link is the school's own business.
    assert Guardianship.objects.filter(guardian=shared, pupil=pupil).exists()


@pytest.mark.django_db
def test_pupils_are_matched_within_the_school_only(school, other_school):
    factories.PupilFactory(school=other_school, upn="A100", first_name="Other")
    roster_import(school=school, csv_text=roster(GOOD_ROWS[0]))
    assert Pupil.objects.filter(upn="A100").count() == 2
    assert Pupil.objects.get(school=other_school).first_name == "Other"


@pytest.mark.django_db
def test_dry_run_counts_but_writes_nothing(school, good_file, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(school=school, csv_text=good_file, dry_run=True)
    assert result.ok
    assert result.pupils_created == 2
    assert not Pupil.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not mailoutbox  # no invitation for an account that was never made


@pytest.mark.django_db
def test_file_with_byte_order_mark_and_bytes(school, good_file):
    result = roster_import(school=school, csv_text=("\ufeff" + good_file).encode("utf-8"))
    assert result.ok, result.errors
    assert Pupil.objects.count() == 2


@pytest.mark.django_db
def test_header_without_record_type_is_refused(school):
    result = roster_import(school=school, csv_text="first_name,last_name\nA,B\n")
    assert [str(error) for error in result.errors] == ["Row 1: the header row has no record_type column"]


@pytest.mark.django_db
def test_teacher_may_not_import_but_school_admin_may(school, good_file):
    teacher = factories.MembershipFactory(school=school, role="teacher").user
    with pytest.raises(PermissionDenied):
        roster_import(school=school, csv_text=good_file, actor=teacher)
    admin = factories.MembershipFactory(school=school, role="school_admin").user
    assert roster_import(school=school, csv_text=good_file, actor=admin).ok
    assert AuditEntry.objects.filter(action="roster.imported").get().actor_id == admin.pk


@pytest.mark.django_db
def test_command_imports_a_good_file(school, good_file, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(good_file, encoding="utf-8")
    call_command("import_roster", str(path), "--school", school.slug)
    assert "Imported 7 rows" in capsys.readouterr().out
    assert Pupil.objects.count() == 2


@pytest.mark.django_db
def test_command_dry_run_writes_nothing(school, good_file, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(good_file, encoding="utf-8")
    call_command("import_roster", str(path), "--school", school.slug, "--dry-run")
    assert "Would import 7 rows" in capsys.readouterr().out
    assert not Pupil.objects.exists()


@pytest.mark.django_db
def test_command_fails_with_row_errors_on_stderr(school, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(roster("pupil,B2,Bad,Date,2019-13-01,Year 1,,,,,,,,,,,,"), encoding="utf-8")
    with pytest.raises(CommandError, match="1 problem") as raised:
        call_command("import_roster", str(path), "--school", school.slug)
    assert raised.value.returncode == 1  # what manage.py exits with
    assert "Row 2: date_of_birth '2019-13-01' is not a date (use YYYY-MM-DD)" in capsys.readouterr().err
    assert not Pupil.objects.exists()


@pytest.mark.django_db
def test_command_refuses_an_unknown_school(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(roster(), encoding="utf-8")
    with pytest.raises(CommandError, match="No school with slug 'nowhere'"):
        call_command("import_roster", str(path), "--school", "nowhere")


@pytest.mark.django_db
def test_guardian_of_a_bad_pupil_row_is_not_reported_twice(school):
    result = roster_import(
        school=school,
        csv_text=roster(
            "pupil,C1,Bad,Date,2019-02-30,Year 1,,,,,,,,,,,,",
            "guardian,C1,,,,,,,,mum@example.org,Mum,,,mother,,,,",
        ),
    )
    assert [str(error) for error in result.errors] == [
        "Row 2: date_of_birth '2019-02-30' is not a date (use YYYY-MM-DD)"
    ]
