"""The export pages from the outside: who gets what (the family's guardian, another family,
another school, anonymous, a co-parent without the "reports" scope, the data protection lead and
one at another school), the live progress, the download, and a constant query count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, DataRequest, GuardianScope, Guardianship
from reports.exports import services
from reports.models import Export, JobStatus
from tests.reports import exports_world as built
from tests.reports.exports_world import sign_in

world = built.world


def portfolio_export(world, capture, user=None):
    with capture(execute=True):
        export = services.portfolio_export_request(user=user or world.parent, pupil=world.child)
    export.refresh_from_db()
    return export


def sar_export(world, capture):
    with capture(execute=True):
        export = services.subject_access_export_start(user=world.dpl, data_request=world.family.rows["data_request"])
    export.refresh_from_db()
    return export


def pages(export) -> list[str]:
    return [
        reverse("reports:export", args=[export.public_id]),
        reverse("reports:export_progress", args=[export.public_id]),
        reverse("reports:export_download", args=[export.public_id]),
    ]


def test_the_exports_page_offers_each_child_s_portfolio(client, world):
    response = sign_in(client, world.parent).get(reverse("reports:exports"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Export Visible&#x27;s portfolio" in body or "Export Visible's portfolio" in body
    assert "Secretfamily" not in body


def test_each_child_s_button_carries_its_own_idempotency_key(client, world, django_capture_on_commit_callbacks):
    import re

    from tests import factories

    second = factories.PupilFactory(school=world.school, first_name="Youngest", last_name="Childname")
    factories.GuardianshipFactory(guardian=world.parent, pupil=second)
    sign_in(client, world.parent)
    body = client.get(reverse("reports:exports")).content.decode()
    keys = re.findall(r'name="client_key" value="([^"]+)"', body)
    assert len(keys) == 2
    assert len(set(keys)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:exports"), {"pupil": world.child.pk, "client_key": keys[0]})
        client.post(reverse("reports:exports"), {"pupil": second.pk, "client_key": keys[1]})
    assert set(Export.objects.values_list("pupil_id", flat=True)) == {world.child.pk, second.pk}


def test_a_guardian_asks_watches_and_downloads(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:exports"), {"pupil": world.child.pk, "client_key": "abcdefgh12"})
    export = Export.objects.get(requested_by=world.parent)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export", args=[export.public_id])

    page = client.get(response["Location"]).content.decode()
    assert "Download (available until" in page
    assert "hx-get" not in page  # finished: no more polling
    download = client.get(reverse("reports:export_download", args=[export.public_id]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert 'filename="portfolio-visible-childname-' in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"PK")
    assert AuditEntry.objects.filter(action="export.downloaded", actor_id=world.parent.pk).exists()


def test_the_page_polls_its_progress_while_the_export_is_made(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export = services.portfolio_export_request(user=world.parent, pupil=world.child)
    Export.objects.filter(pk=export.pk).update(status=JobStatus.GENERATING, done_steps=1, total_steps=3)
    sign_in(client, world.parent)

    page = client.get(reverse("reports:export", args=[export.public_id])).content.decode()
    assert f'hx-get="{reverse("reports:export_progress", args=[export.public_id])}"' in page
    assert "Making it: 1 of 3" in page
    fragment = client.get(reverse("reports:export_progress", args=[export.public_id])).content.decode()
    assert "Making it: 1 of 3" in fragment
    assert "<html" not in fragment
    # Not ready: nothing to download yet.
    assert client.get(reverse("reports:export_download", args=[export.public_id])).status_code == 404


def test_a_failed_export_says_why_and_offers_to_try_again(client, world, django_capture_on_commit_callbacks):
    export = portfolio_export(world, django_capture_on_commit_callbacks)
    Export.objects.filter(pk=export.pk).update(status=JobStatus.FAILED, failure_reason="The disk was full.")
    page = sign_in(client, world.parent).get(reverse("reports:export", args=[export.public_id])).content.decode()
    assert "The disk was full." in page
    assert "Try again" in page


@pytest.mark.parametrize("who", ["other_parent", "far_parent", "far_dpl", "dpl", "teacher"])
def test_nobody_else_reaches_a_portfolio_export(client, world, django_capture_on_commit_callbacks, who):
    export = portfolio_export(world, django_capture_on_commit_callbacks)
    user = {
        "other_parent": world.other.parent,
        "far_parent": world.far.parent,
        "far_dpl": world.far_dpl,
        "dpl": world.dpl,
        "teacher": world.teacher,
    }[who]
    sign_in(client, user)
    for url in pages(export):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, world, django_capture_on_commit_callbacks):
    export = portfolio_export(world, django_capture_on_commit_callbacks)
    request = world.family.rows["data_request"]
    for url in [*pages(export), reverse("reports:exports"), reverse("reports:sar_start", args=[request.pk])]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("account_login") in response["Location"]


def test_a_co_parent_whose_reports_scope_was_withdrawn_gets_404(client, world, django_capture_on_commit_callbacks):
    link = Guardianship.objects.get(guardian=world.co_parent, pupil=world.child)
    scope = GuardianScope.objects.create(guardianship=link, reports=True)
    export = portfolio_export(world, django_capture_on_commit_callbacks, user=world.co_parent)
    sign_in(client, world.co_parent)
    assert client.get(pages(export)[0]).status_code == 200

    scope.reports = False
    scope.save()
    for url in pages(export):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("reports:exports"), {"pupil": world.child.pk}).status_code == 404
    assert "Export Visible" not in client.get(reverse("reports:exports")).content.decode()


def test_a_guardian_cannot_export_another_family_s_child(client, world):
    sign_in(client, world.parent)
    for child in (world.other.child, world.far.child):
        assert client.post(reverse("reports:exports"), {"pupil": child.pk}).status_code == 404
    assert not Export.objects.exists()


# --- subject access ----------------------------------------------------------------------------


def test_the_dpl_starts_the_export_from_the_request(client, world, django_capture_on_commit_callbacks):
    request = world.family.rows["data_request"]
    sign_in(client, world.dpl)
    url = reverse("reports:sar_start", args=[request.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Pat Parent" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"client_key": "sar-key-123"})
    export = Export.objects.get(data_request=request)
    assert response["Location"] == reverse("reports:export", args=[export.public_id])
    assert export.status == JobStatus.READY
    assert reverse("reports:export", args=[export.public_id]) in client.get(url).content.decode()


def test_the_requester_and_the_dpl_download_it_and_nobody_else(client, world, django_capture_on_commit_callbacks):
    export = sar_export(world, django_capture_on_commit_callbacks)
    for user in (world.parent, world.dpl):
        sign_in(client, user)
        for url in pages(export):
            assert client.get(url).status_code == 200, (user, url)
        client.logout()
    for user in (world.other.parent, world.far.parent, world.far_dpl, world.teacher, world.co_parent):
        sign_in(client, user)
        for url in pages(export):
            assert client.get(url).status_code == 404, (user, url)
        client.logout()


def test_the_requester_sees_it_on_their_exports_page(client, world, django_capture_on_commit_callbacks):
    export = sar_export(world, django_capture_on_commit_callbacks)
    body = sign_in(client, world.parent).get(reverse("reports:exports")).content.decode()
    assert reverse("reports:export", args=[export.public_id]) in body


@pytest.mark.parametrize("who", ["far_dpl", "parent", "teacher", "other_parent"])
def test_only_the_school_s_dpl_opens_the_start_page(client, world, who):
    user = {
        "far_dpl": world.far_dpl,
        "parent": world.parent,
        "teacher": world.teacher,
        "other_parent": world.other.parent,
    }[who]
    sign_in(client, user)
    url = reverse("reports:sar_start", args=[world.family.rows["data_request"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert not Export.objects.exists()


def test_the_far_dpl_cannot_start_one_for_a_request_at_our_school_nor_ours_for_theirs(client, world):
    sign_in(client, world.dpl)
    assert client.get(reverse("reports:sar_start", args=[world.far.rows["data_request"].pk])).status_code == 404


def test_a_request_that_is_not_subject_access_has_no_export_page(client, world):
    request = world.family.rows["data_request"]
    DataRequest.objects.filter(pk=request.pk).update(kind=DataRequest.Kind.CORRECTION)
    sign_in(client, world.dpl)
    assert client.get(reverse("reports:sar_start", args=[request.pk])).status_code == 404


# --- expiry --------------------------------------------------------------------------------------


def test_after_its_time_the_download_is_a_404_page_offering_a_new_export(
    client, world, django_capture_on_commit_callbacks
):
    export = portfolio_export(world, django_capture_on_commit_callbacks)
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    sign_in(client, world.parent)

    response = client.get(reverse("reports:export_download", args=[export.public_id]))
    body = response.content.decode()
    assert response.status_code == 404
    assert "This export has expired" in body
    assert "Make a new export" in body
    assert "This export has expired" in client.get(reverse("reports:export", args=[export.public_id])).content.decode()


def test_the_periodic_task_deletes_expired_files_and_keeps_the_others(world, django_capture_on_commit_callbacks):
    old = portfolio_export(world, django_capture_on_commit_callbacks)
    fresh = sar_export(world, django_capture_on_commit_callbacks)
    Export.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    storage = Export._meta.get_field("file").storage
    old_name = old.file.name
    assert storage.exists(old_name)

    from reports.exports.tasks import tidy_exports

    with django_capture_on_commit_callbacks(execute=True):
        outcome = tidy_exports()

    assert outcome == {"deleted": 1, "failed": 0}
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert not old.file
    assert not storage.exists(old_name)
    assert fresh.file
    assert storage.exists(fresh.file.name)
    assert AuditEntry.objects.filter(action="export.file_deleted", target_id=str(old.pk)).exists()


def test_a_job_stuck_far_too_long_is_failed_with_a_reason(world, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=False):
        export = services.portfolio_export_request(user=world.parent, pupil=world.child)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.REPORTS_JOB_TIME_LIMIT * 5)
    Export.objects.filter(pk=export.pk).update(status=JobStatus.GENERATING, started_at=long_ago)

    assert services.exports_tidy() == {"deleted": 0, "failed": 1}
    export.refresh_from_db()
    assert export.status == JobStatus.FAILED
    assert "took too long" in export.failure_reason


# --- queries -------------------------------------------------------------------------------------


def test_the_exports_page_costs_the_same_queries_for_one_export_or_many(
    client, world, django_capture_on_commit_callbacks
):
    sign_in(client, world.parent)
    portfolio_export(world, django_capture_on_commit_callbacks)
    client.get(reverse("reports:exports"))  # warm the session and the menu's caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("reports:exports")).status_code == 200
    for _number in range(5):
        Export.objects.create(kind="portfolio", school=world.school, pupil=world.child, requested_by=world.parent)
    sar_export(world, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("reports:exports")).content.decode()
    assert body.count("Visible&#x27;s portfolio") + body.count("Visible's portfolio") >= 6
    assert len(many) == len(one), [query["sql"] for query in many]
