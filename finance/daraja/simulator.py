"""A local Daraja (M-Pesa API) that speaks Safaricom's real wire format, for tests and the demo.

    server = SimulatorServer(callback_delay=0.2).start()
    settings.DARAJA_BASE_URL = server.url
    server.set_scenario("254712345671", "cancel")
    ...                                  # the app pushes; 0.2 s later the callback is posted
    server.pushes[-1]["Amount"], server.callbacks_sent[-1]["status"]
    server.stop()

Run it for the demo with `manage.py daraja_simulator --port 8001 --callback-delay 3`.

Endpoints (as on https://sandbox.safaricom.co.ke):

- `GET /oauth/v1/generate?grant_type=client_credentials` with HTTP Basic consumer key:secret →
  `{"access_token", "expires_in"}`; a token lives `token_lifetime` seconds. Wrong credentials →
  400 `400.008.01`; an unknown or expired bearer token on any other call → 401 `404.001.03`.
- `POST /mpesa/stkpush/v1/processrequest`: checks the shortcode, the Password (base64 of
  shortcode + passkey + Timestamp), the phone (`2547…`/`2541…`), a whole Amount of 1 to 250 000,
  the CallBackURL, AccountReference ≤ 12 and TransactionDesc ≤ 13 characters; a refusal is 400
  `400.002.02` "Bad Request - Invalid …". While a prompt is waiting on a phone, another push to
  it is 500 `500.001.1001` "Unable to lock subscriber…", like the real one.
- `POST /mpesa/stkpushquery/v1/query`: 500 "The transaction is being processed" until the
  scenario's outcome is decided (`callback_delay` after the push), then 200 with ResultCode as a
  string; an unknown CheckoutRequestID is 400.
- `POST /mpesa/c2b/v1/registerurl` and `POST /mpesa/c2b/v1/simulate` (the sandbox's Paybill
  payment: validation is posted, then, unless validation answered a non-zero ResultCode,
  confirmation). `pay_bill()` does the same from Python, synchronously.
- Control, not Daraja: `POST /simulator/scenario {"phone": "2547…", "scenario": "cancel"}`,
  `POST /simulator/pay_bill {"phone", "amount", "account"}`, `GET /simulator/state` (pushes,
  callbacks, registrations, scenarios as JSON, for debugging).

Scenarios, per phone (`set_scenario`; any phone without one is `success`):

- `success`: the callback carries Amount, MpesaReceiptNumber, TransactionDate, PhoneNumber.
- `cancel` (1032), `timeout` (1037), `wrong_pin` (2001), `insufficient_funds` (1),
  `expired` (1019): a failure callback without CallbackMetadata.
- `duplicate_callback`: a success whose callback is posted twice (Daraja retries).
- `out_of_order`: the callback is posted, and answered, before the push request gets its answer.
- `no_callback`: the customer paid but the callback was lost; only STK query tells (ResultCode "0").
- `not_registered`: the phone has no M-Pesa; the push is refused (400 Invalid PhoneNumber).

With `scenarios_by_last_digit=True` (the demo command's default), a phone without a scenario set
takes one from its last digit, so a demo needs no setup:

    …1 cancel   …2 timeout   …3 wrong_pin   …4 insufficient_funds   …5 no_callback
    …6 duplicate_callback   …7 out_of_order   …8 not_registered   anything else success

e.g. 0712 345 671 cancels, 0712 345 678 is not on M-Pesa, 0712 345 670 pays.
"""

import base64
import binascii
import json
import logging
import math
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings

from finance.daraja.client import password
from finance.daraja.phones import InvalidPhone, msisdn, normalise_kenyan_mobile
from finance.daraja.wire import NAIROBI

logger = logging.getLogger(__name__)

