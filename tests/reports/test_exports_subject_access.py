"""The subject-access export: every kind of record the platform holds about a parent and their
children, as JSON files and a readable PDF summary, and nothing of another family's."""

import io
import json

import pytest
from pypdf import PdfReader

from accounts.models import DataRequest
from reports.exports import services
from reports.exports.subject_access import KINDS, SUMMARY_NAME
from reports.models import ExportKind, JobStatus
from tests.reports import exports_world as built
from tests.reports.exports_world import json_files, zip_of

world = built.world


def make(world, capture, family=None):
    family = family or world.family
    with capture(execute=True):
        export = services.subject_access_export_start(user=world.dpl, data_request=family.rows["data_request"])
    export.refresh_from_db()
    assert export.status == JobStatus.READY, export.failure_reason
    return export


def test_it_holds_one_json_file_per_kind_and_a_pdf_summary(world, django_capture_on_commit_callbacks):
    export = make(world, django_capture_on_commit_callbacks)

    assert export.kind == ExportKind.SUBJECT_ACCESS
    assert export.subject == world.parent
    assert export.data_request == world.family.rows["data_request"]
    archive = zip_of(export)
    assert sorted(archive.namelist()) == sorted([kind.filename for kind in KINDS] + [SUMMARY_NAME])
    assert (export.done_steps, export.total_steps) == (len(KINDS) + 1, len(KINDS) + 1)


def test_it_contains_every_kind_of_record(world, django_capture_on_commit_callbacks):
    family = world.family
    files = json_files(zip_of(make(world, django_capture_on_commit_callbacks)))

    for name, rows in files.items():
        assert rows, f"{name} is empty"
    assert files["profile.json"][0]["email"] == world.parent.email
    assert [row["id"] for row in files["children.json"]] == [world.child.pk]
    assert files["guardianships.json"][0]["child_id"] == world.child.pk
    messages = {row["id"]: row for row in files["messages.json"]}
    assert set(messages) == set(family.rows["message"])
    sent = messages[family.rows["message"][0]]
    assert sent["original_text"] == "Sunflower hola mensaje"
    assert sent["sent_by_you"] is True
    assert sent["translations"][0]["text"] == "Sunflower hello message"
    assert messages[family.rows["message"][1]]["original_text"] == "Sunflower teacher reply"
    goal = files["goals.json"][0]
    assert goal["title"] == "Sunflower goal"
    assert goal["updates"][0]["note"] == "Sunflower goal update"
    assert [row["id"] for row in files["consents.json"]] == family.rows["consent"]
    assert [row["id"] for row in files["consent_history.json"]] == family.rows["consent_change"]
    assert [row["id"] for row in files["payments.json"]] == family.rows["payment"]
    assert [row["id"] for row in files["ledger.json"]] == family.rows["ledger"]
    assert family.rows["sign_in"][0] in [row["id"] for row in files["sign_ins.json"]]
    assert family.rows["audit"][0] in [row["id"] for row in files["audit.json"]]
    assert [row["id"] for row in files["notifications.json"]] == family.rows["notification"]
    assert family.rows["data_request"].pk in [row["id"] for row in files["data_requests.json"]]
    assert [row["id"] for row in files["mood_check_ins.json"]] == family.rows["mood"]


def test_the_summary_pdf_lists_each_kind_with_its_count(world, django_capture_on_commit_callbacks):
    archive = zip_of(make(world, django_capture_on_commit_callbacks))

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read(SUMMARY_NAME))).pages)
    assert "Pat Parent" in text
    assert "Home School" in text
    for kind in KINDS:
        assert kind.filename in text
    assert "Visible Childname" in text


def _other_family_markers(world) -> list[str]:
    markers = []
    for family in (world.other, world.far):
        markers += [family.word, family.parent.display_name, family.parent.email, family.child.last_name]
    return markers


