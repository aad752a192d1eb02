"""Severity triage of partner messages: 1 critical, 2 major, 3 minor, with confidence and reasons.

Pure: imports nothing of the application. A linear model over character and word n-grams and
the rubric's concepts (see README.md), trained by `python -m severity.train` and shipped as
package data. It reads every message with every language's lexicon, so a verdict never depends
on which language a partner stored or the detector guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from severity.explain import reasons_for
from severity.model import shipped

LANGUAGES: tuple[str, ...] = ("en", "pt-BR", "de", "es", "ru")
CRITICAL, MAJOR, MINOR = 1, 2, 3


@dataclass(frozen=True)
class Classification:
    """A severity 1..3 (1 most urgent), the words that decided it, and how sure the model is."""

    severity: int
    reasons: tuple[str, ...]
    confidence: float = 1.0
    concepts: tuple[str, ...] = ()

    @property
    def needs_review(self) -> bool:
        """True when an agent should check the severity first (a low-confidence verdict)."""
        return needs_review(self.confidence)


def needs_review(confidence: float | None) -> bool:
    """Whether an automatic verdict this confident should be checked by an agent first."""
    return confidence is not None and confidence < shipped().review_below


def classify(text: str) -> Classification:
    """Classify a partner message; an empty or contentless text is minor (3)."""
    model = shipped()
    features = model.features(text or "")
    if not any(ch.isalnum() for ch in text or ""):
        return Classification(MINOR, (), 1.0)
    probabilities = model.probabilities(features)
    verdict = model.decide(probabilities)
    reasons, concepts = reasons_for(text, *model.pushes(features, verdict))
    return Classification(verdict, reasons, round(probabilities[verdict - 1], 3), concepts)


def raise_only(current: int, new: int) -> int:
    """A later message may raise a case's severity, never lower it (1 is the most urgent)."""
    for value in (current, new):
        if isinstance(value, bool) or value not in (CRITICAL, MAJOR, MINOR):
            raise ValueError(f"severity must be 1, 2 or 3, not {value!r}")
    return min(current, new)


__all__ = ["LANGUAGES", "Classification", "classify", "needs_review", "raise_only"]
