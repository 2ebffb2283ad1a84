"""A school's office in Django admin: its own reports, batches and exports, read-only and without
their content; which reports go to families by themselves, and when (audited). Another school's
rows answer 404."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import AuditEntry
from reports.models import Copy, Export, JobStatus, Report, ReportBatch, ReportSetting
from tests import factories
from tests.conftest import force_verified_login

# What the lead adds to SCHOOL_ADMIN_PERMISSIONS (accounts' seed_demo) for reports.
REPORTS_PERMISSIONS = {
    "report": ["view"],
    "reportbatch": ["view"],
    "reportsetting": ["view", "add", "change", "delete"],
    "export": ["view"],
}


@pytest.fixture
def office(client, household):
    user = factories.UserFactory(display_name="Otieno Office", is_staff=True)
    factories.MembershipFactory(user=user, school=household.school, role="school_admin")
    group = Group.objects.create(name="Report admins")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="reports",
            codename__in=[f"{action}_{model}" for model, actions in REPORTS_PERMISSIONS.items() for action in actions],
        )
    )
    user.groups.add(group)
    force_verified_login(client, user)
    return user


def _report(pupil, **extra):
    return Report.objects.create(
        school=pupil.school,
        pupil=pupil,
        kind="weekly",
        copy=Copy.FAMILY,
        period_start=dt.date(2026, 11, 16),
        period_end=dt.date(2026, 11, 22),
        status=JobStatus.FAILED,
        failure_reason="The records could not be read.",
        narrative="Neema's private summary",
        **extra,
    )


def test_the_office_sees_its_school_s_reports_read_only_without_their_content(client, household, office):
    own = _report(household.child)
    far = _report(household.far_child)
    listing = client.get("/admin/reports/report/").content.decode()
    assert f"/admin/reports/report/{own.pk}/change/" in listing
    assert f"/admin/reports/report/{far.pk}/change/" not in listing
    page = client.get(f"/admin/reports/report/{own.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "The records could not be read." in body  # why it failed: the office can help
    assert "private summary" not in body  # what the family's copy says is not the office's
    assert client.post(f"/admin/reports/report/{own.pk}/change/", {"status": "ready"}).status_code == 403
    assert client.get("/admin/reports/report/add/").status_code == 403
    assert client.get(f"/admin/reports/report/{far.pk}/change/").status_code == 404
    own.refresh_from_db()
    assert own.status == JobStatus.FAILED


def test_batches_and_exports_are_shown_for_the_school_only(client, household, office):
    own = ReportBatch.objects.create(
        school=household.school, kind="weekly", period_start=dt.date(2026, 11, 16), period_end=dt.date(2026, 11, 22)
    )
    far = ReportBatch.objects.create(
        school=household.far_child.school,
        kind="weekly",
        period_start=dt.date(2026, 11, 16),
        period_end=dt.date(2026, 11, 22),
    )
    assert client.get(f"/admin/reports/reportbatch/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/reports/reportbatch/{far.pk}/change/").status_code == 404
    own_export = Export.objects.create(school=household.school, kind="portfolio", pupil=household.child)
    far_export = Export.objects.create(school=household.far_child.school, kind="portfolio", pupil=household.far_child)
    listing = client.get("/admin/reports/export/").content.decode()
    assert f"/admin/reports/export/{own_export.pk}/change/" in listing
    assert f"/admin/reports/export/{far_export.pk}/change/" not in listing
    assert client.get(f"/admin/reports/export/{far_export.pk}/change/").status_code == 404


def test_the_office_sets_weekly_reports_to_go_on_mondays(client, household, office):
    form = {"school": household.school.pk, "kind": "weekly", "send_to_families": "on", "weekday": ""}
    refused = client.post("/admin/reports/reportsetting/add/", form)
    assert refused.status_code == 200
    assert "Choose the day of the week weekly reports go." in refused.content.decode()
    assert not ReportSetting.objects.exists()

    response = client.post("/admin/reports/reportsetting/add/", {**form, "weekday": "0"})
    assert response.status_code == 302
    setting = ReportSetting.objects.get()
    assert (setting.school, setting.kind, setting.send_to_families, setting.weekday) == (
        household.school,
        "weekly",
        True,
        0,
    )
    assert AuditEntry.objects.filter(action="reportsetting.created_in_admin", target_id=str(setting.pk)).exists()


def test_the_office_cannot_set_another_school_s_reports(client, household, office):
    far_school = household.far_child.school
    response = client.post(
        "/admin/reports/reportsetting/add/",
        {"school": far_school.pk, "kind": "monthly", "send_to_families": "on", "day_of_month": "1"},
    )
    assert response.status_code == 200  # the form refuses a school it does not offer
    assert not ReportSetting.objects.exists()
    far_setting = ReportSetting.objects.create(school=far_school, kind="weekly", send_to_families=True, weekday=4)
    assert client.get(f"/admin/reports/reportsetting/{far_setting.pk}/change/").status_code == 404
    assert "Elsewhere Academy" not in client.get("/admin/reports/reportsetting/add/").content.decode()


def test_a_monthly_setting_needs_a_day_from_1_to_28(client, household, office):
    response = client.post(
        "/admin/reports/reportsetting/add/",
        {"school": household.school.pk, "kind": "monthly", "send_to_families": "on", "day_of_month": "31"},
    )
    assert "Enter a day of the month from 1 to 28." in response.content.decode()
    assert not ReportSetting.objects.exists()


def test_the_office_can_upload_its_school_s_logo_in_admin(client, household, office):
    office.groups.get().permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="change_school")
    )
    page = client.get(f"/admin/accounts/school/{household.school.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="logo"' in body
    assert 'enctype="multipart/form-data"' in body
