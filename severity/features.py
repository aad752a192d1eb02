"""Features of a message for the severity model: character and word n-grams, rubric concepts.

Every feature is a string hashed (CRC-32) into one of `DIMENSION` slots, so the model is a
fixed-size weight table and training and inference share this one function. Each feature keeps
the span of the original text it came from, so a verdict can quote the words that decided it.
"""

from __future__ import annotations

import math
import re
from itertools import combinations
from zlib import crc32

import linear
from severity.concepts import EFFECTS, OBJECTS, SCOPES, find
from severity.normalize import normalize

DIMENSION = 1 << 18
CHAR_NGRAMS = (3, 4, 5)
_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d")
# Concepts whose pairs are features of their own ("all" x "down" is not "all" + "down").
_CROSSED = frozenset(EFFECTS) | frozenset(SCOPES) | frozenset(OBJECTS) | {
    "workaround", "question", "resolved", "hedge", "urgent", "duration"}


# One hashed feature: (slot, value, start, end, name) -- its weight-table slot, its value in
# the message, the span of the text it stands for, and its name ("c:own", "w:down",
# "k:eff_down", "x:eff_down|scope_all"). A plain tuple: triage builds hundreds per message.
Feature = tuple[int, float, int, int, str]


def slot(name: str) -> int:
    """The weight-table slot of a feature name (stable across processes and platforms)."""
    return linear.slot(name, DIMENSION)


_LENGTH_SLOT = slot("bias:length")
_MASK = DIMENSION - 1


def _block(names: list[tuple[str, int, int]], scale: float = 1.0) -> list[Feature]:
    """Binary features of one block, scaled to unit length (long texts do not shout)."""
    unique: dict[str, tuple[int, int]] = {}
    for name, start, end in names:
        unique.setdefault(name, (start, end))
    if not unique:
        return []
    value = scale / math.sqrt(len(unique))
    return [(crc32(name.encode("utf-8")) & _MASK, value, start, end, name)
            for name, (start, end) in unique.items()]


def extract(text: str, *, concepts: float = 1.0) -> list[Feature]:
    """The features of `text`, the rubric's concepts weighted by `concepts` (0: plain n-grams,
    the design it is compared with)."""
    base, extras = extract_for(text, (concepts,))
    return base + extras[0]


def extract_for(text: str, concept_weights: tuple[float, ...]
                ) -> tuple[list[Feature], tuple[list[Feature], ...]]:
    """The n-gram features of `text` (shared), and for each concept weight the concept
    features to add (none for 0); the text is normalised once."""
    norm = normalize(text or "")
    base = _ngrams(norm)
    found: dict[float, list[Feature]] = {}
    extras = []
    for weight in concept_weights:
        if weight <= 0:
            extras.append([])
            continue
        if weight not in found:
            found[weight] = _concepts(norm, weight)
        extras.append(found[weight])
    return base, tuple(extras)


def _ngrams(norm: str) -> list[Feature]:
    words = [(m.start(), m.end(), _DIGITS.sub("0", m.group())) for m in _WORD.finditer(norm)]
    chars: list[tuple[str, int, int]] = []
    tokens: list[tuple[str, int, int]] = []
    for i, (start, end, word) in enumerate(words):
        padded = f" {word} "
        for n in CHAR_NGRAMS:
            for k in range(max(1, len(padded) - n + 1)):
                chars.append((f"c:{padded[k:k + n]}", start, end))
        tokens.append((f"w:{word}", start, end))
        if i + 1 < len(words):
            tokens.append((f"b:{word} {words[i + 1][2]}", start, words[i + 1][1]))
    features = _block(chars) + _block(tokens)
    features.append((_LENGTH_SLOT, _length_bucket(len(words)), 0, 0, "length"))
    return features


def _length_bucket(count: int) -> float:
    """A gentle length signal: questions and follow-ups are short, incident reports long."""
    return min(count, 60) / 60.0


def _concepts(norm: str, weight: float) -> list[Feature]:
    """One feature per concept found (negated ones apart), and one per pair of concepts."""
    hits = find(norm)
    first: dict[str, tuple[int, int]] = {}
    for hit in hits:
        name = f"k:{'not:' if hit.negated else ''}{hit.concept}"
        first.setdefault(name, (hit.start, hit.end))
    features = [(slot(name), weight, s, e, name) for name, (s, e) in first.items()]
    crossed = sorted(n for n in first if n.removeprefix("k:") in _CROSSED)
    for left, right in combinations(crossed, 2):
        name = f"x:{left[2:]}|{right[2:]}"
        (s1, e1), (s2, e2) = first[left], first[right]
        features.append((slot(name), weight / 2, min(s1, s2), max(e1, e2), name))
    effects = [n for n in first if n.removeprefix("k:") in EFFECTS]
    if not effects:
        features.append((slot("k:no_effect"), weight, 0, 0, "k:no_effect"))
    return features
