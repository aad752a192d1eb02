"""Whether an escalation counts, settled by the real case-resolve path (desk.cases.resolve)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from desk import cases
from desk.clock import FixedClock
from desk.context import DeskContext, Room
from escalation import service
from store.db import transaction
from store.models import Case, Escalation, User

from .conftest import World


def _desk(sessions, tz: str, at: datetime) -> DeskContext:  # type: ignore[no-untyped-def]
    return DeskContext(sessions=sessions, clock=FixedClock(at), billing_tz=ZoneInfo(tz),
                       agent_rooms=(Room("console", "agents"),))


def _escalate(desk: DeskContext, case_id: int, user: User, now: datetime) -> None:
    with transaction(desk.sessions) as s:
        result = service.request(s, desk, case_id=case_id, user=user, category="tech",
                                 confirm=True, on_behalf=False, now=now)
        assert result.status == service.REGISTERED


def _resolve(desk: DeskContext, case_id: int, agent: User, now: datetime) -> None:
    with transaction(desk.sessions) as s:
        cases.resolve(s, desk, case=s.get(Case, case_id), agent=s.get(User, agent.id),
                      text="fixed", now=now)


def _reopen(desk: DeskContext, case_id: int, agent: User, now: datetime) -> None:
    with transaction(desk.sessions) as s:
        cases.reopen(s, case=s.get(Case, case_id), agent=s.get(User, agent.id), now=now)


def _counted_month(desk: DeskContext, case_id: int) -> str | None:
    with transaction(desk.sessions) as s:
        return s.scalars(select(Escalation.counted_month)
                         .where(Escalation.case_id == case_id)).one()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_resolved_same_month_counts_next_month_never(world: World, sessions, zone: str) -> None:  # type: ignore[no-untyped-def]
    tz = ZoneInfo(zone)
    start = datetime(2026, 3, 31, 12, 0, tzinfo=tz)
    last_second = datetime(2026, 3, 31, 23, 59, 59, tzinfo=tz)
    first_second = datetime(2026, 4, 1, 0, 0, 0, tzinfo=tz)
    desk = _desk(sessions, zone, start)
    org = world.org("Qual")
    partner = world.user("pa", "partner", org)
    agent = world.user("ag", "agent")
    in_time = world.case(org, partner, start)
    too_late = world.case(org, partner, start)
    _escalate(desk, in_time, partner, start)
    _escalate(desk, too_late, partner, start)
    _resolve(desk, in_time, agent, last_second)
    _resolve(desk, too_late, agent, first_second)
    assert _counted_month(desk, in_time) == "2026-03"
    assert _counted_month(desk, too_late) is None
    with transaction(sessions) as s:
        march = service.numbers(s, org, "2026-03")
        april = service.numbers(s, org, "2026-04")
    assert (march.counted, march.pending, march.remaining) == (1, 0, 1)
    assert (april.counted, april.pending) == (0, 0)
    # reopening never uncounts; resolving again never counts the late one
    _reopen(desk, in_time, agent, first_second)
    _reopen(desk, too_late, agent, first_second)
    _resolve(desk, in_time, agent, first_second)
    _resolve(desk, too_late, agent, datetime(2026, 4, 2, tzinfo=UTC))
    assert _counted_month(desk, in_time) == "2026-03"
    assert _counted_month(desk, too_late) is None
    with transaction(sessions) as s:
        assert service.numbers(s, org, "2026-03").counted == 1


def test_escalated_after_reopen_is_pending_again(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 5, 3, tzinfo=UTC)
    desk = _desk(sessions, "UTC", at)
    org = world.org("Reo")
    partner = world.user("pr", "partner", org)
    agent = world.user("ar", "agent")
    case = world.case(org, partner, at)
    _resolve(desk, case, agent, at)
    _reopen(desk, case, agent, at)
    _escalate(desk, case, partner, at)
    with transaction(sessions) as s:
        assert service.numbers(s, org, "2026-05").pending == 1
    _resolve(desk, case, agent, at)
    assert _counted_month(desk, case) == "2026-05"
