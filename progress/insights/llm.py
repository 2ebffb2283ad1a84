"""A client for an OpenAI-compatible chat-completions endpoint (`POST /v1/chat/completions`).

Configured from settings (read from the environment in hub/settings/base.py):
INSIGHTS_LLM_URL (the server, like http://127.0.0.1:8087 or https://host/v1), INSIGHTS_LLM_API_KEY
(sent as a bearer token when set), INSIGHTS_LLM_MODEL and INSIGHTS_LLM_TIMEOUT (seconds).
Nothing here knows about pupils: callers send text that names nobody.
"""

import logging

import requests
from django.conf import settings

logger = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    """No model is configured, or it did not answer usefully in time."""


def configured() -> bool:
    return bool(getattr(settings, "INSIGHTS_LLM_URL", ""))


def endpoint() -> str:
    base = settings.INSIGHTS_LLM_URL.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


def complete(*, system: str, prompt: str, max_tokens: int = 400) -> str:
    """The model's answer to `prompt`; raises ModelUnavailable on any failure (not configured,
    refused, slow, malformed), so the caller can fall back to its own text."""
    if not configured():
        raise ModelUnavailable("no model configured")
    headers = {"Content-Type": "application/json"}
    if getattr(settings, "INSIGHTS_LLM_API_KEY", ""):
        headers["Authorization"] = f"Bearer {settings.INSIGHTS_LLM_API_KEY}"
    body = {
        "model": getattr(settings, "INSIGHTS_LLM_MODEL", "") or "default",
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        "temperature": 0.3,
        "max_tokens": max_tokens,
        "stream": False,
    }
    timeout = float(getattr(settings, "INSIGHTS_LLM_TIMEOUT", 8))
    try:
        response = requests.post(endpoint(), json=body, headers=headers, timeout=(min(timeout, 3), timeout))
        response.raise_for_status()
        text = response.json()["choices"][0]["message"]["content"]
    except (requests.RequestException, ValueError, KeyError, IndexError, TypeError) as error:
        logger.warning("insights model unavailable: %s", type(error).__name__)
        raise ModelUnavailable(str(error)) from error
    if not isinstance(text, str) or not text.strip():
        raise ModelUnavailable("empty answer")
    return text.strip()
