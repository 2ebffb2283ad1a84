"""Where a message's server time goes: cProfile of the form-post path and the reader's "read", in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/homeroom REDIS_URL=redis://127.0.0.1:6379/15 \
        .venv/bin/python bench/profile_send.py --messages 40 [--thread]

Jobs run in-process (eager), as in bench/messaging.py. Prints the CPU and queries per message and
the functions with the most cumulative time. `--thread` measures the thread page (its 50 newest
of `--messages` messages) beside a minimal signed-in page (base layout, one heading), three
rounds, then profiles the thread page. `--pages` measures the reader's notifications, inbox and
home pages the same way (or `--page URL`, repeatable), with `--notifications` notifications
(about the child and the conversations, some read) and `--conversations` conversations about the
child, each with a few messages; `--profile-page URL` profiles one of them. `--no-read` measures
the form post alone (no reader's read, as the bare views have none); `--reads` measures a live
"read" with nothing new in a thread of 100 messages and of `--messages`, and `--badge` the header
badge's count with 100 and `--messages` unread notifications; `--floor` prints, instead of
profiling, the bare insert-render-push view of bench/messaging.py beside our send, `--rounds`
rounds alternated in this process, as a ratio (issue 8's form-post target). `--sql` lists the last iteration's queries with the
project functions that ran them; `--pyinstrument` samples instead of tracing (far less overhead:
install pyinstrument somewhere on PYTHONPATH, it is not a project dependency).
"""

import argparse
import cProfile
import datetime
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `--code DIR` measures another checkout's project code (say ../main, the "before") with this bench.
CODE = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else ROOT
sys.path[:] = [str(CODE)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() not in (ROOT, ROOT / "bench", CODE / "bench")
]
os.chdir(CODE)  # something during set-up imports from the working directory: make it the code's


def per_call(action, times: int = 200) -> tuple[float, float]:
    """CPU and wall milliseconds per call of `action`, after one call to warm it up."""
    action()
    started, wall_started = time.process_time(), time.perf_counter()
    for _number in range(times):
        action()
    return (time.process_time() - started) * 1000 / times, (time.perf_counter() - wall_started) * 1000 / times


def measure_reads(conversation_id: int, teacher, parent, *, length: int, rounds: int) -> None:
    """What every open tab's "read" after a live fragment costs when nothing is new to its reader,
    in the same thread at 100 messages and at `length`, all read by the parent (receipts and read
    mark, as reading leaves them). Beside it, the floor: one look-up of a message by its id (the
    least a read could ask of the database). Wall time holds the database's part."""
    from django.utils import timezone

    from messaging.models import Message
    from messaging.services import messages as message_services

    def grow_to(size: int) -> int:
        have = Message.objects.filter(conversation_id=conversation_id).count()
        start = timezone.now() - datetime.timedelta(days=30)
        Message.objects.bulk_create(
            [
                Message(
                    conversation_id=conversation_id,
                    sender=teacher,
                    body=f"Message number {number}, about the trip on Friday.",
                    language="en",
                    status=Message.Status.SENT,
                    sent_at=start + datetime.timedelta(seconds=number * 30),
                    created_at=start + datetime.timedelta(seconds=number * 30),
                )
                for number in range(have, size)
            ]
        )
        newest = Message.objects.filter(conversation_id=conversation_id).order_by("-sent_at", "-pk").first()
        message_services.message_mark_read(user=parent, message_id=newest.pk)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE messaging_message; ANALYZE messaging_messageread")
        return newest.pk

    for size in (100, length):
        newest = grow_to(size)
        total = Message.objects.filter(conversation_id=conversation_id).count()
        for _round in range(rounds):
            floor_cpu, floor_wall = per_call(lambda newest=newest: Message.objects.filter(pk=newest).exists())
            read_cpu, read_wall = per_call(
                lambda newest=newest: message_services.message_mark_read(user=parent, message_id=newest)
            )
            print(
                f"thread of {total} messages: a read with nothing new {read_wall:.2f} ms wall ({read_cpu:.2f} ms CPU);"
                f" one look-up by id {floor_wall:.2f} ms ({floor_cpu:.2f} ms CPU): ×{read_wall / floor_wall:.1f} wall"
            )


