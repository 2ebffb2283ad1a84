"""The engines, in the order settings.TRANSLATION_ENGINES gives (default: argos, apertium, http)."""

from django.conf import settings

from .apertium import ApertiumEngine
from .argos import ArgosEngine
from .base import Engine, TranslationError
from .http import HttpEngine

ENGINES: dict[str, type[Engine]] = {
    ArgosEngine.name: ArgosEngine,
    ApertiumEngine.name: ApertiumEngine,
    HttpEngine.name: HttpEngine,
}
DEFAULT_ORDER = ["argos", "apertium", "http"]

__all__ = ["ENGINES", "Engine", "TranslationError", "configured_engines", "clear_caches"]


def configured_engines() -> list[Engine]:
    """The engines settings ask for, in their order; unknown names are a configuration error."""
    names = getattr(settings, "TRANSLATION_ENGINES", DEFAULT_ORDER)
    unknown = [name for name in names if name not in ENGINES]
    if unknown:
        raise ValueError(f"TRANSLATION_ENGINES names unknown engines: {unknown}; known: {sorted(ENGINES)}")
    return [ENGINES[name]() for name in names]


def clear_caches() -> None:
    """Forget discovered modes, server language lists and loaded models (tests, after installs)."""
    from . import apertium, argos, http

    apertium.clear_caches()
    argos.forget_loaded()
    http.clear_caches()
