"""Live messaging under load: our path against a bare Channels echo, in the same run.

    .venv/bin/python bench/messaging.py --clients 40 --messages 50

One ASGI process (uvicorn, in a subprocess) serves both:

- ours: a client POSTs a message to /messages/<id>/send/ (view → service → encrypted row →
  safeguarding scan → after-commit render per reader → Redis channel layer → each participant's
  UserConsumer → their socket); we time until every other participant has the fragment;
- bare: a client sends a frame to a minimal AsyncWebsocketConsumer that group_sends it to the
  room (Redis layer) and each member's consumer forwards it; we time until every other member has it.

Clients are paired into rooms (a parent and a teacher per conversation); every room sends
closed-loop (next message once the last arrived), all rooms at once. Printed: p50/p95 latency,
messages per second, and our figures as a ratio of the bare ones.

Uses REDIS_URL (default redis://127.0.0.1:6379/15) and DATABASE_URL (default: a fresh SQLite
file in a temporary directory, migrated at start). Translation is off (one language) so the
figures measure messaging, not the translation engine; notification emails go to Django's
in-memory email backend, so printing them is not measured either.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/messaging.py: keep it from shadowing the `messaging` Django app.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]

CSRF = "b" * 32


def configure_environment(database_url: str, redis_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "hub.settings.base"
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    # Notification emails are built and handed to Django's in-memory backend, not printed: the
    # console backend's writes would be measured as messaging.
    os.environ["EMAIL_URL"] = "memorymail://"
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
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.core.asgi import get_asgi_application
    from django.urls import path

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

    http = get_asgi_application()
    return ProtocolTypeRouter(
        {
            "http": http,
            "websocket": AuthMiddlewareStack(
                URLRouter(
                    [
                        path("ws/", UserConsumer.as_asgi()),
                        path("echo/<str:room>/", EchoConsumer.as_asgi()),
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
    patterns = list(hub_urls.urlpatterns)
    if not any(getattr(entry, "namespace", None) == "messaging" for entry in patterns):
        patterns.append(path("messages/", include("messaging.urls")))
    module.urlpatterns = patterns
    sys.modules["bench_urls"] = module


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
        plan.append({"conversation": conversation.pk, "sender": session_for(teacher), "reader": session_for(parent)})
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


def post_message(base: str, conversation: int, session: str, body: str) -> int:
    data = urllib.parse.urlencode({"body": body}).encode()
    request = urllib.request.Request(  # noqa: S310 - a local URL we built
        f"{base}/messages/{conversation}/send/",
        data=data,
        headers={
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "HX-Request": "true",
            "Referer": base + "/",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status


async def run_ours(base: str, ws_base: str, plan: list[dict], messages: int) -> tuple[list[float], float]:
    readers = [await open_socket(f"{ws_base}/ws/", room["reader"]) for room in plan]
    senders = [await open_socket(f"{ws_base}/ws/", room["sender"]) for room in plan]
    latencies: list[float] = []

    async def room_loop(index: int, room: dict):
        reader, sender = readers[index], senders[index]
        for number in range(messages):
            token = f"bench-{index}-{number}-end"
            started = time.perf_counter()
            status = await asyncio.to_thread(post_message, base, room["conversation"], room["sender"], token)
            assert status == 200, status
            while token not in await reader.recv():
                pass
            latencies.append(time.perf_counter() - started)
            # The sender's own tabs get it too; drain so the socket does not back up.
            while token not in await sender.recv():
                pass

    started = time.perf_counter()
    await asyncio.gather(*(room_loop(index, room) for index, room in enumerate(plan)))
    elapsed = time.perf_counter() - started
    for socket in readers + senders:
        await socket.close()
    return latencies, elapsed


async def run_bare(ws_base: str, rooms: int, messages: int) -> tuple[list[float], float]:
    readers = [await open_socket(f"{ws_base}/echo/{index}/", None) for index in range(rooms)]
    senders = [await open_socket(f"{ws_base}/echo/{index}/", None) for index in range(rooms)]
    latencies: list[float] = []

    async def room_loop(index: int):
        reader, sender = readers[index], senders[index]
        for number in range(messages):
            token = f"bench-{index}-{number}-end"
            started = time.perf_counter()
            await sender.send(token)
            while token not in await reader.recv():
                pass
            latencies.append(time.perf_counter() - started)
            while token not in await sender.recv():
                pass

    started = time.perf_counter()
    await asyncio.gather(*(room_loop(index) for index in range(rooms)))
    elapsed = time.perf_counter() - started
    for socket in readers + senders:
        await socket.close()
    return latencies, elapsed


def report(label: str, latencies: list[float], elapsed: float) -> dict:
    figures = {
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "per_second": len(latencies) / elapsed,
    }
    print(
        f"{label:<34} p50 {figures['p50_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms   "
        f"{figures['per_second']:8.1f} messages/s   ({len(latencies)} in {elapsed:.1f} s)"
    )
    return figures


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
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    if args.serve:
        configure_environment(os.environ["DATABASE_URL"], redis_url)
        serve(args.port)
        return

    workdir = tempfile.mkdtemp(prefix="homeroom-bench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    configure_environment(database_url, redis_url)
    rooms = max(1, args.clients // 2)
    plan = prepare(rooms)
    env = dict(os.environ)
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--serve", "--port", str(args.port)], env=env, cwd=str(ROOT)
    )
    try:
        wait_for_port(args.port)
        base, ws_base = f"http://127.0.0.1:{args.port}", f"ws://127.0.0.1:{args.port}"
        print(f"{rooms * 2} WebSocket clients in {rooms} conversations, {args.messages} messages each, Redis layer")
        bare = report("bare Channels echo (group_send)", *asyncio.run(run_bare(ws_base, rooms, args.messages)))
        ours = report("Homeroom message (POST → push)", *asyncio.run(run_ours(base, ws_base, plan, args.messages)))
        print(
            f"{'overhead (ours ÷ bare)':<34} p50 ×{ours['p50_ms'] / bare['p50_ms']:.1f}   "
            f"p95 ×{ours['p95_ms'] / bare['p95_ms']:.1f}   throughput ×{bare['per_second'] / ours['per_second']:.1f} lower"
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # uvicorn waits for open sockets to close; the figures are printed already.
            server.kill()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
