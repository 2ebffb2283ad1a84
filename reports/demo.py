"""Demo data for reports, called by `manage.py seed_demo` after the people and their records exist.

Urban Home School sends weekly reports to families every Monday and monthly ones on the 1st
(the settings an office would choose in admin). Safe to run again: the settings are found by
(school, kind) and nothing else is written twice.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import School
from reports.models import ReportKind, ReportSetting

URBAN = "urban-home-school"
RIVERSIDE = "riverside-primary"


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
    riverside = School.objects.filter(slug=RIVERSIDE).first()
    if riverside is not None:
        # Riverside sends a term summary at the end of the autumn term (an English school's).
        today = timezone.localdate()
        ReportSetting.objects.update_or_create(
            school=riverside,
            kind=ReportKind.TERM,
            defaults={"send_to_families": True, "send_on": dt.date(today.year, 12, 18)},
        )
