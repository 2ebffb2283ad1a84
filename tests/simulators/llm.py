"""A local OpenAI-compatible chat-completions server: the same wire format, on 127.0.0.1,
recording every request body it gets.

    with ChatCompletionsSimulator(api_key="test-key", reply="[CHILD] had a good week.") as model:
        settings.INSIGHTS_LLM_URL = model.url
        ...
        model.requests[-1]["messages"]

It answers `POST /v1/chat/completions` like the real API: a JSON body with `model` and
`messages` (each with `role` and `content`), authenticated by `Authorization: Bearer <key>` when
the simulator has a key. A wrong key gets 401 with the real error shape; a body without messages
gets 400; otherwise 200 with one choice whose message content is `reply` (a string, or a function
of the request body). `delay` (seconds) makes it slow, `status` makes it fail with that code.
`GET /v1/models` lists the one model. Run it on its own with
`python -m tests.simulators.llm --port 8087` for the demo (INSIGHTS_LLM_URL=http://127.0.0.1:8087).
"""

import argparse
import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_REPLY = (
    "[CHILD] has kept up a steady rhythm of learning this month, with most of it on weekday "
    "afternoons. Recent numbers suggest a quieter week, which is worth a gentle conversation. "
    "[CHILD]'s shared goals give a clear next step to work on together."
)


class ChatCompletionsSimulator:
    def __init__(
        self,
        *,
        api_key: str = "",
        model: str = "homeroom-simulator",
        reply: str | Callable[[dict], str] = DEFAULT_REPLY,
        delay: float = 0.0,
        status: int = 200,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.api_key = api_key
        self.model = model
        self.reply = reply
        self.delay = delay
        self.status = status
        self.requests: list[dict] = []  # every request body (parsed JSON, or {"raw": text})
        self.headers: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "ChatCompletionsSimulator":
        self._thread = threading.Thread(target=self._server.serve_forever, name="llm-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @staticmethod
    def _error(status: int, message: str, kind: str, code: str | None = None) -> tuple[int, str]:
        return status, json.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}})

    def _answer(self, headers, raw: str) -> tuple[int, str]:
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"raw": raw}
        with self._lock:
            self.requests.append(body)
            self.headers.append(dict(headers.items()))
        if self.delay:
            time.sleep(self.delay)
        if self.api_key and headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if self.status != 200:
            return self._error(self.status, "The server had an error while processing your request.", "server_error")
        messages = body.get("messages") if isinstance(body, dict) else None
        if not messages or not all(isinstance(m, dict) and "role" in m and "content" in m for m in messages):
            return self._error(400, "'messages' is a required property", "invalid_request_error")
        content = self.reply(body) if callable(self.reply) else self.reply
        prompt_tokens = sum(len(str(m["content"]).split()) for m in messages)
        completion_tokens = len(content.split())
        return 200, json.dumps(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model") or self.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )

    def _handler_class(self):
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._reply(*simulator._error(404, "Not found", "invalid_request_error"))
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                self._reply(*simulator._answer(self.headers, raw))

            def do_GET(self):  # noqa: N802
                if self.path.rstrip("/") != "/v1/models":
                    self._reply(*simulator._error(404, "Not found", "invalid_request_error"))
                    return
                models = {"object": "list", "data": [{"id": simulator.model, "object": "model", "owned_by": "local"}]}
                self._reply(200, json.dumps(models))

            def _reply(self, status, body):
                payload = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format, *args):  # keep test output quiet
                pass

        return Handler


def main() -> None:  # pragma: no cover - a demo entry point
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8087)
    parser.add_argument("--api-key", default="")
    args = parser.parse_args()
    simulator = ChatCompletionsSimulator(api_key=args.api_key, port=args.port)
    print(f"OpenAI-compatible simulator on {simulator.url}/v1/chat/completions")  # noqa: T201
    simulator.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        simulator.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
