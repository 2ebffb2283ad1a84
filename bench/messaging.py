"""Live messaging under load: our two ways of sending beside the floors they are built on, in one run.

    .venv/bin/python bench/messaging.py --clients 20 --messages 20

One ASGI process (uvicorn, in a subprocess, jobs in-process) serves every path; each is timed
from the moment a client sends until the other participant's socket has the message, and the
server process's CPU time is read before and after each path (PostgreSQL's and Redis's own CPU
are not in it):

- echo floor: a minimal AsyncWebsocketConsumer group_sends each frame to its room (Redis layer);
- bare Django, POST → push: a signed-in POST to a minimal view that pushes the text to both
  participants' UserConsumer sockets (the project's middleware, no query of its own);
- bare Django, POST → insert + render + push: the same view also inserts the message row
  (encrypted, as ours) and renders it once from a small template before pushing it;
- bare Channels, WebSocket → insert + render + push: the WebSocket's own floor for saving a
  message, a minimal consumer (signed in at connect, as ours) that inserts the same row and
  renders the same template in one trip to its database thread, then pushes it to both
  participants' groups (our WebSocket path beside it is what access, audit, scan, outbox,
  notifications and per-reader rendering add to a saved message);
- ours over the WebSocket: {"type": "send"} on the writer's open socket (access check, service,
  audit, safeguarding scan, outbox, notification per reader, per-reader render, push);
- ours as a form post: the composer's htmx POST to /messages/<id>/send/, the same service.

In our two paths the reader's tab then says "read", as the page's script does, and the writer's
tab gets the receipt, so their cost is in the figures too; both are then run again without the
"read" (rows "no read"): the send path alone, comparable with the bare insert view, which has
none. Clients are paired into rooms (a parent and a teacher per conversation); every room sends
closed-loop (the next message once the last arrived), all rooms at once. Printed: p50/p95 latency, messages per second, server CPU per
message, and each as a ratio of the echo floor (the form post also of the bare insert view, the
WebSocket paths also of the bare WebSocket insert). `--rounds N` measures every path N times,
round by round, and gives each ratio as the median of the rounds' own ratios with their range
(this machine's run-to-run noise is ±20 %: a ratio taken within a round moves less); `--only
TEXT` measures only the paths whose label contains TEXT, beside the echo.

Uses REDIS_URL (default redis://127.0.0.1:6379/15) and DATABASE_URL (default: a fresh SQLite
file in a temporary directory, migrated at start). Translation is off (one language) so the
figures measure messaging, not the translation engine; notification emails go to Django's
in-memory email backend, so printing them is not measured either. As in production, an email about
a new message waits NOTIFICATIONS_UNREAD_WAIT_SECONDS (120 s) and goes only if still unread: at the
end of each path what waits is run as if its time had come, and its CPU is in that path's figure.
"""

import argparse
import asyncio
import functools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/messaging.py: keep it from shadowing the `messaging` Django app.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]

CSRF = "b" * 32


