"""Property tests: arbitrary text, commands, buttons, oversized and empty messages, every role.

Nothing may escape Desk.handle, every new update gets a catalog answer that renders in all
five languages, and the database rules hold after every example.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.robustness.inputs import (
    FAST,
    Op,
    action_ops,
    any_op,
    command_ops,
    empty_ops,
    month_end_ops,
    oversized_ops,
    plausible_ops,
    text_ops,
)
from tests.robustness.runner import Runner
from tests.robustness.world import World


def run(world: World, ops: list[Op]) -> None:
    world.reset()
    Runner(world).run(ops)


@FAST
@given(ops=st.lists(text_ops, min_size=1, max_size=4))
def test_arbitrary_unicode_text(world: World, ops: list[Op]) -> None:
    run(world, ops)


@FAST
@given(ops=st.lists(command_ops, min_size=1, max_size=4))
def test_every_command_with_arbitrary_arguments(world: World, ops: list[Op]) -> None:
    run(world, ops)


@FAST
@given(ops=st.lists(action_ops, min_size=1, max_size=4))
def test_arbitrary_and_mutated_button_data(world: World, ops: list[Op]) -> None:
    run(world, ops)


@FAST.__class__(FAST, max_examples=60)
@given(ops=st.lists(st.one_of(oversized_ops, empty_ops), min_size=1, max_size=3))
def test_oversized_and_empty_messages(world: World, ops: list[Op]) -> None:
    run(world, ops)


@FAST.__class__(FAST, max_examples=100)
@given(ops=st.lists(st.one_of(plausible_ops, plausible_ops, any_op, month_end_ops),
                    min_size=2, max_size=14))
def test_mixed_sessions_across_a_month_end(world: World, ops: list[Op]) -> None:
    run(world, ops)
