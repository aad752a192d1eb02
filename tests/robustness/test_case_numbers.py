"""Odd case-number tokens for every command that takes a case number: answered, never a crash."""

from __future__ import annotations

import pytest

from tests.robustness.inputs import NON_ASCII_DIGIT_TOKENS
from tests.robustness.runner import outcome_problems
from tests.robustness.world import World

# command -> (actor, arguments after the number)
NUMBER_COMMANDS = {
    "status": ("partner_a", ""),
    "escalate": ("partner_a", " other"),
    "take": ("agent", ""),
    "reply": ("agent", " hello"),
    "note": ("agent", " internal"),
    "severity": ("agent", " 1"),
    "resolve": ("agent", ""),
    "reopen": ("agent", ""),
    "rate": ("partner_a", " 4"),
}
ODD_TOKENS = ["0", "-1", "#", "##1", "#-1", "1e3", "0x10", "１２", "٣", "१२", "+1", "1.0",
              "999999999999", "9999999999999", "2147483648", "00000000001", "#" * 40]


@pytest.mark.parametrize("token", [*ODD_TOKENS, *NON_ASCII_DIGIT_TOKENS])
@pytest.mark.parametrize("name", sorted(NUMBER_COMMANDS))
def test_odd_case_numbers_get_a_clear_answer(world: World, name: str, token: str) -> None:
    world.reset()
    actor, rest = NUMBER_COMMANDS[name]
    outcome = world.send(world.actors[actor], f"/{name} {token}{rest}")
    assert outcome.replies, "no answer"
    assert outcome_problems(outcome) == []


def test_unicode_digits_do_not_name_another_case(world: World) -> None:
    """Arabic-Indic digits read as a number at most; never a case the user may not see."""
    world.reset()
    other = world.cases["B"].open_free
    token = "".join(chr(0x0660 + int(d)) for d in str(other))  # Arabic-Indic digits
    outcome = world.send(world.actors["partner_a"], f"/status {token}")
    assert [r.key for r in outcome.replies] in (["error.case_not_found"],
                                                ["error.bad_arguments"])
