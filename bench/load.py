"""Signed-in people on the production shape: does the site hold, and how slow does it get?

    .venv/bin/python bench/load.py --clients 50 --seconds 60
    .venv/bin/python bench/load.py --clients 200 --seconds 60

Starts TWO uvicorn processes (hub.asgi:application, ports on 127.0.0.1) and one Celery worker,
all on PostgreSQL (DATABASE_URL; default postgres://postgres@127.0.0.1:5432/homeroom_load,
created and migrated if missing) and Redis (REDIS_URL; default redis://127.0.0.1:6379/15: cache,
channel layer, broker). Seeds one conversation per two clients (a parent and a teacher, a few
messages each), signs every client in (a session each), then for a bounded time every client:

- holds a WebSocket (htmx's live updates) on one of the two processes;
- reads the inbox, reads its thread, sends a message (HTTP requests round-robin between the two
  processes), with a think time between steps;
- the other person's WebSocket must receive that message: send→receive latency is timed from
  pressing send to the fragment arriving.

Beside them, in the same run, a floor: one client reading /healthz and the sign-in page (no
session), so the page figures can be read against what the machine gives at that moment.

Printed: requests, errors, p50/p95 per page, send→receive p50/p95, messages not received,
WebSockets dropped. Anything but a 2xx/3xx, a timeout or a dropped socket counts as an error.
Server-side settings are the production defaults (DB_POOL_MAX_SIZE, MAX_REQUESTS_IN_FLIGHT,
REQUEST_QUEUE_TIMEOUT): pass them in the environment to try others.
"""

import argparse
import asyncio
import itertools
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This directory holds messaging.py (the other benchmark): keep it from shadowing the `messaging` app.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]

CSRF = "l" * 32
TOKEN = re.compile(r"load-\d+-\d+-[0-9a-f]{8}")
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/homeroom_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
LAST_PUSH_GRACE_SECONDS = 60


def server_environment(database_url: str, redis_url: str) -> dict:
    environment = dict(os.environ)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "hub.settings.base",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DEBUG": "false",
            # Notification emails go to Django's in-memory backend: printing them is not measured.
            "EMAIL_URL": "memorymail://",
            # As the Dockerfile sets it: uvicorn's default (5 s) closes connections clients reuse.
            "UVICORN_TIMEOUT_KEEP_ALIVE": os.environ.get("UVICORN_TIMEOUT_KEEP_ALIVE", "75"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "PYTHONPATH": str(ROOT),
        }
    )
    return environment


# --- setup ------------------------------------------------------------------------------------------


