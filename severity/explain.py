"""Why a verdict: the words of the message (quoted as written) and the concepts that decided it."""

from __future__ import annotations

import re

from severity.concepts import label
from severity.features import Feature

MAX_REASONS = 3
_WORD = re.compile(r"\w+")


def reasons_for(text: str, contributions: list[tuple[float, Feature]]
                ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Up to three phrases of `text` that pushed most towards the verdict, strongest first,
    and the rubric concepts (or concept pairs) that did."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    score = [0.0] * len(words)
    concepts: dict[str, float] = {}
    for push, feature in contributions:
        if feature.name.startswith(("k:", "x:")) and push > 0 and "no_effect" not in feature.name:
            concepts[" + ".join(label(part) for part in feature.name[2:].split("|"))] = push
        if feature.end <= feature.start:
            continue
        covered = [i for i, (s, e) in enumerate(words) if s < feature.end and e > feature.start]
        for i in covered:
            score[i] += push / len(covered)
    phrases = _phrases(text, words, score)
    top_concepts = sorted(concepts, key=lambda name: -concepts[name])[:MAX_REASONS]
    return phrases, tuple(top_concepts)


def _phrases(text: str, words: list[tuple[int, int]], score: list[float]) -> tuple[str, ...]:
    """Adjacent strong words become one phrase; phrases are ranked by their strongest word."""
    if not words:
        return ()
    positive = sorted((s for s in score if s > 0), reverse=True)
    if not positive:
        return ()
    # A word is "strong" if it carries at least a third of the strongest word's push.
    floor = positive[0] / 3
    runs: list[tuple[float, int, int]] = []
    i = 0
    while i < len(words):
        if score[i] >= floor:
            j, best = i, score[i]
            while j + 1 < len(words) and score[j + 1] >= floor and j + 1 - i < 4:
                j += 1
                best = max(best, score[j])
            runs.append((best, i, j))
            i = j + 1
        else:
            i += 1
    runs.sort(key=lambda run: -run[0])
    return tuple(
        " ".join(text[words[i][0]:words[j][1]].split()) for _, i, j in runs[:MAX_REASONS])
