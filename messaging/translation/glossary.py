"""A school's glossary: terms (SENCo, EHCP, Year 6, CBC ...) that machine translation must keep
as written or render the school's way.

Each term is swapped for a placeholder the engines pass through untouched (a nonsense word in
capitals), the text is translated, and the placeholders are swapped back for the term or the
school's translation. A neural model may still drop or mangle a placeholder; then the text is
translated in pieces between the terms instead, so a term can never be lost or translated.
"""

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .languages import normalise

PLACEHOLDER = "ZXQ{}QXZ"
PLACEHOLDER_PATTERN = re.compile(r"ZXQ(\d+)QXZ", re.IGNORECASE)
# A piece between two terms worth sending to an engine has at least one letter in it.
HAS_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Term:
    term: str
    translation: str = ""  # "" keeps the term as the writer wrote it


def terms_for(school, target: str) -> list[Term]:
    """The school's terms for translating into `target`: a term entered for that language wins
    over the same term entered for every language."""
    if school is None:
        return []
    from messaging.models import GlossaryTerm

    target = normalise(target)
    chosen: dict[str, tuple[bool, Term]] = {}
    for term, language, translation in GlossaryTerm.objects.filter(school=school).values_list(
        "term", "language", "translation"
    ):
        language = normalise(language)
        if language not in ("", target) or not term.strip():
            continue
        key = " ".join(term.split()).casefold()
        specific = language == target
        if key not in chosen or (specific and not chosen[key][0]):
            chosen[key] = (specific, Term(term=term.strip(), translation=translation.strip()))
    return [term for _, term in chosen.values()]


def term_pattern(terms: list[Term]) -> re.Pattern | None:
    """Case-insensitive, whole words, any run of spaces inside a term; longest term first."""
    if not terms:
        return None
    alternatives = sorted(
        (r"\s+".join(re.escape(word) for word in term.term.split()) for term in terms), key=len, reverse=True
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _replacement(match_text: str, terms: list[Term]) -> str:
    key = " ".join(match_text.split()).casefold()
    for term in terms:
        if " ".join(term.term.split()).casefold() == key:
            return term.translation or match_text
    return match_text


def protect(text: str, terms: list[Term]) -> tuple[str, list[str]]:
    """`text` with each glossary term replaced by a numbered placeholder, and what each
    placeholder stands for in the translation."""
    pattern = term_pattern(terms)
    if pattern is None:
        return text, []
    replacements: list[str] = []

    def swap(match: re.Match) -> str:
        replacements.append(_replacement(match.group(0), terms))
        return PLACEHOLDER.format(len(replacements) - 1)

    return pattern.sub(swap, text), replacements


def restore(translated: str, replacements: list[str]) -> str | None:
    """The translation with every placeholder swapped back, or None if the engine lost,
    duplicated or invented one."""
    found = Counter(int(number) for number in PLACEHOLDER_PATTERN.findall(translated))
    if found != Counter(range(len(replacements))):
        return None
    return PLACEHOLDER_PATTERN.sub(lambda match: replacements[int(match.group(1))], translated)


def _translate_between_terms(text: str, terms: list[Term], translate: Callable[[str], str]) -> str:
    pattern = term_pattern(terms)
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(_translate_piece(text[position : match.start()], translate))
        pieces.append(_replacement(match.group(0), terms))
        position = match.end()
    pieces.append(_translate_piece(text[position:], translate))
    return "".join(pieces)


def _translate_piece(piece: str, translate: Callable[[str], str]) -> str:
    if not HAS_LETTER.search(piece):
        return piece
    core = piece.strip()
    leading = piece[: len(piece) - len(piece.lstrip())]
    trailing = piece[len(piece.rstrip()) :]
    return leading + translate(core).strip() + trailing


def translate_with_glossary(text: str, terms: list[Term], translate: Callable[[str], str]) -> str:
    """`translate(text)` with the glossary's terms kept or rendered the school's way."""
    pattern = term_pattern(terms)
    if pattern is None or not pattern.search(text):
        return translate(text)
    if PLACEHOLDER_PATTERN.search(text):
        # The writer typed something that looks like a placeholder: don't risk confusing the two.
        return _translate_between_terms(text, terms, translate)
    protected, replacements = protect(text, terms)
    restored = restore(translate(protected), replacements)
    if restored is not None:
        return restored
    return _translate_between_terms(text, terms, translate)
