"""Finance fixtures: a local Daraja (M-Pesa) over real HTTP, and a receiver for what it posts."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def daraja(settings):
    """A started Daraja simulator on a free port, with DARAJA_BASE_URL pointed at it; stopped after.

    Callbacks come 0.2 s after a push; every phone pays unless `daraja.set_scenario(...)` says
    otherwise (see finance/daraja/simulator.py)."""
    from django.core.cache import cache

    from finance.daraja.client import DarajaClient
    from finance.daraja.simulator import SimulatorServer

    server = SimulatorServer(callback_delay=0.2).start()
    settings.DARAJA_BASE_URL = server.url
    token_key = DarajaClient().token_cache_key
    cache.delete(token_key)
    yield server
    server.stop()
    cache.delete(token_key)


class CallbackReceiver:
    """Records each JSON post (path, body) and answers `answers.get(path-suffix)` or `{"ResultCode": 0}`."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        self.answers: dict[str, dict] = {}
        self.hold = threading.Event()  # clear it to make the receiver wait before answering
        self.hold.set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append((self.path, json.loads(raw)))
                receiver.hold.wait(5)
                answer = next(
                    (a for suffix, a in receiver.answers.items() if self.path.endswith(suffix)),
                    {"ResultCode": 0, "ResultDesc": "Accepted"},
                )
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def url(self, path: str = "/callback/") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def bodies(self, suffix: str = "") -> list[dict]:
        with self._lock:
            return [body for path, body in self.received if path.endswith(suffix)]

    def stop(self):
        self.hold.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def callback_receiver():
    receiver = CallbackReceiver()
    yield receiver
    receiver.stop()
