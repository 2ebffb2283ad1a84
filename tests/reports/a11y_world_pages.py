"""The report pages in the every-page accessibility walk (tests/browser/test_every_page_accessible.py):
the world's parent asks for a weekly report of their child and the teacher for their class, and
the job makes them (in-process, as in the demo), so the report page is checked with its charts and
tables. The report's public ids and the batch's id are the walk's values."""

from reports import services
from reports.models import Copy


def candidates(world) -> dict:
    family_copy = services.request_report(user=world.parent, pupil=world.child, kind="weekly")
    class_group = world.teacher.class_groups.order_by("pk").first()
    batch = services.generate_for_class(user=world.teacher, class_group=class_group, kind="weekly")
    school_copy = batch.reports.filter(pupil=world.child, copy=Copy.SCHOOL).first()
    report_ids = [str(family_copy.public_id)] + ([str(school_copy.public_id)] if school_copy else [])
    return {"report_id": report_ids, "batch_id": [batch.pk], "class_id": [class_group.pk]}
