"""A billable month through the chat only, then the month close: the invariants with a charge."""

from __future__ import annotations

from sqlalchemy import select

from store.models import InvoiceLine, MonthClose
from tests.robustness.inputs import Op
from tests.robustness.runner import Runner
from tests.robustness.world import World


def test_overflow_month_is_billed_as_its_lines_say(world: World) -> None:
    world.reset()
    c = world.cases["C"]  # growth: allowance 2, one counted and one pending already
    ops = [
        Op("partner_c", "command", tokens=("/escalate", str(c.open_free), "tech")),
        Op("partner_c", "command", tokens=("/escalate", str(c.open_free), "tech", "confirm")),
        Op("agent", "command", tokens=("/escalate", str(c.open_taken), "inv", "confirm")),
        Op("agent", "command", tokens=("/resolve", str(c.open_free), "done")),
        Op("agent", "command", tokens=("/resolve", str(c.open_taken))),
        Op("agent", "command", tokens=("/reopen", str(c.open_taken))),  # stays counted
        Op("partner_c", "command", tokens=("/escalate", str(c.open_taken), "tech")),
        Op("agent", "month_end"),
    ]
    runner = Runner(world)
    runner.run(ops)
    keys = [line.split("-> ")[-1] for line in runner.log]
    assert "escalation.confirm" in keys[0] and "escalation.registered" in keys[1]
    assert "escalation.already" in keys[6]
    with world.sessions() as s:
        close = s.scalars(select(MonthClose).where(
            MonthClose.org_id == world.org_ids["C"], MonthClose.month == "2026-03")).one()
        lines = s.scalars(select(InvoiceLine).where(
            InvoiceLine.org_id == world.org_ids["C"], InvoiceLine.month == "2026-03")).all()
    assert (close.allowance, close.counted, close.overflow) == (2, 3, 1)
    assert close.charge_cents == 2500 and close.plan_fee_cents == 50000
    assert sum(line.amount_cents for line in lines) == 52500
