"""Demo data for reports, called by `manage.py seed_demo` after the people and their records exist.

The story: Urban Home School sends weekly reports to families every Monday and monthly ones on the
1st (the settings an office chooses in admin), and Grace Mwangi has last week's reports of Neema
and Jabari ready to read and download. They are asked for as she would (the job makes them when
the seed commits). Riverside sends its autumn term summary on the last day of term.

Safe to run again: the settings are found by (school, kind), and asking for a report of a period
that already has one returns it (no new report, audit entry or job).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Pupil, School, User
from reports import services
from reports.models import ReportKind, ReportSetting

URBAN = "urban-home-school"
RIVERSIDE = "riverside-primary"
GUARDIAN_EMAIL = "parent@urbanhome.example"
CHILDREN_WITH_REPORTS = ("Neema", "Jabari")


@transaction.atomic
def seed(stdout=None) -> None:
    urban = School.objects.filter(slug=URBAN).first()
    if urban is not None:
        ReportSetting.objects.update_or_create(
            school=urban, kind=ReportKind.WEEKLY, defaults={"send_to_families": True, "weekday": 0}
        )
        ReportSetting.objects.update_or_create(
            school=urban, kind=ReportKind.MONTHLY, defaults={"send_to_families": True, "day_of_month": 1}
        )
        grace = User.objects.filter(email=GUARDIAN_EMAIL).first()
        if grace is not None:
            children = Pupil.objects.filter(
                school=urban, first_name__in=CHILDREN_WITH_REPORTS, guardianships__guardian=grace
            ).order_by("first_name")
            for child in children:
                services.request_report(user=grace, pupil=child, kind=ReportKind.WEEKLY)
    riverside = School.objects.filter(slug=RIVERSIDE).first()
    if riverside is not None:
        # The end of an English school's autumn term.
        today = timezone.localdate()
        ReportSetting.objects.update_or_create(
            school=riverside,
            kind=ReportKind.TERM,
            defaults={"send_to_families": True, "send_on": dt.date(today.year, 12, 18)},
        )
