"""Argos Translate: neural translation with CTranslate2 models, offline.

argostranslate (and PyTorch, through stanza) comes from requirements-translation.lock, not the
demo install: it is imported only when a translation runs, and the engine is unavailable without
it. Packages are read from settings.ARGOS_PACKAGES_DIR (see `manage.py install_translation_models`).
When no package translates a pair directly, the engine pivots through English.
"""

import importlib.util
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..languages import PIVOT
from ..packages import ArgosPackage, installed_packages, packages_dir
from .base import Engine, TranslationError

logger = logging.getLogger(__name__)

SENTENCE_END = re.compile(r"(?<=[.!?…;。！？])\s+")


def argos_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("argostranslate", "ctranslate2"))


class PunctuationSentencizer:
    """Splits on sentence-final punctuation. Used for packages that ship no sentence boundary
    model, instead of argostranslate's default, which would download one at run time."""

    def split_sentences(self, text: str) -> list[str]:
        return [sentence for sentence in SENTENCE_END.split(text.strip()) if sentence]


@dataclass
class _Loaded:
    package: object  # argostranslate.package.Package
    translator: object  # ctranslate2.Translator
    sentencizer: object


_loaded: dict[tuple[str, float], _Loaded] = {}
_lock = threading.Lock()


def forget_loaded() -> None:
    """Drop loaded models (after an install or uninstall) so the next translation reads the disk."""
    with _lock:
        _loaded.clear()


def _load(package: ArgosPackage) -> _Loaded:
    key = (str(package.path), (package.path / "metadata.json").stat().st_mtime)
    with _lock:
        if key in _loaded:
            return _loaded[key]
        import ctranslate2
        from argostranslate import settings as argos_settings
        from argostranslate.package import Package

        argos_package = Package(package.path)
        if argos_package.packaged_sbd_path is not None:
            # The package brings its own sentence boundary model (stanza or MiniSBD), offline.
            from argostranslate import sbd

            if "minisbd" in str(argos_package.packaged_sbd_path):
                sentencizer = sbd.MiniSBDSentencizer(argos_package)
            else:
                sentencizer = sbd.StanzaSentencizer(argos_package)
        else:
            sentencizer = PunctuationSentencizer()
        translator = ctranslate2.Translator(
            str(package.path / "model"),
            device=argos_settings.device,
            inter_threads=argos_settings.inter_threads,
            intra_threads=argos_settings.intra_threads,
            compute_type=argos_settings.compute_type,
        )
        loaded = _Loaded(package=argos_package, translator=translator, sentencizer=sentencizer)
        _loaded[key] = loaded
        return loaded


class ArgosEngine(Engine):
    name = "argos"

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory else packages_dir()

    def is_available(self) -> bool:
        return argos_installed()

    def _packages(self) -> dict[tuple[str, str], ArgosPackage]:
        return {package.pair: package for package in installed_packages(self.directory)}

    def route(self, source: str, target: str) -> list[ArgosPackage]:
        """The packages that take `source` to `target`: one, or two through English; [] if none."""
        packages = self._packages()
        if (source, target) in packages:
            return [packages[(source, target)]]
        first, second = packages.get((source, PIVOT)), packages.get((PIVOT, target))
        if first and second:
            return [first, second]
        return []

    def pairs(self) -> set[tuple[str, str]]:
        if not self.is_available():
            return set()
        direct = set(self._packages())
        into_pivot = {source for source, target in direct if target == PIVOT}
        out_of_pivot = {target for source, target in direct if source == PIVOT}
        pivoted = {(source, target) for source in into_pivot for target in out_of_pivot if source != target}
        return direct | pivoted

    def translate(self, text: str, source: str, target: str) -> str:
        if not self.is_available():
            raise TranslationError("argostranslate is not installed (requirements-translation.lock)")
        route = self.route(source, target)
        if not route:
            raise TranslationError(f"no Argos package for {source}→{target}, directly or through {PIVOT}")
        for package in route:
            text = self._translate_one(package, text)
        return text

    def _translate_one(self, package: ArgosPackage, text: str) -> str:
        # argostranslate reads its settings from the environment when first imported: point its
        # own package folder at ours, so its tools (argospm) see the same models.
        os.environ.setdefault("ARGOS_PACKAGES_DIR", str(self.directory))
        from argostranslate.translate import apply_packaged_translation

        try:
            loaded = _load(package)
            paragraphs = []
            # argostranslate translates paragraph by paragraph; blank lines stay blank.
            for paragraph in text.split("\n"):
                if not paragraph.strip():
                    paragraphs.append(paragraph)
                    continue
                hypotheses = apply_packaged_translation(
                    loaded.package, paragraph, loaded.translator, loaded.sentencizer, num_hypotheses=1
                )
                paragraphs.append(hypotheses[0].value)
        except TranslationError:
            raise
        except Exception as error:  # noqa: BLE001 - a broken model must not take the worker down
            raise TranslationError(f"Argos {package.from_code}→{package.to_code} failed: {error}") from error
        translated = "\n".join(paragraphs)
        if text.strip() and not translated.strip():
            raise TranslationError(f"Argos {package.from_code}→{package.to_code} returned nothing")
        return translated
