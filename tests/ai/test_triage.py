"""Strict validation of the triage opinion and the raise-only rule."""

from __future__ import annotations

import json

import pytest

from ai import triage
from escalation.categories import CATEGORIES

NAMES = [c.name for c in CATEGORIES]
GOOD = {"severity": 1, "category": "technical_messaging_issue", "reason": "all fail",
        "confidence": 0.86}


def test_a_valid_answer_is_an_opinion() -> None:
    opinion = triage.parse(json.dumps(GOOD), NAMES)
    assert opinion == triage.Opinion(1, "technical_messaging_issue", "all fail", 0.86)
    assert opinion.confident


@pytest.mark.parametrize("change", [
    {"severity": 0}, {"severity": 4}, {"severity": "1"}, {"severity": True}, {"severity": 1.0},
    {"category": "urgent"}, {"category": None}, {"reason": ""}, {"reason": "x" * 201},
    {"confidence": 1.5}, {"confidence": -0.1}, {"confidence": "0.9"}, {"extra": 1},
])
def test_anything_off_is_no_opinion(change: dict[str, object]) -> None:
    assert triage.parse(json.dumps({**GOOD, **change}), NAMES) is None


@pytest.mark.parametrize("answer", ["", "not json", "[1, 2]", '{"severity": 1}', "null"])
def test_malformed_or_missing_fields_are_no_opinion(answer: str) -> None:
    assert triage.parse(answer, NAMES) is None


def test_the_prompt_lists_only_the_desk_categories() -> None:
    prompt = triage.system_prompt(NAMES)
    assert all(f'"{name}"' in prompt for name in NAMES)


def test_a_confident_opinion_raises_never_lowers_never_overrides_an_agent() -> None:
    sure = triage.Opinion(1, NAMES[0], "r", triage.CONFIDENT)
    unsure = triage.Opinion(1, NAMES[0], "r", triage.CONFIDENT - 0.01)
    lower = triage.Opinion(3, NAMES[0], "r", 0.99)
    assert triage.raised_severity(3, sure, agent_set=False) == 1
    assert triage.raised_severity(3, unsure, agent_set=False) == 3
    assert triage.raised_severity(2, lower, agent_set=False) == 2
    assert triage.raised_severity(3, sure, agent_set=True) == 3
    assert triage.raised_severity(3, None, agent_set=False) == 3