def measure_badge(parent, *, unread: int, rounds: int) -> None:
    """The header badge's count (every page, and after every message) for a parent with 100 and
    with `unread` unread notifications about their child (the school's news they read by email),
    beside one look-up by id. Wall time holds the database's part."""
    from django.db import connection

    from accounts.models import Guardianship
    from messaging.models import Notification
    from messaging.notifications import selectors

    pupil_id = Guardianship.objects.filter(guardian=parent).values_list("pupil_id", flat=True).first()
    # The code before the badge stopped at 100 (--code) counted them all.
    badge_count = getattr(selectors, "badge_count_for", selectors.unread_count_for)

    for size in (100, unread):
        have = Notification.objects.filter(user=parent, read_at__isnull=True).count()
        Notification.objects.bulk_create(
            Notification(user=parent, kind="announcement", title=f"School news {number}", pupil_id=pupil_id)
            for number in range(have, size)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE messaging_notification")
        for _round in range(rounds):
            floor_cpu, floor_wall = per_call(lambda: Notification.objects.filter(pk=0).exists(), times=100)
            badge_cpu, badge_wall = per_call(lambda: badge_count(parent), times=100)
            print(
                f"{size} unread: the badge's count {badge_wall:.2f} ms wall ({badge_cpu:.2f} ms CPU);"
                f" one look-up by id {floor_wall:.2f} ms ({floor_cpu:.2f} ms CPU): ×{badge_wall / floor_wall:.1f} wall"
            )


def install_bare_insert() -> str:
    """bench/messaging.py's bare insert-render-push view (the floor issue 8 compares the form post
    with) at /bench/insert/<conversation>/."""
    from django.conf import settings
    from django.urls import clear_url_caches, path

    from bench.messaging import bare_insert
    from hub import urls as hub_urls

    module = types_module("bench_profile_floor_urls")
    module.urlpatterns = [path("bench/insert/<int:conversation_id>/", bare_insert), *hub_urls.urlpatterns]
    settings.ROOT_URLCONF = "bench_profile_floor_urls"
    clear_url_caches()
    return "/bench/insert/{}/"


def types_module(name: str):
    import types

    module = types.ModuleType(name)
    sys.modules[name] = module
    return module


def install_minimal_page() -> str:
    """A minimal signed-in page (the base layout and one heading) at /bench/minimal/, the floor
    pages are compared with."""
    import types

    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.template import engines
    from django.urls import clear_url_caches, path

    from hub import urls as hub_urls

    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}<h1 class="govuk-heading-l">Minimal</h1>{% endblock %}'
    )

    @login_required
    def minimal(request):
        from django.http import HttpResponse

        return HttpResponse(template.render({}, request))

    # Pages render without `collectstatic` (no hashed-name manifest here), as in the test settings.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    module = types.ModuleType("bench_profile_urls")
    module.urlpatterns = [path("bench/minimal/", minimal), *hub_urls.urlpatterns]
    sys.modules["bench_profile_urls"] = module
    settings.ROOT_URLCONF = "bench_profile_urls"
    clear_url_caches()
    return "/bench/minimal/"