def ensure_database(database_url: str) -> None:
    """Create the benchmark's database if it does not exist (PostgreSQL only)."""
    import psycopg
    from psycopg import sql

    name = database_url.rsplit("/", 1)[-1].split("?")[0]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(*, conversations: int, messages_each: int) -> list[dict]:
    """Migrate; make `conversations` conversations of a parent and a teacher; sign everyone in."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import ClassGroup, Guardianship, Membership, Pupil, School, User
    from messaging.models import Conversation, Participant
    from messaging.services import messages as message_services

    call_command("migrate", verbosity=0, interactive=False)
    stamp = time.time_ns()
    school = School.objects.create(name="Load School", slug=f"load-{stamp}", country="GB", curriculum="england")
    group = ClassGroup.objects.create(school=school, name=f"Load class {stamp}")

    def session_for(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    plan = []
    for number in range(conversations):
        pupil = Pupil.objects.create(
            school=school,
            first_name=f"Pupil{number}",
            last_name="Load",
            date_of_birth="2017-01-01",
            year_group="Year 3",
        )
        parent = User.objects.create_user(f"parent{number}-{stamp}@load.example", "x", display_name=f"Parent {number}")
        teacher = User.objects.create_user(
            f"teacher{number}-{stamp}@load.example", "x", display_name=f"Teacher {number}"
        )
        Guardianship.objects.create(guardian=parent, pupil=pupil, relationship="mother", status="active")
        Membership.objects.create(user=teacher, school=school, role="teacher")
        group.staff.add(teacher)
        group.pupils.add(pupil)
        conversation = Conversation.objects.create(
            school=school, pupil=pupil, kind="guardian_staff", subject=f"Load {number}", created_by=teacher
        )
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user=parent), Participant(conversation=conversation, user=teacher)]
        )
        for index in range(messages_each):
            message_services.message_send(
                sender=(teacher, parent)[index % 2], conversation=conversation, body=f"Earlier message {index}"
            )
        plan.append({"conversation": conversation.pk, "people": [session_for(parent), session_for(teacher)]})
    return plan


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"uvicorn on port {port} did not start")


def wait_for_worker(timeout: float = 60) -> None:
    """Until the worker has announced itself (its heartbeat): /healthz counts a silent worker as down."""
    from hub import heartbeat

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        age = heartbeat.heartbeat_age()
        if age is not None and age < 30:
            return
        time.sleep(0.2)
    raise SystemExit("the Celery worker did not start")


# --- measuring --------------------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_kinds: dict[str, int] = defaultdict(int)
        self.sent: dict[str, tuple[float, int]] = {}  # token -> (pressed send at, sender client)
        self.received: dict[str, float] = {}  # token -> latency (s)
        self.sockets_dropped = 0

    def error(self, page: str, kind: str) -> None:
        self.errors[page] += 1
        self.error_kinds[f"{page}: {kind}"] += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


async def request(tally: Tally, client, page: str, method: str, url: str, **kwargs) -> bool:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except Exception as error:  # noqa: BLE001 - every failure is a figure
        tally.error(page, type(error).__name__)
        return False
    tally.times[page].append(time.perf_counter() - started)
    if response.status_code >= 400:
        kind = str(response.status_code)
        if "healthz" in url and response.status_code == 503:
            down = [name for name, check in response.json()["checks"].items() if not check["ok"]]
            kind += " (" + ", ".join(f"{name}: {response.json()['checks'][name]['error']}" for name in down) + ")"
        tally.error(page, kind)
        return False
    return True


async def open_socket(*, ws_base: str, session: str):
    import websockets

    return await websockets.connect(
        f"{ws_base}/ws/",
        additional_headers={"Origin": "http://127.0.0.1", "Cookie": f"sessionid={session}"},
        max_size=2**22,
        open_timeout=120,
    )


async def person(*, index: int, room: dict, seat: int, websocket, bases, tally: Tally, deadline: float, think: float):
    import httpx

    session = room["people"][seat]
    conversation = room["conversation"]
    cookies = {"sessionid": session, "csrftoken": CSRF}
    stop = asyncio.Event()

    async def listen():
        try:
            while not stop.is_set():
                try:
                    frame = await asyncio.wait_for(websocket.recv(), timeout=1)
                except TimeoutError:
                    continue
                now = time.perf_counter()
                for token in TOKEN.findall(frame):
                    sent = tally.sent.get(token)
                    if sent and sent[1] != index and token not in tally.received:
                        tally.received[token] = now - sent[0]
        except Exception as error:  # noqa: BLE001
            tally.sockets_dropped += 1
            tally.error("websocket", type(error).__name__)
        finally:
            await websocket.close()

    listener = asyncio.create_task(listen())
    # Ramp up over a few seconds, as people arrive.
    await asyncio.sleep(random.uniform(0, 5))  # noqa: S311 - timing jitter, not security
    timeout = httpx.Timeout(180.0)
    async with httpx.AsyncClient(cookies=cookies, timeout=timeout, follow_redirects=False) as client:
        number = 0
        while time.perf_counter() < deadline:
            await request(tally, client, "inbox", "GET", f"{next(bases)}/messages/")
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)  # noqa: S311
            await request(tally, client, "thread", "GET", f"{next(bases)}/messages/{conversation}/")
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)  # noqa: S311
            token = f"load-{index}-{number}-{uuid.uuid4().hex[:8]}"
            number += 1
            tally.sent[token] = (time.perf_counter(), index)
            sent = await request(
                tally,
                client,
                "send",
                "POST",
                f"{next(bases)}/messages/{conversation}/send/",
                data={"body": token, "client_key": uuid.uuid4().hex},
                headers={"X-CSRFToken": CSRF, "HX-Request": "true", "Referer": "http://127.0.0.1/"},
            )
            if not sent:
                tally.sent.pop(token, None)
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)  # noqa: S311
    # Keep the page open until the last messages have arrived (or a minute has passed: then
    # they count as never received).
    grace = time.perf_counter() + LAST_PUSH_GRACE_SECONDS
    while time.perf_counter() < grace and any(token not in tally.received for token in tally.sent):
        await asyncio.sleep(0.5)
    stop.set()
    await listener


async def floor(*, bases, tally: Tally, deadline: float, think: float):
    import httpx

    async with httpx.AsyncClient(timeout=180.0) as client:
        while time.perf_counter() < deadline:
            await request(tally, client, "floor: /healthz", "GET", f"{next(bases)}/healthz")
            await asyncio.sleep(think)
            await request(tally, client, "floor: sign-in page", "GET", f"{next(bases)}/account/login/")
            await asyncio.sleep(think)


async def warm_up(*, plan: list[dict], ports: list[int]) -> None:
    """One inbox, thread and send per process before the clock starts: the first send loads the
    language detector and templates (seconds), which is start-up, not load."""
    import httpx

    room = plan[0]
    cookies = {"sessionid": room["people"][1], "csrftoken": CSRF}
    async with httpx.AsyncClient(cookies=cookies, timeout=180.0) as client:
        for port in ports:
            base = f"http://127.0.0.1:{port}"
            await client.get(f"{base}/messages/")
            await client.get(f"{base}/messages/{room['conversation']}/")
            await client.post(
                f"{base}/messages/{room['conversation']}/send/",
                data={"body": "Warming up", "client_key": uuid.uuid4().hex},
                headers={"X-CSRFToken": CSRF, "HX-Request": "true"},
            )
            await client.get(f"{base}/healthz")


async def run(*, plan: list[dict], clients: int, ports: list[int], seconds: float, think: float) -> Tally:
    await warm_up(plan=plan, ports=ports)
    tally = Tally()
    bases = itertools.cycle([f"http://127.0.0.1:{port}" for port in ports])
    # Everyone's page is open (socket connected) before the clock starts: a message sent to a
    # page that is still connecting is caught up from the database, which this does not measure.
    sessions = [(plan[index // 2], index % 2) for index in range(clients)]
    started = time.perf_counter()
    sockets = await asyncio.gather(
        *(
            open_socket(ws_base=f"ws://127.0.0.1:{ports[index % len(ports)]}", session=room["people"][seat])
            for index, (room, seat) in enumerate(sessions)
        )
    )
    print(f"{clients} WebSockets open in {time.perf_counter() - started:.1f} s")
    deadline = time.perf_counter() + seconds
    people = [
        person(
            index=index,
            room=room,
            seat=seat,
            websocket=sockets[index],
            bases=bases,
            tally=tally,
            deadline=deadline,
            think=think,
        )
        for index, (room, seat) in enumerate(sessions)
    ]
    await asyncio.gather(*people, floor(bases=bases, tally=tally, deadline=deadline, think=think))
    return tally


def report(tally: Tally, *, clients: int, seconds: float) -> None:
    pages = ["inbox", "thread", "send", "floor: /healthz", "floor: sign-in page"]
    total = sum(len(times) for times in tally.times.values())
    errors = sum(tally.errors.values())
    print(f"\n{clients} signed-in clients, two uvicorn processes, {seconds:.0f} s")
    # The machine may be shared: its load beside the figures says how much of it we had.
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{load:.1f}' for load in os.getloadavg())}")
    print(f"{'page':<22}{'requests':>10}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}")
    for page in pages:
        times = tally.times.get(page, [])
        if not times and not tally.errors.get(page):
            continue
        p50 = statistics.median(times) * 1000 if times else float("nan")
        p95 = percentile(times, 0.95) * 1000 if times else float("nan")
        print(
            f"{page:<22}{len(times) + tally.errors.get(page, 0):>10}{tally.errors.get(page, 0):>8}{p50:>10.0f}{p95:>10.0f}"
        )
    latencies = list(tally.received.values())
    lost = len(tally.sent) - len(latencies)
    if latencies:
        print(
            f"{'send → received':<22}{len(latencies):>10}{lost:>8}"
            f"{statistics.median(latencies) * 1000:>10.0f}{percentile(latencies, 0.95) * 1000:>10.0f}"
            "   (errors = messages the other person never received)"
        )
    print(f"requests {total}, errors {errors + lost}, WebSockets dropped {tally.sockets_dropped}")
    for kind, count in sorted(tally.error_kinds.items()):
        print(f"  {kind}: {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="signed-in clients (two per conversation)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the clients keep going")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a client's steps")
    parser.add_argument("--messages", type=int, default=2, help="messages each conversation starts with")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    if not database_url.startswith("postgres"):
        raise SystemExit("bench/load.py measures the production shape: DATABASE_URL must be PostgreSQL")
    environment = server_environment(database_url, redis_url)
    os.environ.update(environment)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # seeding runs its side effects here
    ensure_database(database_url)
    started = time.perf_counter()
    plan = prepare(conversations=max(1, (args.clients + 1) // 2), messages_each=args.messages)
    print(f"seeded {len(plan)} conversations in {time.perf_counter() - started:.0f} s")

    ports = [free_port(), free_port()]
    processes = []
    try:
        for port in ports:
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter, uvicorn and the project's app
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "hub.asgi:application",
                        "--host=127.0.0.1",
                        f"--port={port}",
                        "--lifespan=off",
                        "--log-level=warning",
                        "--no-access-log",
                    ],
                    cwd=ROOT,
                    env=environment,
                )
            )
        processes.append(
            subprocess.Popen(  # noqa: S603
                # As docker-compose.yml runs it: every queue, two processes.
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "hub",
                    "worker",
                    "--concurrency=2",
                    "--loglevel=WARNING",
                    "-Q",
                    "safeguarding,realtime,translation,email,default",
                ],
                cwd=ROOT,
                env=environment,
            )
        )
        for port in ports:
            wait_for_port(port)
        wait_for_worker()
        tally = asyncio.run(run(plan=plan, clients=args.clients, ports=ports, seconds=args.seconds, think=args.think))
        report(tally, clients=args.clients, seconds=args.seconds)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
