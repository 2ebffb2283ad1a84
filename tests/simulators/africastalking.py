"""A local Africa's Talking SMS API: the same wire format, on 127.0.0.1, recording what it gets.

    with AfricasTalkingSimulator(username="sandbox", api_key="test-key") as gateway:
        settings.SMS_API_URL = gateway.url
        ...
        gateway.messages[-1]["message"]

It answers like the real `POST /version1/messaging`: form-encoded `username`, `to` (comma
separated), `message` and optional `from`, authenticated by the `apiKey` header. A wrong key or
username gets 401 with the real plain-text body; each invalid number is a recipient with
statusCode 403 "InvalidPhoneNumber"; accepted ones are 101 "Success". Run it on its own with
`python -m tests.simulators.africastalking --port 8086` for the demo.
"""

import argparse
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import phonenumbers

COST = "KES 0.8000"


class AfricasTalkingSimulator:
    def __init__(
        self,
        *,
        username: str = "sandbox",
        api_key: str = "simulator-key",
        host: str = "127.0.0.1",
        port: int = 0,
        echo: bool = False,
    ):
        self.username = username
        self.echo = echo  # print each accepted message (for the demo)
        self.api_key = api_key
        self.messages: list[dict] = []  # accepted messages: to, message, from, messageId
        self.requests: list[dict] = []  # every request's form, accepted or not
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/version1/messaging"

    def start(self) -> "AfricasTalkingSimulator":
        self._thread = threading.Thread(target=self._server.serve_forever, name="africastalking-simulator", daemon=True)
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

    def _answer(self, headers, form: dict[str, str]) -> tuple[int, str, str]:
        """(status, content type, body) for one request."""
        with self._lock:
            self.requests.append(form)
        if headers.get("apiKey") != self.api_key or form.get("username") != self.username:
            return 401, "text/plain", "The supplied authentication is invalid"
        if not form.get("to") or not form.get("message"):
            return 400, "text/plain", "Must have to and message to send"
        recipients = []
        for number in (part.strip() for part in form["to"].split(",")):
            if _valid(number):
                message_id = f"ATXid_{uuid.uuid4().hex}"
                recipients.append(
                    {"statusCode": 101, "number": number, "status": "Success", "cost": COST, "messageId": message_id}
                )
                with self._lock:
                    self.messages.append(
                        {
                            "to": number,
                            "message": form["message"],
                            "from": form.get("from", ""),
                            "messageId": message_id,
                        }
                    )
            else:
                recipients.append(
                    {
                        "statusCode": 403,
                        "number": number,
                        "status": "InvalidPhoneNumber",
                        "cost": "0",
                        "messageId": "None",
                    }
                )
        sent = sum(1 for recipient in recipients if recipient["statusCode"] == 101)
        total = f"KES {0.8 * sent:.4f}" if sent else "0"
        body = {
            "SMSMessageData": {
                "Message": f"Sent to {sent}/{len(recipients)} Total Cost: {total}",
                "Recipients": recipients,
            }
        }
        return 201, "application/json", json.dumps(body)

    def _handler_class(self):
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                if self.path.rstrip("/") != "/version1/messaging":
                    self._reply(404, "text/plain", "Not found")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = {key: values[0] for key, values in parse_qs(raw).items()}
                self._reply(*simulator._answer(self.headers, form))

            def _reply(self, status, content_type, body):
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):  # keep test output quiet
                pass

        return Handler


def _valid(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def main() -> None:  # pragma: no cover - a demo entry point
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8086)
    parser.add_argument("--username", default="sandbox")
    parser.add_argument("--api-key", default="simulator-key")
    args = parser.parse_args()
    simulator = AfricasTalkingSimulator(username=args.username, api_key=args.api_key, port=args.port, echo=True)
    print(f"Africa's Talking simulator on {simulator.url} (apiKey {args.api_key!r})")  # noqa: T201
    simulator.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        simulator.stop()


if __name__ == "__main__":
    main()
