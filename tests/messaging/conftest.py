"""Fixtures for the translation tests: engines isolated per test, a LibreTranslate-compatible
server on 127.0.0.1, tiny real Argos packages, and a conversation between home and school."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from messaging.models import Conversation, Message
from messaging.templatetags import messaging_fragments
from messaging.translation.engines import clear_caches
from messaging.translation.engines.apertium import ApertiumEngine
from messaging.translation.engines.argos import argos_installed
from tests.conftest import require


@pytest.fixture
def nothing_kept():
    """No inbox card, notification item or thread message kept from an earlier test (they are kept
    per process, messaging.templatetags.messaging_fragments), before and after the test."""
    messaging_fragments.forget_all()
    yield
    messaging_fragments.forget_all()


@pytest.fixture
def isolated_translation(settings, tmp_path):
    """No Argos models, no translation server, fresh engine caches: each test opts in.
    The translation test modules use it for every test (pytestmark)."""
    settings.ARGOS_PACKAGES_DIR = str(tmp_path / "argos-packages")
    settings.TRANSLATION_HTTP_URL = ""
    settings.TRANSLATION_HTTP_API_KEY = ""
    settings.TRANSLATION_ENGINES = ["argos", "apertium", "http"]
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def apertium():
    """Apertium with English↔Spanish (Debian: apertium apertium-eng-spa, installed by .ci/run)."""
    engine = ApertiumEngine()
    require(engine.is_available(), "the apertium program is not installed (apt-get install apertium)")
    require(
        {("en", "es"), ("es", "en")} <= engine.pairs(),
        "Apertium lacks English↔Spanish (apt-get install apertium-eng-spa)",
    )
    return engine


# --- Argos -------------------------------------------------------------------------------------

DICTIONARIES = {
    ("en", "es"): {"hello": "hola", "thanks": "gracias", "meeting": "reunión"},
    ("es", "en"): {"hola": "hello", "gracias": "thanks", "reunión": "meeting"},
    ("en", "pl"): {"hello": "cześć", "thanks": "dziękuję", "meeting": "spotkanie"},
}


@pytest.fixture(scope="session")
def argosmodels(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Real .argosmodel files (CTranslate2 + SentencePiece) for en→es, es→en and en→pl."""
    require(argos_installed(), "argostranslate is not installed (pip install -r requirements-translation.lock)")
    from tests.messaging.argos_models import build_package

    directory = tmp_path_factory.mktemp("argosmodels")
    return {
        pair: build_package(directory, from_code=pair[0], to_code=pair[1], dictionary=dictionary)
        for pair, dictionary in DICTIONARIES.items()
    }


@pytest.fixture
def argos_dir(settings) -> Path:
    return Path(settings.ARGOS_PACKAGES_DIR)


# --- A LibreTranslate-compatible server ---------------------------------------------------------


class FakeLibreTranslate:
    """Answers /languages and /translate like LibreTranslate, word for word from a dictionary."""

    DICTIONARY = {("en", "es"): {"hello": "hola", "meeting": "reunión"}, ("es", "en"): {"hola": "hello"}}

    def __init__(self):
        self.requests: list[dict] = []
        self.api_key = "secret-key"
        self.fail_with: int | None = None
        self.files: dict[str, tuple[bytes, str]] = {}  # path → (body, content type), for plain GETs

    def translate(self, text: str, source: str, target: str) -> str:
        words = self.DICTIONARY.get((source, target), {})
        return " ".join(words.get(word.lower(), word) for word in text.split(" "))


@pytest.fixture
def http_server():
    """A server on 127.0.0.1 with a random port; yields (base URL, FakeLibreTranslate)."""
    state = FakeLibreTranslate()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path in state.files:
                body, content_type = state.files[self.path]
                return self._send(200, body, content_type)
            if self.path == "/languages":
                codes = sorted({code for pair in state.DICTIONARY for code in pair})
                targets = {code: sorted(t for s, t in state.DICTIONARY if s == code) for code in codes}
                languages = [{"code": code, "name": code, "targets": targets[code]} for code in codes]
                return self._send(200, json.dumps(languages).encode())
            return self._send(404, b'{"error": "not found"}')

        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(payload)
            if self.path != "/translate":
                return self._send(404, b'{"error": "not found"}')
            if state.fail_with:
                return self._send(state.fail_with, b'{"error": "overloaded"}')
            if payload.get("api_key") != state.api_key:
                return self._send(403, b'{"error": "Invalid API key"}')
            text = state.translate(payload["q"], payload["source"], payload["target"])
            return self._send(200, json.dumps({"translatedText": text}).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def libretranslate(settings, http_server):
    """The HTTP engine alone, pointed at the local server."""
    url, state = http_server
    settings.TRANSLATION_ENGINES = ["http"]
    settings.TRANSLATION_HTTP_URL = url
    settings.TRANSLATION_HTTP_API_KEY = state.api_key
    return state


# --- Home and school ----------------------------------------------------------------------------


@pytest.fixture
def conversation(school, teacher, parent):
    teacher.preferred_language = "en-gb"
    teacher.save(update_fields=["preferred_language"])
    parent.preferred_language = "es"
    parent.save(update_fields=["preferred_language"])
    return Conversation.objects.create(
        school=school,
        pupil=parent.child,
        kind=Conversation.Kind.GUARDIAN_STAFF,
        subject="Sports day",
        created_by=teacher,
    )


@pytest.fixture
def send(conversation):
    def send(sender, body: str, language: str) -> Message:
        now = timezone.now()
        return Message.objects.create(
            conversation=conversation, sender=sender, body=body, language=language, sent_at=now
        )

    return send