SUCCESS_DESCRIPTION = "The service request is processed successfully."
OUTCOMES = {
    # scenario: (ResultCode, ResultDesc)
    "success": (0, SUCCESS_DESCRIPTION),
    "duplicate_callback": (0, SUCCESS_DESCRIPTION),
    "out_of_order": (0, SUCCESS_DESCRIPTION),
    "no_callback": (0, SUCCESS_DESCRIPTION),
    "cancel": (1032, "Request cancelled by user"),
    "timeout": (1037, "DS timeout user cannot be reached"),
    "wrong_pin": (2001, "The initiator information is invalid."),
    "insufficient_funds": (1, "The balance is insufficient for the transaction."),
    "expired": (1019, "Transaction has expired"),
}
SCENARIOS = (*OUTCOMES, "not_registered")
BY_LAST_DIGIT = {
    "1": "cancel",
    "2": "timeout",
    "3": "wrong_pin",
    "4": "insufficient_funds",
    "5": "no_callback",
    "6": "duplicate_callback",
    "7": "out_of_order",
    "8": "not_registered",
}
BUSY_CODE = "500.001.1001"
BAD_REQUEST = "400.002.02"
MAX_AMOUNT = 250_000
_PHONE = re.compile(r"^254[71]\d{8}$")
_TIMESTAMP = re.compile(r"^\d{14}$")
_ALPHANUMERIC = string.ascii_uppercase + string.digits


def receipt_number() -> str:
    """Ten upper-case letters and digits starting with a letter, like `NLJ7RT61SV`."""
    return secrets.choice(string.ascii_uppercase) + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(9))


def _digits(count: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(count))


def _request_id() -> str:
    return f"{_digits(5)}-{_digits(8)}-1"


def _now_stamp() -> str:
    return datetime.now(tz=NAIROBI).strftime("%Y%m%d%H%M%S")


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _bad(what: str) -> _Refusal:
    return _Refusal(400, BAD_REQUEST, f"Bad Request - Invalid {what}")


@dataclass
class Push:
    """One accepted STK push and what the simulated customer does with it."""

    body: dict
    phone: str
    amount: int
    callback_url: str
    merchant_request_id: str
    checkout_request_id: str
    scenario: str
    decided_at: float  # time.monotonic() after which the outcome is known
    receipt: str = field(default_factory=receipt_number)

    @property
    def result_code(self) -> int:
        return OUTCOMES[self.scenario][0]

    @property
    def result_description(self) -> str:
        return OUTCOMES[self.scenario][1]

    def decided(self) -> bool:
        return time.monotonic() >= self.decided_at

    def callback_body(self) -> dict:
        callback = {
            "MerchantRequestID": self.merchant_request_id,
            "CheckoutRequestID": self.checkout_request_id,
            "ResultCode": self.result_code,
            "ResultDesc": self.result_description,
        }
        if self.result_code == 0:
            callback["CallbackMetadata"] = {
                "Item": [
                    {"Name": "Amount", "Value": float(self.amount)},
                    {"Name": "MpesaReceiptNumber", "Value": self.receipt},
                    {"Name": "Balance"},
                    {"Name": "TransactionDate", "Value": int(_now_stamp())},
                    {"Name": "PhoneNumber", "Value": int(self.phone)},
                ]
            }
        return {"Body": {"stkCallback": callback}}


