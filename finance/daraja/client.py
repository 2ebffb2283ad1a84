"""The Daraja (M-Pesa) API as Homeroom uses it: STK push, STK query, C2B URL registration.

Every call carries an OAuth bearer token, which Daraja issues for an hour; we keep it in Django's
cache (shared by web and worker processes) until 60 s before it expires, and fetch a new one once
if Daraja answers 401 anyway (tokens are revoked when the app's credentials are rotated).

Failures come out as two exceptions: DarajaUnavailable (the network, a timeout, a 5xx: the same
request may well succeed later) and DarajaError (Daraja understood and refused: a bad phone,
wrong credentials). The consumer secret, the passkey, the password derived from it and the token
are never logged, nor put into an exception's text.
"""

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.core.cache import cache

from finance.daraja.wire import NAIROBI

logger = logging.getLogger(__name__)

# Daraja answers 500 with this code both for "a prompt is already on this phone" (to a push) and
# for "the customer has not answered yet" (to a query).
BUSY_CODE = "500.001.1001"
TOKEN_MARGIN_SECONDS = 60


class DarajaError(Exception):
    """Daraja refused the request. `.status` (HTTP, None without a response), `.code` (Daraja's
    errorCode or ResponseCode), `.description` (Daraja's words, safe to log, not for families)."""

    def __init__(self, *, status: int | None, code: str, description: str):
        super().__init__(f"Daraja {status or '-'} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description


class DarajaUnavailable(DarajaError):
    """Daraja could not be reached, timed out or failed on its side: worth retrying later."""


@dataclass(frozen=True)
class StkPushAccepted:
    merchant_request_id: str
    checkout_request_id: str
    customer_message: str


@dataclass(frozen=True)
class StkQueryAnswer:
    """`pending`: the customer has not answered yet (result_code None). Otherwise result_code is
    Daraja's ResultCode (0 paid; 1032 cancelled, ...). `raw` is Daraja's answer as text, to keep."""

    pending: bool
    result_code: int | None
    result_description: str
    raw: str


def password(shortcode: str, passkey: str, timestamp: str) -> str:
    """Daraja's request password: base64 of shortcode + passkey + timestamp."""
    return base64.b64encode(f"{shortcode}{passkey}{timestamp}".encode()).decode("ascii")


def timestamp(now: datetime | None = None) -> str:
    """`YYYYMMDDHHmmss` in Nairobi time, as Daraja checks the password against it."""
    return (now or datetime.now(tz=NAIROBI)).astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


class DarajaClient:
    """One Daraja app (base URL, credentials, shortcode); arguments default to the DARAJA_* settings."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
        shortcode: str | None = None,
        passkey: str | None = None,
        timeout: float | None = None,
    ):
        self.base_url = (base_url or settings.DARAJA_BASE_URL).rstrip("/")
        self.consumer_key = consumer_key or settings.DARAJA_CONSUMER_KEY
        self._consumer_secret = consumer_secret or settings.DARAJA_CONSUMER_SECRET
        self.shortcode = str(shortcode or settings.DARAJA_SHORTCODE)
        self._passkey = passkey or settings.DARAJA_PASSKEY
        self.timeout = float(timeout if timeout is not None else settings.DARAJA_TIMEOUT)

    def __repr__(self) -> str:  # no secret in a traceback's locals either
        return f"<DarajaClient {self.base_url} shortcode={self.shortcode}>"

    # --- the token ---------------------------------------------------------------------------

    @property
    def token_cache_key(self) -> str:
        digest = hashlib.sha256(f"{self.base_url}|{self.consumer_key}".encode()).hexdigest()[:32]
        return f"finance:daraja:token:{digest}"

    def _token(self, *, fresh: bool = False) -> str:
        if not fresh:
            cached = cache.get(self.token_cache_key)
            if cached:
                return cached
        response = self._send(
            "GET",
            "/oauth/v1/generate",
            params={"grant_type": "client_credentials"},
            auth=(self.consumer_key, self._consumer_secret),
        )
        answer = self._json(response)
        if response.status_code != 200 or not answer.get("access_token"):
            raise self._error(response, answer)
        try:
            lifetime = int(answer.get("expires_in", 3599))
        except (TypeError, ValueError):
            lifetime = 3599
        token = answer["access_token"]
        keep_for = lifetime - TOKEN_MARGIN_SECONDS
        if keep_for > 0:
            cache.set(self.token_cache_key, token, timeout=keep_for)
        else:
            cache.delete(self.token_cache_key)
        logger.info("Daraja: new access token for %s (valid %s s)", self.base_url, lifetime)
        return token

    def forget_token(self) -> None:
        cache.delete(self.token_cache_key)

    # --- HTTP --------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return requests.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            logger.warning("Daraja: %s %s timed out after %s s", method, path, self.timeout)
            raise DarajaUnavailable(status=None, code="timeout", description="Daraja did not answer in time") from None
        except requests.RequestException as error:
            logger.warning("Daraja: %s %s failed: %s", method, path, type(error).__name__)
            raise DarajaUnavailable(
                status=None, code="network", description=f"Daraja could not be reached ({type(error).__name__})"
            ) from None

    @staticmethod
    def _json(response: requests.Response) -> dict:
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}

    @staticmethod
    def _error(response: requests.Response, answer: dict) -> DarajaError:
        code = str(answer.get("errorCode") or answer.get("ResponseCode") or response.status_code)
        description = str(
            answer.get("errorMessage") or answer.get("ResponseDescription") or response.text[:200] or response.reason
        )
        kind = DarajaUnavailable if response.status_code >= 500 else DarajaError
        return kind(status=response.status_code, code=code, description=description)

    def _post(self, path: str, body: dict) -> tuple[requests.Response, dict]:
        """POST with the bearer token; on 401 fetch a new token and try exactly once more."""
        response = None
        for attempt in range(2):
            token = self._token(fresh=attempt > 0)
            response = self._send("POST", path, json=body, headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 401:
                break
            logger.info("Daraja: access token refused on %s; fetching a new one", path)
            self.forget_token()
        return response, self._json(response)

    def _security(self) -> dict:
        stamp = timestamp()
        return {
            "BusinessShortCode": self.shortcode,
            "Password": password(self.shortcode, self._passkey, stamp),
            "Timestamp": stamp,
        }

    # --- the calls ---------------------------------------------------------------------------

    def stk_push(
        self, *, phone_msisdn: str, amount: int, account_reference: str, description: str, callback_url: str
    ) -> StkPushAccepted:
        """Ask Daraja to prompt `phone_msisdn` (`2547…`) for `amount` whole shillings.

        DarajaError when refused (a bad phone, amount or password); DarajaUnavailable when Daraja
        is down, or a prompt is already waiting on that phone (code BUSY_CODE)."""
        if isinstance(amount, bool) or int(amount) != amount or amount < 1:
            raise DarajaError(status=None, code="amount", description="The amount must be a whole number of shillings")
        body = {
            **self._security(),
            "TransactionType": "CustomerPayBillOnline",
            "Amount": int(amount),
            "PartyA": phone_msisdn,
            "PartyB": self.shortcode,
            "PhoneNumber": phone_msisdn,
            "CallBackURL": callback_url,
            # Daraja truncates or refuses longer values; the M-Pesa message shows them.
            "AccountReference": account_reference[:12],
            "TransactionDesc": description[:13],
        }
        response, answer = self._post("/mpesa/stkpush/v1/processrequest", body)
        if response.status_code != 200 or str(answer.get("ResponseCode")) != "0":
            error = self._error(response, answer)
            logger.warning("Daraja: STK push refused: %s %s %s", error.status, error.code, error.description)
            raise error
        accepted = StkPushAccepted(
            merchant_request_id=str(answer.get("MerchantRequestID", "")),
            checkout_request_id=str(answer.get("CheckoutRequestID", "")),
            customer_message=str(answer.get("CustomerMessage", "")),
        )
        if not accepted.checkout_request_id:
            raise DarajaError(
                status=200, code="no-checkout-id", description="Daraja accepted without a CheckoutRequestID"
            )
        logger.info("Daraja: STK push accepted, checkout %s", accepted.checkout_request_id)
        return accepted

    def stk_query(self, *, checkout_request_id: str) -> StkQueryAnswer:
        """What became of a prompt: pending while the customer has not answered, else its result code.

        DarajaError for an unknown CheckoutRequestID; DarajaUnavailable when Daraja is down."""
        body = {**self._security(), "CheckoutRequestID": checkout_request_id}
        response, answer = self._post("/mpesa/stkpushquery/v1/query", body)
        raw = response.text
        if response.status_code == 500 and str(answer.get("errorCode")) == BUSY_CODE:
            return StkQueryAnswer(
                pending=True, result_code=None, result_description=str(answer.get("errorMessage", "")), raw=raw
            )
        if response.status_code != 200 or str(answer.get("ResponseCode")) != "0" or "ResultCode" not in answer:
            raise self._error(response, answer)
        try:
            result_code = int(answer["ResultCode"])
        except (TypeError, ValueError):
            raise DarajaError(
                status=200, code="bad-result-code", description="Daraja answered a ResultCode that is not a number"
            ) from None
        return StkQueryAnswer(
            pending=False, result_code=result_code, result_description=str(answer.get("ResultDesc", "")), raw=raw
        )

    def register_c2b_urls(self, *, validation_url: str, confirmation_url: str, short_code: str | None = None) -> dict:
        """Tell Daraja where to post Paybill payments; Daraja's answer as a dict."""
        body = {
            "ShortCode": str(short_code or self.shortcode),
            "ResponseType": "Completed",
            "ConfirmationURL": confirmation_url,
            "ValidationURL": validation_url,
        }
        response, answer = self._post("/mpesa/c2b/v1/registerurl", body)
        if response.status_code != 200 or str(answer.get("ResponseCode")) != "0":
            raise self._error(response, answer)
        return answer

    def c2b_simulate(self, *, phone_msisdn: str, amount: int, bill_ref: str, short_code: str | None = None) -> dict:
        """Sandbox and simulator only: pretend a customer paid the Paybill."""
        body = {
            "ShortCode": str(short_code or self.shortcode),
            "CommandID": "CustomerPayBillOnline",
            "Amount": int(amount),
            "Msisdn": phone_msisdn,
            "BillRefNumber": bill_ref,
        }
        response, answer = self._post("/mpesa/c2b/v1/simulate", body)
        if response.status_code != 200 or str(answer.get("ResponseCode")) != "0":
            raise self._error(response, answer)
        return answer


def client() -> DarajaClient:
    """A client for the Daraja app the settings describe."""
    return DarajaClient()