def configure_environment(database_url: str, redis_url: str, *, eager: bool = True) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "hub.settings.base"
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true" if eager else "false"
    # Notification emails are built and handed to Django's in-memory backend, not printed: the
    # console backend's writes would be measured as messaging.
    os.environ["EMAIL_URL"] = "memorymail://"
    # Production's wait before emailing about a new message (the demo and the tests send at once):
    # what waits is run, and its CPU counted, at the end of each path (`run_waiting_now`).
    os.environ.setdefault("NOTIFICATIONS_UNREAD_WAIT_SECONDS", "120")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def tune_sqlite() -> None:
    """With SQLite, writers wait for each other (WAL, immediate transactions) instead of failing."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("OPTIONS", {}).update(
            {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        )


# --- the server side (run in the subprocess) ------------------------------------------------------


def build_application():
    import django

    tune_sqlite()
    django.setup()
    from channels.auth import AuthMiddlewareStack
    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.core.asgi import get_asgi_application
    from django.urls import path

    from messaging import realtime
    from messaging.consumers import UserConsumer

    class EchoConsumer(AsyncWebsocketConsumer):
        """The baseline: join a room, forward every frame to the whole room."""

        async def connect(self):
            self.room = "bench-room-" + self.scope["url_route"]["kwargs"]["room"]
            await self.channel_layer.group_add(self.room, self.channel_name)
            await self.accept()

        async def disconnect(self, code):
            await self.channel_layer.group_discard(self.room, self.channel_name)

        async def receive(self, text_data=None, bytes_data=None):
            await self.channel_layer.group_send(self.room, {"type": "room.frame", "text": text_data})

        async def room_frame(self, event):
            await self.send(text_data=event["text"])

    class BareInsertConsumer(AsyncWebsocketConsumer):
        """The WebSocket floor of saving a message: signed in at connect, then per frame the row
        inserted and rendered (`save_and_render`, one trip to the database thread, as our
        consumer makes) and pushed to each participant's user group."""

        async def connect(self):
            self.user = self.scope["user"]
            if not self.user.is_authenticated:
                await self.close()
                return
            self.group = realtime.user_group(self.user.pk)
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.accept()

        async def disconnect(self, code):
            if getattr(self, "group", None):
                await self.channel_layer.group_discard(self.group, self.channel_name)

        async def receive(self, text_data=None, bytes_data=None):
            frame = json.loads(text_data)
            html = await database_sync_to_async(save_and_render)(self.user, frame["conversation"], frame["body"])
            payload = {"type": "user.push", "html": html}
            for reader in frame["to"]:
                await self.channel_layer.group_send(realtime.user_group(int(reader)), payload)

        async def user_push(self, event):
            await self.send(text_data=event["html"])

    http = get_asgi_application()
    return ProtocolTypeRouter(
        {
            "http": http,
            "websocket": AuthMiddlewareStack(
                URLRouter(
                    [
                        path("ws/", UserConsumer.as_asgi()),
                        path("echo/<str:room>/", EchoConsumer.as_asgi()),
                        path("bench/ws-insert/", BareInsertConsumer.as_asgi()),
                    ]
                )
            ),
        }
    )


def serve(port: int) -> None:
    import uvicorn
    from django.conf import settings

    application = build_application()
    install_urlconf()
    settings.ROOT_URLCONF = "bench_urls"
    uvicorn.run(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="websockets")


def install_urlconf() -> None:
    """hub.urls plus messaging at /messages/ (in case the project has not mounted it yet)."""
    import types

    from django.urls import include, path

    from hub import urls as hub_urls

    module = types.ModuleType("bench_urls")
    patterns = [
        path("bench/push/", bare_push),
        path("bench/insert/<int:conversation_id>/", bare_insert),
        path("bench/waiting/", run_waiting),
    ]
    patterns += list(hub_urls.urlpatterns)
    if not any(getattr(entry, "namespace", None) == "messaging" for entry in patterns):
        patterns.append(path("messages/", include("messaging.urls")))
    module.urlpatterns = patterns
    sys.modules["bench_urls"] = module


def bare_push(request):
    """The floor of a Django POST that pushes: the project's middleware (session, sign-in, CSRF)
    and one push to each participant's sockets."""
    from django.http import HttpResponse, HttpResponseForbidden
    from django.utils.html import format_html

    from messaging import realtime

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    text = request.POST.get("body", "")
    readers = [int(pk) for pk in request.POST.getlist("to")]
    realtime.push_to_users(readers, html=format_html("<p>{}</p>", text))
    return HttpResponse(status=200)


def run_waiting_now() -> int:
    """Run what waits in the outbox (emails about new messages wait for reading) as if its time
    had come, as the sweeper then would; how many entries ran."""
    from django.utils import timezone

    from hub import outbox
    from hub.models import OutboxEntry

    OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING, next_attempt_at__gt=timezone.now()).update(
        next_attempt_at=timezone.now()
    )
    ran = 0
    for _batch in range(100):  # each sweep takes up to OUTBOX_SWEEP_BATCH entries
        swept = outbox.sweep()
        ran += swept
        if not swept:
            break
    return ran


def run_waiting(request):
    """What the path left waiting, run at its end (its CPU counted in the path's)."""
    from django.http import HttpResponse

    return HttpResponse(str(run_waiting_now()))


_TEMPLATE = None


def save_and_render(sender, conversation_id: int, body: str) -> str:
    """What both bare insert floors do with a message: the row inserted (encrypted body, in a
    transaction) and rendered once from a small template."""
    from django.db import transaction
    from django.template import engines
    from django.utils import timezone

    from messaging.models import Message

    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = engines["django"].from_string(
            '<ol hx-swap-oob="beforeend:#messages-{{ m.conversation_id }}"><li id="message-{{ m.pk }}">'
            "<p>{{ m.sender.display_name }}</p><p>{{ m.body|linebreaksbr }}</p>"
            '<time datetime="{{ m.sent_at|date:"c" }}">{{ m.sent_at|date:"j M, H:i" }}</time></li></ol>'
        )
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            conversation_id=conversation_id,
            sender=sender,
            body=body,
            status=Message.Status.SENT,
            sent_at=now,
            created_at=now,
            language="en",
        )
    return _TEMPLATE.render({"m": message})


