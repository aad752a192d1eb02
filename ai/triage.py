"""The triage second opinion: the prompt, strict validation of the answer, and the rule that
lets a confident opinion raise (never lower) the offline severity."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

# An opinion at or above this confidence may raise the offline severity. 0.7: the model must
# say it is fairly sure; below that its verdict is only shown to the agents.
CONFIDENT = 0.7
MAX_REASON = 200

SYSTEM = (
    "You triage support messages of a WhatsApp Business API support desk. Severity 1 is "
    "critical (outage, data leak, all messages failing), 2 is high (a feature broken for many "
    "users, blocked onboarding), 3 is normal (questions, single failures). Answer only with a "
    'JSON object: {"severity": 1|2|3, "category": one of %s, "reason": one short line in '
    'English, "confidence": a number from 0 to 1}.'
)


@dataclass(frozen=True)
class Opinion:
    severity: int
    category: str
    reason: str
    confidence: float

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT


def system_prompt(categories: Sequence[str]) -> str:
    return SYSTEM % ", ".join(f'"{c}"' for c in categories)


def parse(answer: str, categories: Sequence[str]) -> Opinion | None:
    """The opinion in the model's answer, or None when anything is off (no opinion)."""
    try:
        doc = json.loads(answer)
    except ValueError:
        return None
    if not isinstance(doc, dict) or set(doc) != {"severity", "category", "reason", "confidence"}:
        return None
    severity, category = doc["severity"], doc["category"]
    reason, confidence = doc["reason"], doc["confidence"]
    if isinstance(severity, bool) or not isinstance(severity, int) or severity not in (1, 2, 3):
        return None
    if not isinstance(category, str) or category not in categories:
        return None
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        return None
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        return None
    if not math.isfinite(confidence) or not 0 <= confidence <= 1:
        return None
    reason = " ".join(reason.split())
    return Opinion(severity, category, reason, float(confidence))


def raised_severity(offline: int, opinion: Opinion | None, *, agent_set: bool) -> int:
    """The severity after the opinion: raised (a smaller number) only by a confident opinion,
    never lowered, never when an agent set it."""
    if opinion is None or agent_set or not opinion.confident:
        return offline
    return min(offline, opinion.severity)
