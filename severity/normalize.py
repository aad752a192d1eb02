"""Length-preserving text normalisation: case, Latin accents, punctuation; Cyrillic kept."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Characters that end a sentence or a clause survive normalisation; other punctuation becomes
# a space. Every output character stands for exactly one input character, so a match found in
# the normalised text can be quoted from the original text by the same offsets.
SENTENCE_ENDS = frozenset(".!?;\n")
CLAUSE_MARKS = frozenset(",:")
KEPT = frozenset("%'¿¡") | SENTENCE_ENDS | CLAUSE_MARKS
APOSTROPHES = frozenset("’`´ʼ")
DASHES = frozenset("—–")


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    lowered = char.lower()
    if len(lowered) != 1:
        lowered = char
    if lowered in "ё":
        return "е"
    if "\u0400" <= lowered <= "\u04ff":
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)
    base = decomposed[0]
    if base.isascii():
        return base.lower()
    return lowered if len(decomposed) > 1 else base


def normalize(text: str) -> str:
    """Lower-case, strip Latin accents, keep Cyrillic (ё -> е), blank out most punctuation.

    The result has the same length as `text`.
    """
    out: list[str] = []
    for char in text:
        if char.isalnum() and char.isascii():
            out.append(char.lower())
        elif char in APOSTROPHES:
            out.append("'")
        elif char in DASHES:
            out.append(",")
        elif char.isalnum() or char in KEPT:
            out.append(_fold(char))
        elif char.isspace():
            out.append("\n" if char == "\n" else " ")
        else:
            out.append(" ")
    return "".join(out)
