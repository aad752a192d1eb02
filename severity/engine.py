"""Apply one language's rule table to a text: per sentence, phrase kind x stated scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

from severity.negation import Sentence, is_negated, sentences
from severity.normalize import normalize
from severity.rules import SEVERITY, Kind, RuleSet, Scope

MINOR = 3
_IMPACT = (Kind.CRITICAL, Kind.OUTAGE, Kind.FAILURE)


@dataclass(frozen=True)
class Verdict:
    """Severity with the original-text phrases that decided it."""

    severity: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Finding:
    kind: Kind
    severity: int
    phrases: tuple[str, ...]  # the impact phrase, then the scope words that set its severity


def evaluate(text: str, rules: RuleSet) -> Verdict:
    """The most urgent severity any sentence of `text` states, and why."""
    normalized = normalize(text)
    best = MINOR
    reasons: list[str] = []
    minor_reasons: list[str] = []
    for sentence in sentences(normalized, rules):
        if sentence.question and not sentence.presupposes:
            minor_reasons.append(_quote(text, sentence.start, sentence.end))
            continue
        severity, phrases = _sentence_verdict(text, sentence, rules)
        if severity < best:
            best, reasons = severity, list(phrases)
        elif severity == best:
            (reasons if severity < MINOR else minor_reasons).extend(phrases)
    if best == MINOR:
        reasons = minor_reasons
    return Verdict(best, tuple(dict.fromkeys(r for r in reasons if r)))


def _sentence_verdict(text: str, sentence: Sentence, rules: RuleSet) -> tuple[int, list[str]]:
    findings = _findings(text, sentence, rules)
    if not findings:
        return MINOR, _phrases(text, sentence, Kind.DEGRADED.value, rules)
    if any(f.kind is Kind.CRITICAL for f in findings):
        findings = [f for f in findings if f.kind is Kind.CRITICAL]
    else:
        # "works again now": the outage or failure told about is over.
        resolved = _phrases(text, sentence, "resolved", rules)
        if resolved:
            return MINOR, resolved
        # "an inconvenience with a workaround" is minor; an outage stays an outage.
        workaround = _phrases(text, sentence, "workaround", rules)
        if workaround:
            findings = [f for f in findings if f.kind is not Kind.FAILURE]
            if not findings:
                return MINOR, workaround
    best = min(f.severity for f in findings)
    return best, [p for f in findings if f.severity == best for p in f.phrases]


def _findings(text: str, sentence: Sentence, rules: RuleSet) -> list[_Finding]:
    found: list[_Finding] = []
    for kind in _IMPACT:
        for match in rules.compiled[kind.value].finditer(sentence.text):
            if is_negated(sentence.text, match.start(), match.group(), rules):
                continue
            scope, scope_phrases = _scope(text, sentence, _segment(sentence, match, rules), rules)
            phrase = _quote(text, sentence.start + match.start(), sentence.start + match.end())
            found.append(_Finding(kind, SEVERITY[kind][scope], (phrase, *scope_phrases)))
    return found


def _segment(sentence: Sentence, match: re.Match[str], rules: RuleSet) -> tuple[int, int]:
    """The part of the sentence between the contrast words (but, mas, aber, pero, но) around
    the match: "fails, but everything else works for all" does not make the failure total."""
    start, end = 0, len(sentence.text)
    for contrast in rules.compiled["contrast"].finditer(sentence.text):
        if contrast.end() <= match.start():
            start = contrast.end()
        elif contrast.start() >= match.end():
            end = contrast.start()
            break
    return start, end


def _scope(
    text: str, sentence: Sentence, segment: tuple[int, int], rules: RuleSet
) -> tuple[Scope, list[str]]:
    """Partial wins over total ("some of all our clients", "not all clients")."""
    start, end = segment
    offset = sentence.start + start
    for scope in (Scope.PARTIAL, Scope.TOTAL):
        found = [
            _quote(text, offset + m.start(), offset + m.end())
            for m in rules.compiled[scope.value].finditer(sentence.text[start:end])
        ]
        if found:
            return scope, found
    return Scope.NONE, []


def _phrases(text: str, sentence: Sentence, table: str, rules: RuleSet) -> list[str]:
    """Phrases of a table in the sentence that are neither negated nor contain a negation
    ("ahora no funciona" is no recovery)."""
    negation = rules.compiled["negation"]
    found = []
    for match in rules.compiled[table].finditer(sentence.text):
        if any(negation.fullmatch(word) for word in match.group().split()):
            continue
        if is_negated(sentence.text, match.start(), match.group(), rules):
            continue
        found.append(_quote(text, sentence.start + match.start(), sentence.start + match.end()))
    return found


def _quote(text: str, start: int, end: int) -> str:
    return " ".join(text[start:end].split()).strip(" ,:;")