def fill_pages(conversation_id: int, teacher, parent, *, conversations: int, notifications: int) -> None:
    """Realistic pages for the reader (the parent): `conversations` more conversations about their
    child with the teacher, three messages each (saved as sends leave them, encrypted), and
    `notifications` notifications about the child and those conversations, the older half read."""
    from django.utils import timezone

    from messaging.models import Conversation, Message, Notification, Participant

    first = Conversation.objects.get(pk=conversation_id)
    now = timezone.now()
    made = Conversation.objects.bulk_create(
        [
            Conversation(
                school_id=first.school_id,
                pupil_id=first.pupil_id,
                kind=first.kind,
                subject=f"Bench subject {number}",
                created_by=teacher,
            )
            for number in range(conversations)
        ]
    )
    ids = [conversation_id, *(conversation.pk for conversation in made)]
    Participant.objects.bulk_create(
        [Participant(conversation_id=pk, user=user) for pk in ids[1:] for user in (teacher, parent)]
    )
    Message.objects.bulk_create(
        [
            Message(
                conversation_id=pk,
                sender=teacher if number % 2 == 0 else parent,
                body=f"Message {number} of {pk}, about the trip on Friday.",
                language="en",
                status=Message.Status.SENT,
                sent_at=now - datetime.timedelta(minutes=index * 5 + 3 - number),
                created_at=now - datetime.timedelta(minutes=index * 5 + 3 - number),
            )
            for index, pk in enumerate(ids)
            for number in range(3)
        ]
    )
    Notification.objects.bulk_create(
        [
            Notification(
                user=parent,
                kind="message",
                pupil_id=first.pupil_id,
                title=f"New message from Teacher about Bench subject {number}",
                body=f"Message {number}: about the trip on Friday.",
                url=f"/messages/{ids[number % len(ids)]}/",
                target_type="messaging.conversation",
                target_id=ids[number % len(ids)],
                created_at=now - datetime.timedelta(minutes=number),
                read_at=now if number >= notifications // 2 else None,
            )
            for number in range(notifications)
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--thread", action="store_true", help="the thread page (of --messages) beside a minimal page")
    parser.add_argument(
        "--badge",
        action="store_true",
        help="the header badge's unread count with 100 and with --messages unread notifications,"
        " beside one look-up by id",
    )
    parser.add_argument(
        "--reads",
        action="store_true",
        help="a reader's live 'read' with nothing new, in a thread of 100 and of --messages read messages,"
        " beside one look-up by id",
    )
    parser.add_argument(
        "--pages", action="store_true", help="the notifications, inbox and home pages beside a minimal page"
    )
    parser.add_argument("--page", action="append", default=[], help="a page (URL) to measure; repeatable")
    parser.add_argument(
        "--staff",
        action="store_true",
        help="with --pages/--page: measure them as the teacher (the writer), not the parent",
    )
    parser.add_argument("--profile-page", default="", help="with --pages/--page: profile this URL")
    parser.add_argument("--notifications", type=int, default=200)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", default=str(ROOT), help="the checkout whose project code is measured")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument(
        "--no-keep", action="store_true", help="render every message fragment each time (as before they were kept)"
    )
    parser.add_argument(
        "--profile-minimal", action="store_true", help="with --thread: profile the minimal page instead (the floor)"
    )
    parser.add_argument("--only", default="", help="a regex: list only matching functions (e.g. 'messaging|hub')")
    parser.add_argument("--no-profile", action="store_true", help="only the CPU and query figures")
    parser.add_argument(
        "--pyinstrument",
        action="store_true",
        help="a sampling profile (pyinstrument, if importable) instead of cProfile: far less overhead",
    )
    parser.add_argument(
        "--no-read", action="store_true", help="the form post alone, without the reader's read (as the bare views)"
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="CPU per message of the bare insert-render-push view beside ours, --rounds rounds alternated",
    )
    parser.add_argument("--sql", action="store_true", help="print the queries of the last iteration (and whence)")
    parser.add_argument("--dump", default="", help="also write the cProfile stats to this file (for pstats)")
    args = parser.parse_args()

    from bench.messaging import configure_environment, prepare

    configure_environment(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/homeroom"),
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    )
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    plan = prepare(1)[0]
    import messaging

    print(f"code measured: {Path(messaging.__file__).resolve().parent.parent}")

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from messaging.services import messages as message_services

    teacher = User.objects.get(pk=plan["to"][0])
    parent = User.objects.get(pk=plan["to"][1])
    conversation_id = plan["conversation"]
    writer = Client(HTTP_HX_REQUEST="true")
    writer.force_login(teacher)
    reader = Client()
    reader.force_login(parent)
    url = reverse("messaging:send", args=[conversation_id])

    def one(number: int) -> None:
        response = writer.post(url, {"body": f"Message {number}", "client_key": f"key-{time.time_ns()}"})
        assert response.status_code == 200, response.status_code
        if args.no_read:
            return
        # What the reader's page does after the fragment arrives.
        from messaging.models import Message

        message_id = (
            Message.objects.filter(conversation_id=conversation_id).order_by("-pk").values_list("pk", flat=True)[0]
        )
        message_services.message_mark_read(user=parent, message_id=message_id)

    thread_url = reverse("messaging:thread", args=[conversation_id])
    if args.reads:
        measure_reads(conversation_id, teacher, parent, length=args.messages, rounds=args.rounds)
        return
    if args.badge:
        measure_badge(parent, unread=args.messages, rounds=args.rounds)
        return
    pages = list(args.page)
    if args.pages:
        pages = [reverse("notifications:inbox"), reverse("messaging:inbox"), reverse("home"), *pages]
    if pages:
        fill_pages(conversation_id, teacher, parent, conversations=args.conversations, notifications=args.notifications)
        if args.staff:
            reader = writer  # a member of staff's pages: their home opens with the messages summary
        minimal_url = install_minimal_page()
        for _warm in range(3):
            for url in [minimal_url, *pages]:
                assert reader.get(url).status_code == 200, (url, reader.get(url).status_code)

        walls: dict[str, list[float]] = {}

        def cpu_of(url: str, times: int = 20) -> float:
            # CPU is this process's; the wall time also holds what the database takes (planning
            # included), what the person waits for: kept per page and printed after the rounds.
            started, wall_started = time.process_time(), time.perf_counter()
            for _number in range(times):
                reader.get(url)
            walls.setdefault(url, []).append((time.perf_counter() - wall_started) * 1000 / times)
            return (time.process_time() - started) * 1000 / times

        def queries_of(url: str) -> int:
            with CaptureQueriesContext(connection) as captured:
                reader.get(url)
            return len(captured)

        from django.test.utils import CaptureQueriesContext

        floor_queries = queries_of(minimal_url)
        print(f"minimal page: {floor_queries} queries; " + ", ".join(f"{url} {queries_of(url)}" for url in pages))
        for _round in range(args.rounds):
            # The floor measured between the pages too, so a burst of load elsewhere shows in both.
            minimal = cpu_of(minimal_url)
            figures = [(url, cpu_of(url)) for url in pages]
            minimal = (minimal + cpu_of(minimal_url)) / 2
            print(
                f"minimal {minimal:.1f} ms CPU; "
                + "; ".join(f"{url} {cpu:.1f} ms ×{cpu / minimal:.2f}" for url, cpu in figures)
            )
        print(
            "wall per request (median of the rounds): "
            + "; ".join(f"{url} {statistics.median(times):.1f} ms" for url, times in walls.items())
        )
        if args.no_profile or not args.profile_page:
            return
        profiled_page = args.profile_page

        def run_page(number):
            reader.get(profiled_page)

        action = run_page
    elif args.thread:
        from django.utils import timezone

        from messaging.models import Message

        # The thread's messages, saved as sends leave them (encrypted), without sending each.
        now = timezone.now()
        Message.objects.bulk_create(
            [
                Message(
                    conversation_id=conversation_id,
                    sender=teacher if number % 2 else parent,
                    body=f"Message number {number}, about the trip on Friday.",
                    language="en",
                    status=Message.Status.SENT,
                    sent_at=now - datetime.timedelta(minutes=args.messages - number),
                    created_at=now - datetime.timedelta(minutes=args.messages - number),
                )
                for number in range(args.messages)
            ]
        )
        minimal_url = install_minimal_page()
        if args.no_keep:
            from messaging.templatetags import messaging_fragments

            messaging_fragments.FRAGMENTS = 0
        for _warm in range(3):
            assert reader.get(thread_url).status_code == 200
            assert reader.get(minimal_url).status_code == 200

        def page_cpu(url: str, times: int = 20) -> tuple[float, float]:
            started, wall_started = time.process_time(), time.perf_counter()
            for _number in range(times):
                assert reader.get(url).status_code == 200
            return (time.process_time() - started) * 1000 / times, (time.perf_counter() - wall_started) * 1000 / times

        for _round in range(3):
            (minimal, minimal_wall), (thread, thread_wall) = page_cpu(minimal_url), page_cpu(thread_url)
            print(
                f"minimal page {minimal:.1f} ms CPU, thread ({args.messages} messages) {thread:.1f} ms: ×{thread / minimal:.1f}"
                f" (wall {minimal_wall:.1f} / {thread_wall:.1f} ms)"
            )

        profiled_url = minimal_url if args.profile_minimal else thread_url

        def run_once(number):
            response = reader.get(profiled_url)
            assert response.status_code == 200

        action = run_once
    else:
        for number in range(3):  # warm up: templates compiled, SQL cached
            one(number)
        action = one
    if args.floor:
        from bench import messaging as bench_messaging

        floor_url = install_bare_insert().format(conversation_id)
        floor_writer = Client()
        floor_writer.force_login(teacher)

        def floor_one(number: int) -> None:
            response = floor_writer.post(floor_url, {"body": f"Floor {number}", "to": [parent.pk, teacher.pk]})
            assert response.status_code == 200, response.status_code

        def cpu_per(action, times: int, *, waiting: bool) -> float:
            started = time.process_time()
            for number in range(times):
                action(number)
            if waiting:  # what the messages left waiting (emails), as in the main measurement
                bench_messaging.run_waiting_now()
            return (time.process_time() - started) * 1000 / times

        floor_one(0)
        ours_label = "ours (post alone)" if args.no_read else "ours (post + read)"
        for _round in range(args.rounds):
            floor, ours = cpu_per(floor_one, args.messages, waiting=False), cpu_per(one, args.messages, waiting=True)
            print(f"bare insert view {floor:.1f} ms CPU, {ours_label} {ours:.1f} ms: ×{ours / floor:.2f}")
        return

    count = args.messages if not (args.thread or pages) else 20
    if args.thread and args.no_profile:
        return
    executed = []

    def where_from() -> str:
        """The innermost project functions on the stack (for --sql)."""
        import traceback

        ours = [
            f"{Path(frame.filename).stem}.{frame.name}"
            for frame in traceback.extract_stack()
            if str(ROOT) in frame.filename and "/.venv/" not in frame.filename and "/bench/" not in frame.filename
        ]
        return " < ".join(reversed(ours[-3:]))

    def counter(execute, sql, params, many, context):
        if not args.sql:
            executed.append(sql)
            return execute(sql, params, many, context)
        started = time.perf_counter()  # the statement's wall time: the database's part shows here
        try:
            return execute(sql, params, many, context)
        finally:
            took = (time.perf_counter() - started) * 1000
            executed.append(
                f"[{took:.1f} ms, {len(sql)} chars, {len(params or ())} params] {sql[:160]}\n      ← {where_from()}"
            )

    if args.pyinstrument:
        import pyinstrument

        profiler = pyinstrument.Profiler(interval=0.0005)
    else:
        profiler = cProfile.Profile(time.process_time)  # CPU time: the database's own time is not ours
    started, cpu_started = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        if not args.no_profile:
            profiler.start() if args.pyinstrument else profiler.enable()
        for number in range(count):
            if number == count - 1:
                last = len(executed)
            action(number)
        if not pages and not args.thread:
            # Emails about new messages wait for reading (NOTIFICATIONS_UNREAD_WAIT_SECONDS): what
            # the messages left waiting runs now, as if its time had come, inside the measurement.
            # (bench.messaging is the measured checkout's: one from before the wait has none.)
            from bench import messaging as bench_messaging

            waited = getattr(bench_messaging, "run_waiting_now", lambda: 0)()
        if args.no_profile:
            pass
        elif args.pyinstrument:
            profiler.stop()
        else:
            profiler.disable()
    cpu = time.process_time() - cpu_started
    wall = time.perf_counter() - started
    queries = len(executed)
    what = (
        pages
        and args.profile_page
        or ("thread page" if args.thread else "message (post alone)" if args.no_read else "message (post + read)")
    )
    print(
        f"{what}: {cpu * 1000 / count:.1f} ms CPU, {wall * 1000 / count:.1f} ms wall, {queries / count:.1f} queries"
        + (f" (with {waited} waiting jobs run at the end)" if not pages and not args.thread and waited else "")
    )
    if args.sql:
        for sql in executed[last:]:
            print(" ", sql[:300])
    if args.pyinstrument and not args.no_profile:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    elif not args.no_profile:
        if args.dump:
            profiler.dump_stats(args.dump)
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(*([args.only] if args.only else []), args.top)


if __name__ == "__main__":
    main()
