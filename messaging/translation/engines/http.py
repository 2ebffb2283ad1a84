"""A LibreTranslate-compatible server of the school's own: how a large deployment scales
translation out to machines of its own (no message goes to a third party unless an operator
points TRANSLATION_HTTP_URL at one)."""

import logging
import threading
import time

import requests
from django.conf import settings

from .base import Engine, TranslationError

logger = logging.getLogger(__name__)

LANGUAGES_TTL = 300  # seconds a server's language list is trusted
RETRY_AFTER = 30  # seconds before asking a server that did not answer again

_languages: dict[str, tuple[float, set[tuple[str, str]]]] = {}
_lock = threading.Lock()


class HttpEngine(Engine):
    name = "http"

    def __init__(self, url: str | None = None, api_key: str | None = None, timeout: float | None = None):
        url = url if url is not None else getattr(settings, "TRANSLATION_HTTP_URL", "")
        self.url = (url or "").rstrip("/")
        self.api_key = api_key if api_key is not None else getattr(settings, "TRANSLATION_HTTP_API_KEY", "")
        self.timeout = timeout or getattr(settings, "TRANSLATION_TIMEOUT", 30)

    def is_available(self) -> bool:
        return bool(self.url)

    def pairs(self) -> set[tuple[str, str]]:
        """From GET /languages ([{"code": "en", "targets": ["es", ...]}]), cached for a while; an
        unreachable server supports nothing until it answers again."""
        if not self.url:
            return set()
        with _lock:
            cached = _languages.get(self.url)
            if cached and time.monotonic() - cached[0] < LANGUAGES_TTL:
                return cached[1]
        pairs: set[tuple[str, str]] = set()
        try:
            response = requests.get(f"{self.url}/languages", timeout=self.timeout)
            response.raise_for_status()
            languages = response.json()
            codes = [language["code"] for language in languages]
            for language in languages:
                for target in language.get("targets", codes):
                    if target != language["code"]:
                        pairs.add((language["code"], target))
        except (requests.RequestException, ValueError, KeyError, TypeError) as error:
            logger.warning("Translation server %s: no language list (%s)", self.url, error)
            # Remember the silence for a short while, so each message doesn't wait for a timeout.
            with _lock:
                _languages[self.url] = (time.monotonic() - LANGUAGES_TTL + RETRY_AFTER, set())
            return set()
        with _lock:
            _languages[self.url] = (time.monotonic(), pairs)
        return pairs

    def translate(self, text: str, source: str, target: str) -> str:
        payload = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        try:
            response = requests.post(f"{self.url}/translate", json=payload, timeout=self.timeout)
        except requests.RequestException as error:
            raise TranslationError(f"Translation server unreachable: {error}") from error
        if response.status_code != 200:
            raise TranslationError(f"Translation server answered {response.status_code}: {response.text[:200]}")
        try:
            translated = response.json()["translatedText"]
        except (ValueError, KeyError, TypeError) as error:
            raise TranslationError("Translation server sent no translatedText") from error
        if not isinstance(translated, str) or (text.strip() and not translated.strip()):
            raise TranslationError("Translation server sent an empty translation")
        return translated


def clear_caches() -> None:
    with _lock:
        _languages.clear()
