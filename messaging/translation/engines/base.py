"""The one interface every translation engine implements."""

from abc import ABC, abstractmethod


class TranslationError(Exception):
    """An engine that said it supports a pair could not translate this text (retry may help)."""


class Engine(ABC):
    """A machine translation engine. Codes are ISO 639-1 primary subtags ("en", "es")."""

    #: The engine's name in settings.TRANSLATION_ENGINES and in StoredTranslation.engine.
    name: str = ""

    def is_available(self) -> bool:
        """Whether the engine can run here at all (its library, binary or server is configured)."""
        return True

    @abstractmethod
    def pairs(self) -> set[tuple[str, str]]:
        """Every (source, target) this engine translates, pivots included."""

    def supports(self, source: str, target: str) -> bool:
        return self.is_available() and (source, target) in self.pairs()

    @abstractmethod
    def translate(self, text: str, source: str, target: str) -> str:
        """`text` in `target`. Raises TranslationError when it cannot, never returns garbage on
        purpose: an empty answer for a non-empty text counts as a failure."""