def bare_insert(request, conversation_id):
    """The floor of saving a message: the bare POST, plus `save_and_render`."""
    from django.http import HttpResponse, HttpResponseForbidden

    from messaging import realtime

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    readers = [int(pk) for pk in request.POST.getlist("to")]
    html = save_and_render(request.user, conversation_id, request.POST.get("body", ""))
    realtime.push_to_users(readers, html=html)
    return HttpResponse(status=200)


# --- setup -----------------------------------------------------------------------------------------


def prepare(rooms: int):
    """Migrate, then make `rooms` conversations of a parent and a teacher; returns cookies and ids."""
    import django

    tune_sqlite()
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import ClassGroup, Guardianship, Membership, Pupil, School, User
    from messaging.models import Conversation, Participant

    call_command("migrate", verbosity=0, interactive=False)
    school = School.objects.create(
        name="Bench School", slug=f"bench-{time.time_ns()}", country="GB", curriculum="england"
    )
    group = ClassGroup.objects.create(school=school, name=f"Bench class {time.time_ns()}")

    def session_for(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    plan = []
    stamp = time.time_ns()
    for number in range(rooms):
        pupil = Pupil.objects.create(
            school=school,
            first_name=f"Pupil{number}",
            last_name="Bench",
            date_of_birth="2017-01-01",
            year_group="Year 3",
        )
        parent = User.objects.create_user(f"parent{number}-{stamp}@bench.example", "x", display_name=f"Parent {number}")
        teacher = User.objects.create_user(
            f"teacher{number}-{stamp}@bench.example", "x", display_name=f"Teacher {number}"
        )
        Guardianship.objects.create(guardian=parent, pupil=pupil, relationship="mother", status="active")
        Membership.objects.create(user=teacher, school=school, role="teacher")
        group.staff.add(teacher)
        group.pupils.add(pupil)
        conversation = Conversation.objects.create(
            school=school, pupil=pupil, kind="guardian_staff", subject=f"Bench {number}", created_by=teacher
        )
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user=parent), Participant(conversation=conversation, user=teacher)]
        )
        plan.append(
            {
                "conversation": conversation.pk,
                "sender": session_for(teacher),
                "reader": session_for(parent),
                "to": [teacher.pk, parent.pk],
            }
        )
    return plan


# --- the clients -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


async def open_socket(url: str, session: str | None):
    import websockets

    headers = {"Origin": "http://127.0.0.1"}
    if session:
        headers["Cookie"] = f"sessionid={session}"
    return await websockets.connect(url, additional_headers=headers, max_size=2**22)


