from dataclasses import dataclass


@dataclass(frozen=True)
class TranslationResult:
    """What a reader is shown. `text` is never empty when the input was not: when nothing could
    translate it, `text` is the original, `translated` is False and `notice` says why."""

    text: str
    engine: str
    source: str
    target: str
    translated: bool
    notice: str = ""
    # A stable code for templates and tests: "", "same_language", "empty", "unknown_source",
    # "no_engine" (no engine covers the pair) or "engine_failed" (engines covering it failed).
    reason: str = ""
