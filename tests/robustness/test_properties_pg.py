"""The mixed property test, smaller, on PostgreSQL (skipped without TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.robustness.inputs import FAST, Op, any_op, month_end_ops, plausible_ops
from tests.robustness.runner import Runner
from tests.robustness.world import World, build_world


@pytest.fixture
def pg_world(db_url: str):  # type: ignore[no-untyped-def]
    built = build_world(db_url)
    yield built
    built.engine.dispose()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@FAST.__class__(FAST, max_examples=40)
@given(ops=st.lists(st.one_of(plausible_ops, plausible_ops, any_op, month_end_ops),
                    min_size=2, max_size=12))
def test_mixed_sessions_on_postgres(pg_world: World, ops: list[Op]) -> None:
    pg_world.reset()
    Runner(pg_world).run(ops)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.parametrize(("actor", "command"), [
    ("partner_a", "/status {}"),
    ("agent", "/take {}"),
    ("partner_a", "/escalate {} oth confirm"),
])
def test_case_numbers_beyond_32_bits_on_postgres(pg_world: World, actor: str,
                                                 command: str) -> None:
    """cases.id is a 32-bit integer on PostgreSQL; larger typed numbers are just not found."""
    pg_world.reset()
    for token in ("2147483647", "2147483648", "999999999999", "#99999999999"):
        outcome = pg_world.send(pg_world.actors[actor], command.format(token))
        assert [r.key for r in outcome.replies] in (
            ["error.case_not_found"], ["escalation.not_found"]), (command, token, outcome)