def post(base: str, path: str, session: str, fields: list[tuple[str, str]]) -> int:
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(  # noqa: S310 - a local URL we built
        f"{base}{path}",
        data=data,
        headers={
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "HX-Request": "true",
            "Referer": base + "/",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.status


MESSAGE_ID = re.compile(r'id="message-(\d+)"')


async def run_rooms(ws_base: str, plan: list[dict], messages: int, send, *, socket_path, reads: bool):
    """Open a reader's and a writer's socket per room, then have every room send `messages`
    closed-loop with `send(room, writer_socket, token)`; the latencies and the elapsed time."""
    readers = [await open_socket(ws_base + socket_path(index, room), room["reader"]) for index, room in enumerate(plan)]
    senders = [await open_socket(ws_base + socket_path(index, room), room["sender"]) for index, room in enumerate(plan)]
    latencies: list[float] = []

    async def room_loop(index: int, room: dict):
        reader, sender = readers[index], senders[index]
        for number in range(messages):
            token = f"bench-{index}-{number}-end"
            started = time.perf_counter()
            await send(room, sender, token)
            while token not in (frame := await reader.recv()):
                pass
            latencies.append(time.perf_counter() - started)
            if reads and (found := MESSAGE_ID.search(frame)):
                # What the reader's page does after every fragment: "I have read up to here".
                await reader.send(json.dumps({"type": "read", "message": int(found.group(1))}))
            # The writer's own tabs get it too; drain so the socket does not back up.
            while token not in await sender.recv():
                pass

    started = time.perf_counter()
    await asyncio.gather(*(room_loop(index, room) for index, room in enumerate(plan)))
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.5)  # the last receipts
    for socket in readers + senders:
        await socket.close()
    return latencies, elapsed


def echo_path(index, room):
    return f"/echo/{index}/"


def user_path(index, room):
    return "/ws/"


def bare_socket_path(index, room):
    return "/bench/ws-insert/"


async def send_echo(room, sender, token):
    await sender.send(token)


def send_http(base: str, path_for):
    async def send(room, sender, token):
        fields = [("body", token)] + [("to", str(pk)) for pk in room["to"]]
        status = await asyncio.to_thread(post, base, path_for(room), room["sender"], fields)
        assert status == 200, status

    return send


async def send_bare_socket(room, sender, token):
    await sender.send(json.dumps({"conversation": room["conversation"], "body": token, "to": room["to"]}))


async def send_socket(room, sender, token):
    key = "k" + uuid.uuid4().hex
    await sender.send(
        json.dumps({"type": "send", "conversation": room["conversation"], "body": token, "client_key": key})
    )


def server_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the server processes (and their children: a worker's pool) have
    used so far (Linux /proc)."""
    total = 0.0
    seen = set()
    waiting = list(pids)
    while waiting:
        pid = waiting.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # Counted before its threads are listed: a thread that ends meanwhile (its directory gone)
        # must not take the whole process's time out of the sum.
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except (FileNotFoundError, ProcessLookupError):
            continue
        for task in tasks:
            try:
                waiting.extend(int(child) for child in (task / "children").read_text().split())
            except (FileNotFoundError, ProcessLookupError):
                continue
    return total


def measure_path(pids: list[int], label: str, scenario, *, base: str) -> dict:
    cpu_before = server_cpu_seconds(pids)
    latencies, elapsed = asyncio.run(scenario)
    cpu_sending = server_cpu_seconds(pids) - cpu_before
    with urllib.request.urlopen(f"{base}/bench/waiting/", timeout=300) as response:  # noqa: S310 - ours
        waited = int(response.read())
    if waited and os.environ.get("CELERY_TASK_ALWAYS_EAGER") != "true":
        time.sleep(2)  # published to the worker: let it carry them out inside the measurement
    cpu = server_cpu_seconds(pids) - cpu_before
    figures = {
        "label": label,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "per_second": len(latencies) / elapsed,
        "cpu_ms": cpu * 1000 / len(latencies),
    }
    print(
        f"{label:<40} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  "
        f"{figures['per_second']:6.1f} msg/s  CPU {figures['cpu_ms']:6.1f} ms/msg"
        + (
            f"  (with {waited} waiting jobs run at the end: {(cpu - cpu_sending) * 1000 / len(latencies):.1f} ms/msg)"
            if waited
            else ""
        ),
        flush=True,
    )
    return figures


def ratios(rounds: list[dict], ours: str, floor: str) -> str:
    """`ours` beside `floor` (p50, p95, CPU), each round's ratio taken within the round (the machine
    changes between rounds, less within one); over several rounds, their median and range."""
    shown = []
    for name, key in (("p50", "p50_ms"), ("p95", "p95_ms"), ("CPU", "cpu_ms")):
        each = [measured[ours][key] / measured[floor][key] for measured in rounds]
        middle = f"×{statistics.median(each):.1f}"
        shown.append(f"{name} {middle}" + (f" (×{min(each):.1f}–{max(each):.1f})" if len(each) > 1 else ""))
    return "  ".join(shown)


def wait_for_port(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("the ASGI server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=40, help="WebSocket clients (two per conversation)")
    parser.add_argument("--messages", type=int, default=50, help="messages each conversation sends")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--worker",
        action="store_true",
        help="carry out the outbox in a Celery worker (2 processes), as in production, instead of in the web process",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="measure only the paths whose label contains TEXT (repeatable), beside the echo floor",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every path this many times, round by round, and give each ratio's median and range",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    if args.serve:
        configure_environment(os.environ["DATABASE_URL"], redis_url, eager=not args.worker)
        serve(args.port)
        return

    workdir = tempfile.mkdtemp(prefix="homeroom-bench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    configure_environment(database_url, redis_url, eager=not args.worker)
    rooms = max(1, args.clients // 2)
    plan = prepare(rooms)
    env = dict(os.environ)
    command = [sys.executable, __file__, "--serve", "--port", str(args.port)] + (["--worker"] if args.worker else [])
    server = subprocess.Popen(command, env=env, cwd=str(ROOT))  # noqa: S603 - our own interpreter and script
    processes = [server]
    if args.worker:
        queues = "safeguarding,realtime,translation,email,default"
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "worker",
                "-Q",
                queues,
                "--concurrency=2",
                "--loglevel=WARNING",
            ],
            env=env,
            cwd=str(ROOT),
        )
        processes.append(worker)
    try:
        wait_for_port(args.port)
        base, ws_base = f"http://127.0.0.1:{args.port}", f"ws://127.0.0.1:{args.port}"
        where = "a Celery worker (2 processes)" if args.worker else "the web process (jobs in-process)"
        print(
            f"{rooms * 2} WebSocket clients in {rooms} conversations, {args.messages} messages each, Redis layer, "
            f"{os.cpu_count()} CPUs; the outbox carried out in {where}"
        )
        if args.worker:
            time.sleep(5)  # the worker connects to Redis and PostgreSQL
        pid = [process.pid for process in processes]
        measure = functools.partial(measure_path, base=base)
        run = functools.partial(run_rooms, ws_base, plan, args.messages)
        warm = functools.partial(run_rooms, ws_base, plan, 2)
        form = send_http(base, lambda room: f"/messages/{room['conversation']}/send/")
        # (label, how a message is sent, the socket path, whether the reader's tab says "read").
        # The last two are the send path alone, as issue 8 states its target (the bare insert view
        # has no "read"): our two paths without the reader's "read" and the receipt it leads to.
        echo, push, insert, socket_insert = (
            "echo floor (Channels group_send)",
            "bare Django POST → push",
            "bare Django POST → insert+render+push",
            "bare Channels WS → insert+render+push",
        )
        socket_send, form_post = "Homeroom over the WebSocket", "Homeroom form post (htmx POST → push)"
        socket_unread, form_unread = "Homeroom over the WebSocket, no read", "Homeroom form post, no read"
        paths = [
            (echo, send_echo, echo_path, False),
            (push, send_http(base, lambda room: "/bench/push/"), user_path, False),
            (insert, send_http(base, lambda room: f"/bench/insert/{room['conversation']}/"), user_path, False),
            (socket_insert, send_bare_socket, bare_socket_path, False),
            (socket_send, send_socket, user_path, True),
            (form_post, form, user_path, True),
            (socket_unread, send_socket, user_path, False),
            (form_unread, form, user_path, False),
        ]
        chosen = [
            path for path in paths if path[0] == echo or not args.only or any(part in path[0] for part in args.only)
        ]
        # Each path once first, unmeasured: the first message of a process pays once for what it
        # then keeps (the language model loaded, templates compiled, SQL compiled and prepared),
        # which counted in whichever path ran first.
        for _label, send, socket_path, reads in chosen:
            asyncio.run(warm(send, socket_path=socket_path, reads=reads))
        with urllib.request.urlopen(f"{base}/bench/waiting/", timeout=300):  # noqa: S310 - what the warm-up left
            pass
        rounds = []
        for number in range(args.rounds):
            if args.rounds > 1:
                print(f"-- round {number + 1} of {args.rounds}", flush=True)
            rounds.append(
                {
                    label: measure(pid, label, run(send, socket_path=socket_path, reads=reads))
                    for label, send, socket_path, reads in chosen
                }
            )
        print()
        if args.rounds > 1:
            print(
                f"Ratios: the median of the {args.rounds} rounds' own ratios (each round's path beside its floor), their range"
            )
        for label in [label for label, *_rest in chosen if label != echo]:
            print(f"{label + ' ÷ echo':<46} {ratios(rounds, label, echo)}")
        # Each of ours beside the floor it is built on: the form post beside the bare insert view,
        # the WebSocket beside it too (as issue 8 first compared them) and beside the WebSocket's own.
        for ours, floor, title in (
            (form_post, insert, "Homeroom form post ÷ bare insert+render+push"),
            (socket_send, insert, "Homeroom over the WebSocket ÷ bare insert+…"),
            (form_unread, insert, "Form post, no read ÷ bare insert+render+push"),
            (socket_unread, insert, "WebSocket, no read ÷ bare insert+render+push"),
            (socket_send, socket_insert, "WebSocket ÷ bare WS insert+render+push"),
            (socket_unread, socket_insert, "WebSocket, no read ÷ bare WS insert+…"),
        ):
            if ours in rounds[0] and floor in rounds[0]:
                print(f"{title:<46} {ratios(rounds, ours, floor)}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # uvicorn waits for open sockets to close; the figures are printed already.
                process.kill()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