class SimulatorServer:
    """A Daraja on `host:port` (0: a free port), started in a background thread by `start()`.

    `pushes`: the bodies of the STK pushes it accepted (one per prompt a phone showed);
    `callbacks_sent`: `{"url", "body", "status", "kind"}` for each post it made to our URLs
    (status None when the post failed); `oauth_requests`: how many tokens it issued."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        callback_delay: float = 0.2,
        token_lifetime: int = 3599,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
        shortcode: str | None = None,
        passkey: str | None = None,
        scenarios_by_last_digit: bool = False,
        callback_timeout: float = 10.0,
    ):
        self.callback_delay = callback_delay
        self.token_lifetime = token_lifetime
        self.consumer_key = consumer_key or settings.DARAJA_CONSUMER_KEY
        self.consumer_secret = consumer_secret or settings.DARAJA_CONSUMER_SECRET
        self.shortcode = str(shortcode or settings.DARAJA_SHORTCODE)
        self.passkey = passkey or settings.DARAJA_PASSKEY
        self.scenarios_by_last_digit = scenarios_by_last_digit
        self.callback_timeout = callback_timeout

        self.pushes: list[dict] = []
        self.callbacks_sent: list[dict] = []
        self.oauth_requests = 0
        self.registrations: dict[str, dict] = {}  # shortcode → {"ValidationURL", "ConfirmationURL", "ResponseType"}
        self._scenarios: dict[str, str] = {}
        self._push_records: dict[str, Push] = {}  # by CheckoutRequestID
        self._tokens: dict[str, float] = {}  # token → monotonic expiry
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SimulatorServer":
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="daraja-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; callbacks not yet posted are dropped."""
        self._stopping.set()
        if self._thread:  # shutdown() would wait forever for a server that never started
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
        for worker in list(self._workers):
            worker.join(timeout=self.callback_timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- control -----------------------------------------------------------------------------

    def set_scenario(self, phone_msisdn: str, scenario: str) -> None:
        """What the customer with this phone does with the next prompts (see the module docstring)."""
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; one of {', '.join(SCENARIOS)}")
        with self._lock:
            self._scenarios[_as_msisdn(phone_msisdn)] = scenario

    def scenario_for(self, phone_msisdn: str) -> str:
        phone = _as_msisdn(phone_msisdn)
        with self._lock:
            if phone in self._scenarios:
                return self._scenarios[phone]
        if self.scenarios_by_last_digit:
            return BY_LAST_DIGIT.get(phone[-1:], "success")
        return "success"

    def expire_tokens(self) -> None:
        """Revoke every token issued so far (as a credential rotation does): the next call gets 401."""
        with self._lock:
            self._tokens.clear()

    def wait_for_callbacks(self, count: int, timeout: float = 5.0) -> list[dict]:
        """`callbacks_sent` once it holds at least `count` posts; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.callbacks_sent) >= count:
                    return list(self.callbacks_sent)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} callbacks, got {len(self.callbacks_sent)}: {self.callbacks_sent}")

    def state(self) -> dict:
        with self._lock:
            return {
                "url": self.url,
                "pushes": [
                    {
                        "CheckoutRequestID": record.checkout_request_id,
                        "PhoneNumber": record.phone,
                        "Amount": record.amount,
                        "AccountReference": record.body.get("AccountReference"),
                        "scenario": record.scenario,
                        "decided": record.decided(),
                        "ResultCode": record.result_code,
                    }
                    for record in self._push_records.values()
                ],
                "callbacks_sent": list(self.callbacks_sent),
                "registrations": dict(self.registrations),
                "scenarios": dict(self._scenarios),
                "scenarios_by_last_digit": self.scenarios_by_last_digit,
                "oauth_requests": self.oauth_requests,
            }

    # --- Paybill -----------------------------------------------------------------------------

    def pay_bill(self, *, phone_msisdn: str, amount, account: str, short_code: str | None = None) -> dict:
        """A customer pays the Paybill from their M-Pesa menu: validation then (unless refused)
        confirmation posted to the registered URLs, now. Returns the C2B body and both answers."""
        short_code = str(short_code or self.shortcode)
        with self._lock:
            registration = self.registrations.get(short_code)
        if registration is None:
            raise ValueError(f"no C2B URLs registered for shortcode {short_code}")
        return self._run_c2b(registration, self._c2b_body(short_code, _as_msisdn(phone_msisdn), amount, account))

    def _c2b_body(self, short_code: str, phone: str, amount, account: str) -> dict:
        return {
            "TransactionType": "Pay Bill",
            "TransID": receipt_number(),
            "TransTime": _now_stamp(),
            "TransAmount": f"{float(amount):.2f}",
            "BusinessShortCode": short_code,
            "BillRefNumber": account,
            "InvoiceNumber": "",
            "OrgAccountBalance": "",
            "ThirdPartyTransID": "",
            "MSISDN": phone,
            "FirstName": "John",
            "MiddleName": "",
            "LastName": "",
        }

    def _run_c2b(self, registration: dict, body: dict) -> dict:
        outcome = {"body": body, "validation": None, "confirmation": None}
        status, answer = self._post_callback("c2b_validation", registration["ValidationURL"], body)
        outcome["validation"] = answer
        if status is None:
            # Daraja falls back on the ResponseType registered when validation cannot be reached.
            if registration.get("ResponseType") == "Cancelled":
                return outcome
        elif str((answer or {}).get("ResultCode", "")) not in ("0", ""):
            return outcome
        _, outcome["confirmation"] = self._post_callback("c2b_confirmation", registration["ConfirmationURL"], body)
        return outcome

    # --- posting to the app ------------------------------------------------------------------

    def _post_callback(self, kind: str, url: str, body: dict) -> tuple[int | None, dict | None]:
        entry = {"kind": kind, "url": url, "body": body, "status": None}
        try:
            response = requests.post(url, json=body, timeout=self.callback_timeout)
        except requests.RequestException as error:
            entry["error"] = type(error).__name__
            answer = None
        else:
            entry["status"] = response.status_code
            try:
                answer = response.json()
            except ValueError:
                answer = None
            entry["answer"] = answer
        with self._lock:
            self.callbacks_sent.append(entry)
        # The host only: callback paths carry the app's secret tokens.
        logger.info("Daraja simulator: %s to %s answered %s", kind, urlsplit(url).netloc, entry["status"])
        return entry["status"], answer if isinstance(answer, dict) else None

    def _in_background(self, target, *args) -> None:
        worker = threading.Thread(target=target, args=args, name="daraja-simulator-callback", daemon=True)
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def _deliver_stk_callback(self, record: Push) -> None:
        if self._stopping.wait(max(0.0, record.decided_at - time.monotonic())):
            return
        body = record.callback_body()
        for _ in range(2 if record.scenario == "duplicate_callback" else 1):
            if self._stopping.is_set():
                return
            self._post_callback("stk_callback", record.callback_url, body)

    def _deliver_c2b(self, registration: dict, body: dict) -> None:
        if self._stopping.wait(self.callback_delay):
            return
        self._run_c2b(registration, body)

    # --- Daraja's endpoints ------------------------------------------------------------------

    def _issue_token(self, query: dict, authorization: str) -> dict:
        if query.get("grant_type") != ["client_credentials"]:
            raise _Refusal(400, "400.008.02", "Invalid grant type passed")
        try:
            scheme, _, encoded = authorization.partition(" ")
            key, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            key, secret, scheme = "", "", ""
        if scheme != "Basic" or not (
            secrets.compare_digest(key, self.consumer_key) and secrets.compare_digest(secret, self.consumer_secret)
        ):
            raise _Refusal(400, "400.008.01", "Invalid Authentication passed")
        token = secrets.token_urlsafe(21)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_lifetime
            self.oauth_requests += 1
        return {"access_token": token, "expires_in": str(self.token_lifetime)}

    def _check_bearer(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            expires = self._tokens.get(token) if scheme == "Bearer" else None
        if expires is None or time.monotonic() >= expires:
            raise _Refusal(401, "404.001.03", "Invalid Access Token")

    def _check_security(self, body: dict) -> None:
        if str(body.get("BusinessShortCode", "")) != self.shortcode:
            raise _bad("BusinessShortCode")
        stamp = str(body.get("Timestamp", ""))
        if not _TIMESTAMP.match(stamp):
            raise _bad("Timestamp")
        expected = password(self.shortcode, self.passkey, stamp)
        if not secrets.compare_digest(str(body.get("Password", "")), expected):
            raise _bad("Password")

    def _stk_push(self, body: dict) -> tuple[dict, Push | None]:
        self._check_security(body)
        if body.get("TransactionType") not in ("CustomerPayBillOnline", "CustomerBuyGoodsOnline"):
            raise _bad("TransactionType")
        amount = _whole_amount(body.get("Amount"))
        phone = str(body.get("PhoneNumber", ""))
        if not _PHONE.match(phone):
            raise _bad("PhoneNumber")
        if str(body.get("PartyA", "")) != phone:
            raise _bad("PartyA")
        if str(body.get("PartyB", "")) != self.shortcode:
            raise _bad("PartyB")
        callback_url = str(body.get("CallBackURL", ""))
        if urlsplit(callback_url).scheme not in ("http", "https") or not urlsplit(callback_url).netloc:
            raise _bad("CallBackURL")
        if not 0 < len(str(body.get("AccountReference", ""))) <= 12:
            raise _bad("AccountReference")
        if not 0 < len(str(body.get("TransactionDesc", ""))) <= 13:
            raise _bad("TransactionDesc")
        scenario = self.scenario_for(phone)
        if scenario == "not_registered":
            raise _bad("PhoneNumber")
        now = time.monotonic()
        with self._lock:
            if any(r.phone == phone and not r.decided() for r in self._push_records.values()):
                raise _Refusal(
                    500,
                    BUSY_CODE,
                    "Unable to lock subscriber, a transaction is already in process for the current subscriber",
                )
            record = Push(
                body=body,
                phone=phone,
                amount=amount,
                callback_url=callback_url,
                merchant_request_id=_request_id(),
                checkout_request_id=f"ws_CO_{datetime.now(tz=NAIROBI).strftime('%d%m%Y%H%M%S')}{_digits(9)}",
                scenario=scenario,
                decided_at=now if scenario == "out_of_order" else now + self.callback_delay,
            )
            self._push_records[record.checkout_request_id] = record
            self.pushes.append(body)
        answer = {
            "MerchantRequestID": record.merchant_request_id,
            "CheckoutRequestID": record.checkout_request_id,
            "ResponseCode": "0",
            "ResponseDescription": "Success. Request accepted for processing",
            "CustomerMessage": "Success. Request accepted for processing",
        }
        return answer, record

    def _stk_query(self, body: dict) -> dict:
        self._check_security(body)
        with self._lock:
            record = self._push_records.get(str(body.get("CheckoutRequestID", "")))
        if record is None:
            raise _bad("CheckoutRequestID")
        if not record.decided():
            raise _Refusal(500, BUSY_CODE, "The transaction is being processed")
        return {
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": record.merchant_request_id,
            "CheckoutRequestID": record.checkout_request_id,
            "ResultCode": str(record.result_code),
            "ResultDesc": record.result_description,
        }

    def _register_urls(self, body: dict) -> dict:
        short_code = str(body.get("ShortCode", ""))
        if not short_code.isdigit():
            raise _bad("ShortCode")
        if body.get("ResponseType") not in ("Completed", "Cancelled"):
            raise _bad("ResponseType")
        for name in ("ConfirmationURL", "ValidationURL"):
            parts = urlsplit(str(body.get(name, "")))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise _bad(name)
        with self._lock:
            self.registrations[short_code] = {
                "ResponseType": body["ResponseType"],
                "ConfirmationURL": body["ConfirmationURL"],
                "ValidationURL": body["ValidationURL"],
            }
        return {"OriginatorCoversationID": _request_id(), "ResponseCode": "0", "ResponseDescription": "success"}

    def _c2b_simulate(self, body: dict) -> tuple[dict, tuple[dict, dict]]:
        short_code = str(body.get("ShortCode", ""))
        with self._lock:
            registration = self.registrations.get(short_code)
        if registration is None:
            raise _bad("ShortCode")
        if body.get("CommandID") not in ("CustomerPayBillOnline", "CustomerBuyGoodsOnline"):
            raise _bad("CommandID")
        amount = _whole_amount(body.get("Amount"))
        phone = str(body.get("Msisdn", ""))
        if not _PHONE.match(phone):
            raise _bad("Msisdn")
        c2b = self._c2b_body(short_code, phone, amount, str(body.get("BillRefNumber", "")))
        answer = {
            "OriginatorCoversationID": _request_id(),
            "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully.",
        }
        return answer, (registration, c2b)

    def _control_scenario(self, body: dict) -> dict:
        try:
            self.set_scenario(str(body.get("phone", "")), str(body.get("scenario", "")))
        except ValueError as error:
            raise _Refusal(400, "simulator", str(error)) from None
        phone = _as_msisdn(str(body["phone"]))
        return {"phone": phone, "scenario": self.scenario_for(phone)}

    def _control_pay_bill(self, body: dict) -> dict:
        try:
            return self.pay_bill(
                phone_msisdn=str(body.get("phone", "")),
                amount=body.get("amount", 0),
                account=str(body.get("account", "")),
            )
        except (ValueError, TypeError) as error:
            raise _Refusal(400, "simulator", str(error)) from None

    def handle(self, method: str, target: str, headers, raw: bytes) -> tuple[int, dict]:
        """(status, JSON answer) for one request; runs any follow-up (callbacks) as Daraja would."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        authorization = headers.get("Authorization", "")
        try:
            if method == "GET" and path == "/oauth/v1/generate":
                return 200, self._issue_token(parse_qs(parts.query), authorization)
            if method == "GET" and path == "/simulator/state":
                return 200, self.state()
            if method != "POST":
                raise _Refusal(404, "404.001.01", "Resource not found")
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if path == "/simulator/scenario" and isinstance(body, dict):
                return 200, self._control_scenario(body)
            if path == "/simulator/pay_bill" and isinstance(body, dict):
                return 200, self._control_pay_bill(body)
            if path not in DARAJA_POSTS:
                raise _Refusal(404, "404.001.01", "Resource not found")
            self._check_bearer(authorization)
            if not isinstance(body, dict):
                raise _Refusal(400, "400.002.05", "Invalid Request Payload")
            if path == "/mpesa/stkpush/v1/processrequest":
                answer, record = self._stk_push(body)
                if record.scenario == "out_of_order":
                    # The callback reaches the app before the answer to its own request does.
                    self._post_callback("stk_callback", record.callback_url, record.callback_body())
                elif record.scenario != "no_callback":
                    self._in_background(self._deliver_stk_callback, record)
                return 200, answer
            if path == "/mpesa/stkpushquery/v1/query":
                return 200, self._stk_query(body)
            if path == "/mpesa/c2b/v1/registerurl":
                return 200, self._register_urls(body)
            answer, follow_up = self._c2b_simulate(body)
            self._in_background(self._deliver_c2b, *follow_up)
            return 200, answer
        except _Refusal as refusal:
            return refusal.status, {
                "requestId": _request_id(),
                "errorCode": refusal.code,
                "errorMessage": refusal.message,
            }


DARAJA_POSTS = {
    "/mpesa/stkpush/v1/processrequest",
    "/mpesa/stkpushquery/v1/query",
    "/mpesa/c2b/v1/registerurl",
    "/mpesa/c2b/v1/simulate",
}


def _whole_amount(value) -> int:
    """Daraja takes 1500 or "1500"; 10.5, 0, negative or huge amounts are refused."""
    if isinstance(value, bool):
        raise _bad("Amount")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _bad("Amount") from None
    if not math.isfinite(number) or number != int(number) or not 1 <= number <= MAX_AMOUNT:
        raise _bad("Amount")
    return int(number)


def _as_msisdn(phone: str) -> str:
    try:
        return msisdn(normalise_kenyan_mobile(phone))
    except InvalidPhone:
        return phone.strip().lstrip("+")


def _handler_for(simulator: SimulatorServer):
    class Handler(BaseHTTPRequestHandler):
        server_version = "DarajaSimulator/1.0"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, answer = simulator.handle(method, self.path, self.headers, raw)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            self._serve("GET")

        def do_POST(self):  # noqa: N802
            self._serve("POST")

        def log_message(self, format, *args):  # noqa: A002
            # The request line only: never headers, which carry credentials and tokens.
            logger.debug("Daraja simulator: " + format, *args)

    return Handler
