"""Announcement fan-out to a whole school, beside a floor measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/homeroom .venv/bin/python bench/announcements.py --families 100 400

For each size: a school of N families (one child each, in classes of 30, languages mixed
English/Spanish/Polish), a leader posts to the whole school through the real HTTP form, then the
fan-out jobs are run one by one as a worker would (`hub.outbox.run`). Printed:

- post: the request's time and queries (it saves the announcement and records one job, whatever N);
- fan-out: total and per-family time and queries over every batch job (receipt, notification
  with its email and badge entries, one translation entry per language, the next batch);
- floor: a bare bulk insert of the same rows the fan-out must write (N receipts and N
  notifications, in one transaction), per family;
- the ratio of the two;
- delivery: the notifications' own jobs the fan-out records (one per batch for their emails,
  texts or digest, one per batch for their badges), run next, per family and beside the floor;
- left: the jobs not run here (the translations, one per language).
 Runs in a throwaway database (test_<name>), created and dropped here.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]


def configure_environment() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "hub.settings.base"
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/homeroom")
    os.environ.pop("REDIS_URL", None)  # eager jobs, in-memory layer: this process is the worker
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")


def school_of(families: int):
    """A school with `families` guardians (one child each) in classes of 30, and a leader."""
    from accounts.models import ClassGroup, Guardianship, Membership, Pupil, School, User

    school = School.objects.create(
        name=f"Bench {families}", slug=f"bench-{families}-{time.monotonic_ns()}", country="GB", curriculum="england"
    )
    tag = school.slug
    languages = ["en", "es", "pl"]
    users = User.objects.bulk_create(
        [
            User(
                email=f"family{n}@{tag}.example",
                display_name=f"Family {n}",
                preferred_language=languages[n % 3],
                password="!",  # noqa: S106 - an unusable password, as set_unusable_password() stores
            )
            for n in range(families)
        ]
    )
    pupils = Pupil.objects.bulk_create(
        [
            Pupil(
                school=school,
                first_name=f"Child{n}",
                last_name="Bench",
                date_of_birth="2017-05-01",
                year_group="Year 3",
            )
            for n in range(families)
        ]
    )
    Guardianship.objects.bulk_create(
        [
            Guardianship(guardian=user, pupil=pupil, relationship="mother", status="active")
            for user, pupil in zip(users, pupils, strict=True)
        ]
    )
    through = ClassGroup.pupils.through
    rows = []
    for start in range(0, families, 30):
        group = ClassGroup.objects.create(school=school, name=f"Class {start // 30 + 1}", year_group="Year 3")
        rows += [through(classgroup_id=group.pk, pupil_id=pupil.pk) for pupil in pupils[start : start + 30]]
    through.objects.bulk_create(rows)
    leader = User.objects.create_user(email=f"leader@{tag}.example", password=None, display_name="Lee Leader")
    Membership.objects.create(user=leader, school=school, role="leader")
    return school, leader, users


def signed_in(user):
    from django.test import Client

    from tests.messaging.world import sign_in

    client = Client()
    sign_in(client, user)
    return client


def measure(families: int) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from hub import outbox
    from hub.models import OutboxEntry
    from messaging.announcements import services
    from messaging.announcements.models import Announcement, AnnouncementReceipt
    from messaging.models import Notification

    school, leader, users = school_of(families)
    client = signed_in(leader)
    client.get(reverse("messaging:announcement_new"))  # warm: templates, content types
    data = {
        "school": school.pk,
        "audience": "school",
        "title": "Sports day",
        "body": "Sports day is on Friday: bring a water bottle and a hat.",
        "response": "yes_no",
        "question": "Will your child take part?",
    }
    with CaptureQueriesContext(connection) as post_queries:
        started = time.perf_counter()
        response = client.post(reverse("messaging:announcement_new"), data)
        post_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, response.status_code
    announcement = Announcement.objects.filter(school=school).latest("pk")

    fanout_ms, fanout_queries, jobs = 0.0, 0, 0
    while True:
        pending = list(
            OutboxEntry.objects.filter(effect=services.FANOUT, status="pending")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not pending:
            break
        for entry_id in pending:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                outbox.run(entry_id)
                fanout_ms += (time.perf_counter() - started) * 1000
            fanout_queries += len(captured.captured_queries)
            jobs += 1
    reached = AnnouncementReceipt.objects.filter(announcement=announcement).count()
    assert reached == families, (reached, families)

    # The notifications' own jobs: their delivery (email / text / digest decisions) and badges.
    delivery_ms, delivery_queries, delivery_jobs = 0.0, 0, 0
    for entry_id in (
        OutboxEntry.objects.filter(effect__startswith="notifications.", status="pending")
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            outbox.run(entry_id)
            delivery_ms += (time.perf_counter() - started) * 1000
        delivery_queries += len(captured.captured_queries)
        delivery_jobs += 1

    # The floor: the same rows written by a bare bulk insert, in one transaction.
    floor_announcement = Announcement.objects.create(
        school=school, author=leader, audience="school", title="Floor", body="Floor"
    )
    with CaptureQueriesContext(connection) as floor_queries:
        started = time.perf_counter()
        with transaction.atomic():
            AnnouncementReceipt.objects.bulk_create(
                [AnnouncementReceipt(announcement=floor_announcement, guardian=user) for user in users]
            )
            Notification.objects.bulk_create(
                [Notification(user=user, kind="announcement", title="Floor", url="/") for user in users]
            )
        floor_ms = (time.perf_counter() - started) * 1000
    return {
        "families": families,
        "post_ms": post_ms,
        "post_queries": len(post_queries.captured_queries),
        "jobs": jobs,
        "fanout_ms": fanout_ms,
        "fanout_queries": fanout_queries,
        "floor_ms": floor_ms,
        "floor_queries": len(floor_queries.captured_queries),
        "delivery_jobs": delivery_jobs,
        "delivery_ms": delivery_ms,
        "delivery_queries": delivery_queries,
        "downstream": OutboxEntry.objects.filter(status="pending").exclude(effect=services.FANOUT).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, nargs="+", default=[100, 400])
    args = parser.parse_args()
    configure_environment()
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from hub import outbox

    setup_test_environment()
    # Pages render without `collectstatic` (no hashed-name manifest here), as in the test settings.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Its own throwaway database, never the test suite's test_<name>.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_announcements_{os.getpid()}"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    # This process is the worker: jobs are run one by one below, not published after commit.
    outbox.publish = lambda *args, **kwargs: False
    print(f"database: {connection.vendor} ({name})")
    try:
        measure(10)  # warm: language detection, templates, content types
        results = [measure(families) for families in args.families]
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    header = (
        f"{'families':>8} {'post ms':>8} {'post q':>6} {'jobs':>4} {'fan-out ms':>10} {'ms/family':>9} "
        f"{'q/family':>8} {'floor ms/family':>15} {'floor q':>7} {'ratio':>6} "
        f"{'delivery jobs':>13} {'delivery ms/family':>18} {'q/family':>8} {'ratio':>6} {'left':>4}"
    )
    print(header)
    for r in results:
        per = r["fanout_ms"] / r["families"]
        floor = r["floor_ms"] / r["families"]
        print(
            f"{r['families']:>8} {r['post_ms']:>8.1f} {r['post_queries']:>6} {r['jobs']:>4} {r['fanout_ms']:>10.0f} "
            f"{per:>9.2f} {r['fanout_queries'] / r['families']:>8.1f} {floor:>15.3f} {r['floor_queries']:>7} "
            f"{per / floor:>5.1f}x {r['delivery_jobs']:>13} {r['delivery_ms'] / r['families']:>18.2f} "
            f"{r['delivery_queries'] / r['families']:>8.2f} {r['delivery_ms'] / r['families'] / floor:>5.1f}x "
            f"{r['downstream']:>4}"
        )


if __name__ == "__main__":
    main()
