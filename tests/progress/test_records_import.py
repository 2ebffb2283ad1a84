"""`manage.py import_learning_records`: real CSV files, every row checked first, all or nothing."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEntry
from progress.models import ActivitySession, Assessment, Award, CompetencyJudgement
from tests import factories
from tests.progress import factories_records as rf

HEADER = "record,upn,pupil_id,subject,date,time,title,score,max_score,grade,minutes,kind,competency,scale,level\n"


@pytest.fixture
def kenya(db):
    school = factories.SchoolFactory(
        slug="nairobi-home", curriculum="kenya_cbc", country="KE", time_zone="Africa/Nairobi"
    )
    rf.SubjectFactory(school=school, name="Mathematics")
    amani = factories.PupilFactory(school=school, first_name="Amani", upn="KE-001")
    other = factories.PupilFactory(school=school, first_name="Baraka", upn="KE-002")
    far = factories.PupilFactory(first_name="Elsewhere", upn="KE-003")  # another school's pupil
    return school, amani, other, far


def write(tmp_path, text, name="records.csv"):
    path = tmp_path / name
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def run(path, *flags, school="nairobi-home"):
    return call_command("import_learning_records", str(path), "--school", school, *flags)


def test_a_good_file_imports_every_kind_of_record_with_one_audit_entry(kenya, tmp_path, capsys):
    school, amani, other, _far = kenya
    path = write(
        tmp_path,
        "assessment,KE-001,,Mathematics,2026-03-14,,Fractions,18,20,,,,,,\n"
        f"assessment,,{other.pk},mathematics,14/03/2026,,Reading age,,,B,,,,,\n"
        "activity,KE-001,,Mathematics,2026-03-14,16:30,,,,,45,practice,,,\n"
        "judgement,KE-001,,,2026-03-14,,,,,,,,CT,cbc_rubric,ME\n"
        "judgement,KE-002,,,2026-03-14,,,,,,,,cc,cbc_grade9,ee1\n"
        "award,KE-002,,,2026-03-15,,Star reader,,,,,badge,,,\n",
    )
    run(path)
    assert "Imported 6 records: 2 assessment, 1 activity, 2 judgement, 1 award." in capsys.readouterr().out
    assert Assessment.objects.count() == 2
    activity = ActivitySession.objects.get()
    assert (activity.minutes, activity.kind, activity.started_at.hour) == (45, "practice", 13)  # 16:30 Nairobi
    assert sorted(CompetencyJudgement.objects.values_list("level", flat=True)) == ["EE1", "ME"]
    assert Award.objects.get().pupil == other
    entry = AuditEntry.objects.get(action="learning_records.imported")
    assert entry.school_id == school.pk
    assert entry.details["judgement"] == 2


def test_bad_rows_are_listed_and_nothing_is_imported(kenya, tmp_path, capsys):
    path = write(
        tmp_path,
        "assessment,KE-001,,Mathematics,2026-03-14,,Fractions,18,20,,,,,,\n"
        "judgement,KE-001,,,2026-03-14,,,,,,,,CT,cbc_rubric,XX\n"
        "judgement,KE-001,,,2026-03-14,,,,,,,,CT,england_are,EXS\n"
        "assessment,KE-003,,Mathematics,2026-03-14,,Fractions,18,20,,,,,,\n"
        "assessment,KE-002,,Music,2026-03-14,,Songs,,,A,,,,,\n"
        "assessment,KE-002,,Mathematics,2026-03-14,,Too high,21,20,,,,,,\n"
        "activity,KE-002,,,not a date,,,,,,30,,,,\n"
        "award,KE-002,,,2026-03-14,,Trophy,,,,,medal,,,\n"
        "homework,KE-002,,,2026-03-14,,,,,,,,,,\n",
    )
    with pytest.raises(CommandError, match="8 problem"):
        run(path)
    errors = capsys.readouterr().err
    assert "row 3: level 'XX' is not on the CBC rubric scale (EE, ME, AE, BE)" in errors
    assert "row 4: the age-related expectations scale is not used with this school's curriculum" in errors
    assert "row 5: no pupil at this school has the UPN 'KE-003'" in errors
    assert "row 6: subject 'Music' is not one of this school's subjects (Mathematics)" in errors
    assert "row 7: the score must be between 0 and 20" in errors
    assert "row 8: date 'not a date' is not a date" in errors
    assert "row 9: kind 'medal' must be certificate or badge" in errors
    assert "row 10: record 'homework' must be one of" in errors
    assert "row 2" not in errors
    assert not Assessment.objects.exists()
    assert not CompetencyJudgement.objects.exists()
    assert not AuditEntry.objects.filter(action="learning_records.imported").exists()


def test_a_dry_run_checks_and_counts_but_writes_nothing(kenya, tmp_path, capsys):
    path = write(tmp_path, "award,KE-002,,,2026-03-15,,Star reader,,,,,certificate,,,\n")
    run(path, "--dry-run")
    assert "Would import 1 records: 1 award." in capsys.readouterr().out
    assert not Award.objects.exists()
    assert not AuditEntry.objects.filter(action="learning_records.imported").exists()


def test_an_unknown_column_an_unknown_school_or_a_missing_file_is_refused(kenya, tmp_path, capsys):
    path = tmp_path / "odd.csv"
    path.write_text("record,upn,shoe_size\naward,KE-001,3\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run(path)
    assert "unknown column(s): shoe_size" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No school"):
        run(path, school="nowhere")
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.csv")


def test_an_england_school_imports_eyfs_levels(db, tmp_path, capsys):
    school = factories.SchoolFactory(slug="leeds", curriculum="england")
    factories.PupilFactory(school=school, upn="L1")
    path = write(
        tmp_path,
        "judgement,L1,,,2026-06-30,,,,,,,,ELG02,eyfs_elg,EXP\njudgement,L1,,,2026-06-30,,,,,,,,ELG02,eyfs_elg,GDS\n",
    )
    with pytest.raises(CommandError):
        run(path, school="leeds")
    assert "row 3: level 'GDS' is not on the early learning goals scale (EXP, EMG)" in capsys.readouterr().err
    path = write(tmp_path, "judgement,L1,,,2026-06-30,,,,,,,,ELG02,eyfs_elg,EXP\n")
    run(path, school="leeds")
    assert CompetencyJudgement.objects.get().level == "EXP"
