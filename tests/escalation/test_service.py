"""Escalation requests: numbers, confirmation, one per case, visibility, notifications."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from billing.money import Money
from desk.clock import FixedClock
from desk.context import DeskContext, Room
from escalation import service
from store.db import transaction
from store.models import AuditEntry, Escalation, OutboxMessage, User

from .conftest import World

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def ask(desk: DeskContext, case_id: int, user: User, category: str = "tech", *,
        confirm: bool = False, now: datetime = MARCH) -> service.RequestResult:
    with transaction(desk.sessions) as s:
        return service.request(s, desk, case_id=case_id, user=user, category=category,
                               confirm=confirm, on_behalf=user.role != "partner", now=now)


def test_growth_org_free_then_warned_then_confirmed(world: World, desk: DeskContext) -> None:
    org = world.org("Acme")
    partner = world.user("ana", "partner", org)
    cases = [world.case(org, partner, MARCH) for _ in range(4)]
    first = ask(desk, cases[0], partner)
    assert first.status == service.REGISTERED
    assert (first.numbers.allowance, first.numbers.counted, first.numbers.pending) == (2, 0, 1)
    assert first.numbers.remaining == 2
    second = ask(desk, cases[1], partner, "bv")
    assert second.status == service.REGISTERED and second.numbers.pending == 2
    # counted + pending (0 + 2) >= allowance 2: the third needs a confirmation with the price
    third = ask(desk, cases[2], partner)
    assert third.status == service.NEEDS_CONFIRMATION
    assert third.price == Money.from_cents(2500, "EUR")
    with transaction(desk.sessions) as s:
        assert s.scalar(select(Escalation).where(Escalation.case_id == cases[2])) is None
    confirmed = ask(desk, cases[2], partner, confirm=True)
    assert confirmed.status == service.REGISTERED
    with transaction(desk.sessions) as s:
        row = s.scalars(select(Escalation).where(Escalation.case_id == cases[2])).one()
        assert row.billable_confirmed and not row.on_behalf
        assert row.requested_month == "2026-03" and row.counted_month is None
        assert row.category == "technical_messaging_issue"
        first_row = s.scalars(select(Escalation).where(Escalation.case_id == cases[0])).one()
        assert not first_row.billable_confirmed


def test_warning_counts_counted_and_pending(world: World, desk: DeskContext) -> None:
    org = world.org("Counted")
    partner = world.user("bo", "partner", org)
    done = world.case(org, partner, MARCH, status="resolved")
    world.escalation(org, done, partner, MARCH, "2026-03", "2026-03", MARCH)
    open_case = world.case(org, partner, MARCH)
    # counted 1 + pending 0 < 2: no warning
    assert ask(desk, open_case, partner).status == service.REGISTERED
    with transaction(desk.sessions) as s:
        n = service.numbers(s, org, "2026-03")
    assert (n.allowance, n.counted, n.pending, n.remaining) == (2, 1, 1, 1)
    another = world.case(org, partner, MARCH)
    assert ask(desk, another, partner).status == service.NEEDS_CONFIRMATION


def test_premium_allowance_five_and_usd_price(world: World, desk: DeskContext) -> None:
    org = world.org("Big", plan="premium", currency="USD")
    partner = world.user("cy", "partner", org)
    results = [ask(desk, world.case(org, partner, MARCH), partner) for _ in range(6)]
    assert [r.status for r in results] == [service.REGISTERED] * 5 + [
        service.NEEDS_CONFIRMATION]
    assert results[-1].price == Money.from_cents(2500, "USD")
    assert results[-1].numbers.allowance == 5


def test_already_escalated_counts_nothing_new(world: World, desk: DeskContext) -> None:
    org = world.org("Twice")
    partner = world.user("di", "partner", org)
    case = world.case(org, partner, MARCH)
    assert ask(desk, case, partner).status == service.REGISTERED
    again = ask(desk, case, partner, "bv", confirm=True)
    assert again.status == service.ALREADY_ESCALATED
    assert again.numbers.pending == 1
    with transaction(desk.sessions) as s:
        assert len(s.scalars(select(Escalation)).all()) == 1


def test_unique_key_makes_the_loser_of_a_race_already_escalated(
        world: World, desk: DeskContext) -> None:
    org = world.org("Race")
    partner = world.user("ed", "partner", org)
    case = world.case(org, partner, MARCH)
    values = {"case_id": case, "org_id": org, "category": "other", "requested_at": MARCH,
              "requested_month": "2026-03", "requested_by_id": partner.id, "on_behalf": False,
              "billable_confirmed": False, "resolved_at": None, "counted_month": None}
    with transaction(desk.sessions) as s:
        assert service._insert_escalation(s, values) is not None
        assert service._insert_escalation(s, values) is None


def test_closed_case_and_other_orgs_case(world: World, desk: DeskContext) -> None:
    mine = world.org("Mine")
    theirs = world.org("Theirs")
    partner = world.user("fa", "partner", mine)
    stranger = world.user("gu", "partner", theirs)
    closed = world.case(mine, partner, MARCH, status="resolved")
    foreign = world.case(theirs, stranger, MARCH)
    assert ask(desk, closed, partner).status == service.CASE_NOT_OPEN
    assert ask(desk, foreign, partner).status == service.NOT_FOUND
    assert ask(desk, 999_999, partner).status == service.NOT_FOUND
    with transaction(desk.sessions) as s:
        assert s.scalars(select(Escalation)).all() == []


def test_agent_on_behalf_is_recorded_and_audited(world: World, desk: DeskContext) -> None:
    org = world.org("Behalf")
    partner = world.user("ha", "partner", org)
    agent = world.user("ivo", "agent")
    case = world.case(org, partner, MARCH)
    result = ask(desk, case, agent, "inv")
    assert result.status == service.REGISTERED and result.on_behalf
    with transaction(desk.sessions) as s:
        row = s.scalars(select(Escalation)).one()
        assert row.on_behalf and row.requested_by_id == agent.id
        audit = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "escalation.request")).one()
        assert audit.actor == f"user:{agent.id}" and audit.details["on_behalf"] is True


def test_premium_notifies_dedicated_tam_growth_the_agents_room(
        world: World, desk: DeskContext) -> None:
    premium = world.org("Prem", plan="premium")
    growth = world.org("Grow")
    tam = world.user("tina", "tam", premium, channel="telegram", language="de")
    world.user("other-tam", "tam", growth)  # a TAM of another org is not told
    p1 = world.user("jo", "partner", premium)
    p2 = world.user("ka", "partner", growth)
    ask(desk, world.case(premium, p1, MARCH, subject="Webhook down"), p1)
    ask(desk, world.case(growth, p2, MARCH), p2)
    with transaction(desk.sessions) as s:
        notices = s.scalars(select(OutboxMessage).where(
            OutboxMessage.key == "escalation.notify").order_by(OutboxMessage.id)).all()
    assert [(m.channel, m.chat_id, m.recipient_user_id) for m in notices] == [
        ("telegram", f"tina-{tam.id}", tam.id), ("console", "agents", None)]
    assert notices[0].language == "de" and notices[0].params["org"] == "Prem"
    assert notices[0].params["category"] == "Technisches Problem (Nachrichten oder Infrastruktur)"


def test_dedicated_tam_may_escalate_only_their_org(world: World, desk: DeskContext) -> None:
    a = world.org("TamA", plan="premium")
    b = world.org("TamB")
    tam = world.user("tam-a", "tam", a)
    pa = world.user("pa", "partner", a)
    pb = world.user("pb", "partner", b)
    assert ask(desk, world.case(a, pa, MARCH), tam).status == service.REGISTERED
    assert ask(desk, world.case(b, pb, MARCH), tam).status == service.NOT_FOUND


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_month_edges_in_the_billing_time_zone(world: World, sessions, zone: str) -> None:  # type: ignore[no-untyped-def]
    tz = ZoneInfo(zone)
    last_second = datetime(2026, 3, 31, 23, 59, 59, tzinfo=tz)
    first_second = datetime(2026, 4, 1, 0, 0, 0, tzinfo=tz)
    clock = FixedClock(last_second)
    desk = DeskContext(sessions=sessions, clock=clock, billing_tz=tz,
                       agent_rooms=(Room("console", "agents"),))
    org = world.org("Edge")
    partner = world.user("le", "partner", org)
    a = world.case(org, partner, last_second)
    b = world.case(org, partner, last_second)
    assert ask(desk, a, partner, now=last_second).month == "2026-03"
    assert ask(desk, b, partner, now=first_second).month == "2026-04"
    with transaction(sessions) as s:
        march = service.numbers(s, org, "2026-03")
        april = service.numbers(s, org, "2026-04")
    assert (march.pending, april.pending) == (1, 1)
