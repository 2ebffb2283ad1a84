"""Apertium: rule-based translation by the `apertium` program (Debian: apertium, apertium-eng-spa)."""

import functools
import logging
import re
import shutil
import subprocess  # noqa: S404 - runs the apertium binary found on PATH, with a fixed argument list

from django.conf import settings

from .base import Engine, TranslationError

logger = logging.getLogger(__name__)

# Apertium names languages with ISO 639-3 codes (older pairs with 639-1, which pass through).
ISO_639_3 = {
    "eng": "en",
    "spa": "es",
    "cym": "cy",
    "pol": "pl",
    "swa": "sw",
    "fra": "fr",
    "deu": "de",
    "por": "pt",
    "ita": "it",
    "cat": "ca",
    "ron": "ro",
    "ara": "ar",
    "urd": "ur",
    "ukr": "uk",
    "som": "so",
    "glg": "gl",
    "eus": "eu",
    "oci": "oc",
    "nld": "nl",
    "afr": "af",
}
MODE = re.compile(r"^(?P<source>[a-z]{2,3})-(?P<target>[a-z]{2,3})(?P<variant>_\w+)?$")
# Marks Apertium leaves on words its generator or transfer could not handle.
DEBUG_MARK = re.compile(r"(?<![\w#@])[#@](?=\w)")


@functools.lru_cache(maxsize=8)
def _modes(binary: str) -> dict[tuple[str, str], str]:
    """{(source, target): mode name} for the installed language pairs; plain modes beat variants."""
    try:
        listing = subprocess.run(  # noqa: S603 - fixed arguments, binary resolved by shutil.which
            [binary, "-l"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("apertium -l failed: %s", error)
        return {}
    modes: dict[tuple[str, str], str] = {}
    for line in listing.split():
        match = MODE.match(line.strip())
        if not match:
            continue
        source = ISO_639_3.get(match["source"], match["source"])
        target = ISO_639_3.get(match["target"], match["target"])
        if len(source) != 2 or len(target) != 2:
            continue
        if (source, target) not in modes or not match["variant"]:
            modes[(source, target)] = line.strip()
    return modes


class ApertiumEngine(Engine):
    name = "apertium"

    def __init__(self, binary: str | None = None, timeout: float | None = None):
        self.binary = shutil.which(binary or getattr(settings, "TRANSLATION_APERTIUM_BINARY", "apertium"))
        self.timeout = timeout or getattr(settings, "TRANSLATION_TIMEOUT", 30)

    def is_available(self) -> bool:
        return self.binary is not None

    def pairs(self) -> set[tuple[str, str]]:
        if not self.binary:
            return set()
        return set(_modes(self.binary))

    def translate(self, text: str, source: str, target: str) -> str:
        mode = _modes(self.binary).get((source, target)) if self.binary else None
        if mode is None:
            raise TranslationError(f"Apertium has no {source}-{target} mode")
        try:
            # -u: no '*' on unknown words (names, the glossary's placeholders) in what readers see.
            completed = subprocess.run(  # noqa: S603 - fixed arguments; the text goes through stdin
                [self.binary, "-u", "-f", "txt", mode],
                input=text,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise TranslationError(f"Apertium {mode} timed out after {self.timeout}s") from error
        except OSError as error:
            raise TranslationError(f"Apertium could not run: {error}") from error
        if completed.returncode != 0:
            raise TranslationError(f"Apertium {mode} failed: {completed.stderr.strip()[:200]}")
        output = completed.stdout
        if "#" not in text and "@" not in text:
            output = DEBUG_MARK.sub("", output)
        # Apertium adds or keeps a final newline; give back the text's own ending.
        output = output.rstrip("\n") + text[len(text.rstrip("\n")) :]
        if text.strip() and not output.strip():
            raise TranslationError(f"Apertium {mode} returned nothing")
        return output


def clear_caches() -> None:
    _modes.cache_clear()
