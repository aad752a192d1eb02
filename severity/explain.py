"""Why a verdict: the words of the message (quoted as written) and the concepts that decided it."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from severity.concepts import label

MAX_REASONS = 3
_WORD = re.compile(r"\w+")
# Words that carry no meaning of their own are never quoted alone nor at a phrase's edge.
_FUNCTION_WORDS_BY_LANGUAGE = (
    "a an the of to in on at for by with from and or is are was were be been it its this that "
    "we our us you your they their i my me he she his her them there here then so as if",
    "o a os as um uma de do da dos das em no na nos nas para por com e ou é são foi que se",
    "der die das den dem des ein eine einen einem ist sind war wir unser unsere ihr sie es "
    "und oder in im am an auf für mit von zu bei",
    "el la los las un una unos unas de del en con por para y o es son fue que se lo le nos",
    "и в во на с со к ко по о об от до за из у а но же ли это то мы наш наши вы они он она",
)
FUNCTION_WORDS = frozenset(w for line in _FUNCTION_WORDS_BY_LANGUAGE for w in line.split())


def reasons_for(text: str, by_span: dict[tuple[int, int], float],
                by_concept: dict[str, float]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Up to three phrases of `text` that pushed most towards the verdict, strongest first,
    and the rubric concepts (or concept pairs) that did; pushes come from Model.pushes."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    starts = [s for s, _ in words]
    ends = [e for _, e in words]
    score = [0.0] * len(words)
    for (start, end), push in by_span.items():
        first, last = bisect_right(ends, start), bisect_left(starts, end)
        if last > first:
            share = push / (last - first)
            for i in range(first, last):
                score[i] += share
    concepts = {" + ".join(label(part) for part in name[2:].split("|")): push
                for name, push in by_concept.items() if push > 0 and "no_effect" not in name}
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
    score = [0.0 if _function_word(text, words[i]) else s for i, s in enumerate(score)]
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
    runs = [run for run in runs if run[0] >= floor]
    runs.sort(key=lambda run: -run[0])
    return tuple(
        " ".join(text[words[i][0]:words[j][1]].split()) for _, i, j in runs[:MAX_REASONS])


def _function_word(text: str, span: tuple[int, int]) -> bool:
    word = text[span[0]:span[1]].lower()
    return len(word) < 2 or word in FUNCTION_WORDS
