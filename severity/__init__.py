"""Severity triage of partner messages: 1 critical, 2 major, 3 minor, with the deciding phrases.

Pure: imports nothing of the application. See DOMAIN.md for the three definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from severity.engine import evaluate
from severity.rules import RuleSet
from severity.rules_de import RULES as _DE
from severity.rules_en import RULES as _EN
from severity.rules_es import RULES as _ES
from severity.rules_pt import RULES as _PT
from severity.rules_ru import RULES as _RU

LANGUAGES: tuple[str, ...] = ("en", "pt-BR", "de", "es", "ru")
RULE_SETS: dict[str, RuleSet] = {r.language: r for r in (_EN, _PT, _DE, _ES, _RU)}
CRITICAL, MAJOR, MINOR = 1, 2, 3


@dataclass(frozen=True)
class Classification:
    """A severity 1..3 (1 most urgent) and the phrases of the text that decided it."""

    severity: int
    reasons: tuple[str, ...]


def rule_set(language: str | None) -> RuleSet | None:
    """The rule table for a language code ('pt', 'pt_BR', 'PT-br' all mean pt-BR), or None."""
    if not language:
        return None
    code = language.strip().replace("_", "-").lower()
    primary = code.split("-")[0]
    if primary == "pt":
        return RULE_SETS["pt-BR"]
    return RULE_SETS.get(primary)


def classify(text: str, language: str | None) -> Classification:
    """Classify `text`; an unknown language tries every rule table and keeps the most urgent."""
    known = rule_set(language)
    candidates = (known,) if known else tuple(RULE_SETS.values())
    verdicts = [evaluate(text or "", rules) for rules in candidates]
    best = min(verdicts, key=lambda verdict: verdict.severity)  # the first of equals
    return Classification(best.severity, best.reasons)


def raise_only(current: int, new: int) -> int:
    """A later message may raise a case's severity, never lower it (1 is the most urgent)."""
    for value in (current, new):
        if isinstance(value, bool) or value not in (CRITICAL, MAJOR, MINOR):
            raise ValueError(f"severity must be 1, 2 or 3, not {value!r}")
    return min(current, new)


__all__ = ["LANGUAGES", "Classification", "classify", "raise_only", "rule_set"]