def test_nothing_of_another_family_is_in_any_file(world, django_capture_on_commit_callbacks):
    archive = zip_of(make(world, django_capture_on_commit_callbacks))

    for name in archive.namelist():
        content = archive.read(name)
        text = (
            " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
            if name.endswith(".pdf")
            else content.decode()
        )
        for marker in _other_family_markers(world):
            assert marker not in text, f"{marker!r} is in {name}"
    # And by id: no row of theirs under any kind.
    files = json_files(archive)
    for family in (world.other, world.far):
        assert family.child.pk not in {row["id"] for row in files["children.json"]}
        assert not {row["id"] for row in files["messages.json"]} & set(family.rows["message"])
        assert not {row["id"] for row in files["goals.json"]} & set(family.rows["goal"])
        assert not {row["id"] for row in files["consents.json"]} & set(family.rows["consent"])
        assert not {row["id"] for row in files["consent_history.json"]} & set(family.rows["consent_change"])
        assert not {row["id"] for row in files["payments.json"]} & set(family.rows["payment"])
        assert not {row["id"] for row in files["ledger.json"]} & set(family.rows["ledger"])
        assert not {row["id"] for row in files["sign_ins.json"]} & set(family.rows["sign_in"])
        assert not {row["id"] for row in files["audit.json"]} & set(family.rows["audit"])
        assert not {row["id"] for row in files["notifications.json"]} & set(family.rows["notification"])
        assert family.rows["data_request"].pk not in {row["id"] for row in files["data_requests.json"]}
        assert family.rows["account"] not in {row["account_id"] for row in files["payments.json"]}
    assert json.dumps(files)  # every file is valid JSON


def test_the_other_family_gets_their_own_and_not_ours(world, django_capture_on_commit_callbacks):
    archive = zip_of(make(world, django_capture_on_commit_callbacks, family=world.other))
    everything = " ".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".json"))

    assert "Secretfamily hola mensaje" in everything
    assert "Sunflower" not in everything
    assert "Pat Parent" not in everything


def test_a_request_about_one_child_holds_only_that_child(world, django_capture_on_commit_callbacks):
    from tests import factories

    second = factories.PupilFactory(school=world.school, first_name="Youngest", last_name="Childname")
    factories.GuardianshipFactory(guardian=world.parent, pupil=second)
    data_request = world.family.rows["data_request"]
    files = json_files(zip_of(make(world, django_capture_on_commit_callbacks)))
    assert {row["id"] for row in files["children.json"]} == {world.child.pk, second.pk}

    data_request.pupil = second
    data_request.save()
    with django_capture_on_commit_callbacks(execute=True):
        export = services.subject_access_export_start(
            user=world.dpl, data_request=data_request, client_key="one-child-1"
        )
    files = json_files(zip_of(export))
    assert {row["id"] for row in files["children.json"]} == {second.pk}
    assert files["goals.json"] == []  # the goal is the first child's


def test_only_a_subject_access_request_is_answered_with_an_export(world):
    data_request = world.family.rows["data_request"]
    data_request.kind = DataRequest.Kind.ERASURE
    data_request.save()
    with pytest.raises(services.ExportError):
        services.subject_access_export_start(user=world.dpl, data_request=data_request)


def test_safeguarding_audit_entries_are_left_out(world, django_capture_on_commit_callbacks):
    from accounts import audit

    audit.record(actor=world.teacher, action="safeguarding.alert_viewed", target=world.child)
    files = json_files(zip_of(make(world, django_capture_on_commit_callbacks)))
    assert not [row for row in files["audit.json"] if row["action"].startswith("safeguarding.")]


def test_the_person_and_the_lead_are_told_when_it_is_ready(world, django_capture_on_commit_callbacks):
    from hub.models import OutboxEntry
    from messaging.models import Notification
    from reports.exports.delivery import EXPORT_READY, EXPORT_READY_KIND, export_ready_notify

    export = make(world, django_capture_on_commit_callbacks)

    assert OutboxEntry.objects.filter(effect=EXPORT_READY, object_id=export.pk).count() == 1
    told = Notification.objects.filter(kind=EXPORT_READY_KIND, target_id=export.pk)
    assert sorted(told.values_list("user_id", flat=True)) == sorted([world.parent.pk, world.dpl.pk])
    assert all(str(export.public_id) in notice.url for notice in told)
    assert export_ready_notify(export_id=export.pk) == 0  # a repeated run tells nobody twice


def test_a_lead_who_lost_the_role_is_not_told(world, django_capture_on_commit_callbacks):
    from accounts.models import Membership
    from messaging.models import Notification
    from reports.exports.delivery import EXPORT_READY_KIND, export_ready_notify

    with django_capture_on_commit_callbacks(execute=False):  # the export is made; its notice waits
        export = services.subject_access_export_start(user=world.dpl, data_request=world.family.rows["data_request"])
    from reports.exports import jobs

    jobs.run_export(export.pk)
    Membership.objects.filter(user=world.dpl, role="dpl").update(is_active=False)

    assert export_ready_notify(export_id=export.pk) == 1
    assert list(Notification.objects.filter(kind=EXPORT_READY_KIND).values_list("user_id", flat=True)) == [
        world.parent.pk
    ]
