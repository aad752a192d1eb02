"""Negation and question handling: which sentences are questions, which phrases are negated."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from severity.normalize import CLAUSE_MARKS
from severity.rules import RuleSet

NEGATION_WINDOW = 3  # a negation word cancels a phrase at most this many words later
_TOKEN = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the normalised text with its offsets and question flags."""

    start: int
    end: int
    text: str
    question: bool  # a yes/no or how-to question: its problem words are no impact statement
    presupposes: bool  # "why is X down?": the question reports the problem it asks about


def sentences(normalized: str, rules: RuleSet) -> Iterator[Sentence]:
    """Split normalised text into sentences ("10.5" and "v2.1" do not split)."""
    pos = 0
    while pos < len(normalized):
        match = _boundary_after(normalized, pos)
        text = normalized[pos:match]
        if text.strip():
            yield _sentence(pos, match, text, rules)
        pos = match


def _boundary_after(text: str, pos: int) -> int:
    for index in range(pos, len(text)):
        char = text[index]
        if char == "\n":
            return index + 1
        if char in ".!?;" and (index + 1 == len(text) or text[index + 1] in " \n"):
            return index + 1
    return len(text)


def _sentence(start: int, end: int, text: str, rules: RuleSet) -> Sentence:
    stripped = text.strip()
    compiled = rules.compiled
    opener = compiled["opener"].match(stripped) is not None
    question = (
        stripped.endswith("?")
        or stripped.startswith("¿")
        or compiled["particle"].search(stripped) is not None
        or (opener and not stripped.endswith("!"))
    )
    presupposes = question and bool(compiled["presupposing"].match(stripped.lstrip("¿ ")))
    return Sentence(start, end, text, question, presupposes)


def is_negated(sentence_text: str, match_start: int, match_text: str, rules: RuleSet) -> bool:
    """True when a negation word stands within NEGATION_WINDOW words before the phrase, in the
    same clause. A phrase that itself begins with a negation ("не получают", "no llegan",
    "keine Nachricht") is a statement of failure, never cancelled (negative concord)."""
    negation = rules.compiled["negation"]
    own = _TOKEN.findall(match_text)
    if own and negation.fullmatch(own[0]):
        return False
    if _negated_after(sentence_text, match_start + len(match_text), rules):
        return True
    before = sentence_text[:match_start]
    cut = max(before.rfind(mark) for mark in CLAUSE_MARKS)
    clause = before[cut + 1 :]
    words = _TOKEN.findall(clause)
    for index in range(len(words) - 1, -1, -1):
        if rules.compiled["contrast"].fullmatch(words[index]):
            words = words[index + 1 :]
            break
    return any(negation.fullmatch(word) for word in words[-NEGATION_WINDOW:])


def _negated_after(sentence_text: str, match_end: int, rules: RuleSet) -> bool:
    """A negation right after the phrase, in the same clause ("утечки данных не было")."""
    after = sentence_text[match_end:]
    cut = min((i for i in (after.find(m) for m in CLAUSE_MARKS) if i >= 0), default=len(after))
    words = _TOKEN.findall(after[:cut])[:NEGATION_WINDOW]
    pattern = rules.compiled["negation_after"]
    return any(pattern.match(" ".join(words[i:])) for i in range(len(words)))
