"""The portfolio zip: what is in it (readable names, the index page, only approved items the
family may see), its progress counted one step per item, and a failing step retried to ready."""

from django.utils import timezone

from hub.models import OutboxEntry
from reports.exports import jobs, services
from reports.models import Export, ExportKind, JobStatus
from tests.reports import exports_world as built
from tests.reports.exports_world import zip_of

world = built.world


def make(world, django_capture_on_commit_callbacks, *, user=None, pupil=None):
    with django_capture_on_commit_callbacks(execute=True):
        export = services.portfolio_export_request(
            user=user or world.parent, pupil=pupil or world.child, client_key="portfolio-key-1"
        )
    export.refresh_from_db()
    return export


def test_the_zip_holds_each_approved_item_under_a_readable_name_and_an_index(world, django_capture_on_commit_callbacks):
    export = make(world, django_capture_on_commit_callbacks)

    assert export.status == JobStatus.READY, export.failure_reason
    assert export.kind == ExportKind.PORTFOLIO
    archive = zip_of(export)
    assert sorted(archive.namelist()) == [
        "01-sunflower-volcano-model.png",
        "02-sunflower-reading-diary.png",
        "index.html",
    ]
    assert archive.read("01-sunflower-volcano-model.png").startswith(b"\x89PNG")
    index = archive.read("index.html").decode()
    assert '<html lang="en' in index
    assert "Visible Childname" in index
    for title in ("Sunflower volcano model", "Sunflower reading diary", "Sunflower reflection"):
        assert title in index
    assert "About Sunflower volcano model" in index  # the description
    assert 'href="01-sunflower-volcano-model.png"' in index
    assert "No file: the words above are the whole item." in index  # the reflection has no file
    # Dates as people read them, marked up for machines.
    assert world.family.items["first"].created_at.strftime("%Y-%m-%d") in index


def test_only_approved_live_items_of_this_child_are_in_it(world, django_capture_on_commit_callbacks):
    export = make(world, django_capture_on_commit_callbacks)

    archive = zip_of(export)
    everything = " ".join(archive.namelist()) + archive.read("index.html").decode()
    for left_out in ("pending drawing", "declined drawing", "deleted drawing", "Secretfamily", "Farschool"):
        assert left_out not in everything


def test_an_item_the_family_cannot_see_is_not_in_it(world, django_capture_on_commit_callbacks):
    # Another child's approved item shown to the whole school is visible to this family on the
    # site, but it is not their child's: it never enters their child's portfolio.
    other_item = world.other.items["first"]
    other_item.visibility = "school"
    other_item.save()

    export = make(world, django_capture_on_commit_callbacks)

    assert "Secretfamily" not in zip_of(export).read("index.html").decode()


def test_progress_counts_one_step_per_item(world, django_capture_on_commit_callbacks, monkeypatch):
    seen = []
    copy = jobs.add_item

    def watching(archive, item, name):
        row = Export.objects.get(pupil=world.child)
        seen.append((row.status, row.done_steps, row.total_steps))
        copy(archive, item, name)

    monkeypatch.setattr(jobs, "add_item", watching)
    export = make(world, django_capture_on_commit_callbacks)

    # Three approved items (one without a file): steps 0 and 1 were done when the files were copied.
    assert seen == [(JobStatus.GENERATING, 0, 3), (JobStatus.GENERATING, 1, 3)]
    assert (export.done_steps, export.total_steps, export.percent) == (3, 3, 100)


def test_a_failing_step_is_retried_and_then_the_export_is_ready(world, django_capture_on_commit_callbacks, monkeypatch):
    calls = {"n": 0}
    copy = jobs.add_item

    def flaky(archive, item, name):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("storage hiccup")
        copy(archive, item, name)

    monkeypatch.setattr(jobs, "add_item", flaky)
    export = make(world, django_capture_on_commit_callbacks)

    assert export.status == JobStatus.QUEUED
    assert export.attempts == 1
    assert "trying again" in export.failure_reason
    entry = OutboxEntry.objects.get(effect=services.EXPORT, object_id=export.pk)
    assert entry.status == OutboxEntry.Status.PENDING
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())

    from hub import outbox

    assert outbox.run(entry.pk) == "done"
    export.refresh_from_db()
    assert export.status == JobStatus.READY
    assert export.attempts == 2
    assert export.failure_reason == ""
    assert len(zip_of(export).namelist()) == 3


def test_a_step_that_keeps_failing_ends_failed_with_a_reason(world, django_capture_on_commit_callbacks, monkeypatch):
    def broken(archive, item, name):
        raise OSError("disk gone")

    monkeypatch.setattr(jobs, "add_item", broken)
    export = make(world, django_capture_on_commit_callbacks)
    from hub import outbox

    entry = OutboxEntry.objects.get(effect=services.EXPORT, object_id=export.pk)
    for _attempt in range(jobs.MAX_ATTEMPTS - 1):
        OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
        outbox.run(entry.pk)
    export.refresh_from_db()
    entry.refresh_from_db()

    assert export.status == JobStatus.FAILED
    assert export.attempts == jobs.MAX_ATTEMPTS
    assert "step 1 of 3" in export.failure_reason
    assert entry.status == OutboxEntry.Status.DONE  # nothing left to run: never stuck


def test_a_guardian_who_lost_the_reports_scope_gets_no_export(world, django_capture_on_commit_callbacks):
    from accounts.models import GuardianScope, Guardianship

    link = Guardianship.objects.get(guardian=world.co_parent, pupil=world.child)
    scope = GuardianScope.objects.create(guardianship=link, reports=True)
    with django_capture_on_commit_callbacks(execute=False):
        export = services.portfolio_export_request(user=world.co_parent, pupil=world.child)
    scope.reports = False
    scope.save()

    jobs.run_export(export.pk)
    export.refresh_from_db()

    assert export.status == JobStatus.FAILED
    assert "no longer see" in export.failure_reason
    assert not export.file


def test_the_same_form_posted_twice_makes_one_export(world, django_capture_on_commit_callbacks):
    first = make(world, django_capture_on_commit_callbacks)
    second = make(world, django_capture_on_commit_callbacks)
    assert first.pk == second.pk


def test_it_is_downloadable_for_the_configured_days(world, django_capture_on_commit_callbacks, settings):
    settings.REPORTS_EXPORT_DAYS = 3
    export = make(world, django_capture_on_commit_callbacks)
    assert (export.expires_at - export.finished_at).days == 3
