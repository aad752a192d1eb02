"""Month close: exactly once, set-based, upgrades, catch-up, crashes and concurrency."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from billing.months import BillingMonth
from billing.plans import GROWTH, PREMIUM, Assignment, plan_in_force, upgrade_target
from escalation.month_close import MonthNotEnded, close_month, unclosed_months
from store.db import make_engine, make_session_factory, transaction
from store.models import (
    Escalation,
    InvoiceLine,
    LicenseFee,
    MonthClose,
    Organization,
    Plan,
    PlanAssignment,
)

from .conftest import World

UTC_TZ = ZoneInfo("UTC")
ROOT = Path(__file__).resolve().parents[2]


def lines_of(sessions: sessionmaker[Session]) -> dict[tuple[int, str, str], tuple[int, int, int]]:
    with transaction(sessions) as s:
        return {(li.org_id, li.month, li.kind): (li.quantity, li.unit_cents, li.amount_cents)
                for li in s.scalars(select(InvoiceLine))}


def count_rows(sessions: sessionmaker[Session], model: type) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_refuses_a_month_that_has_not_ended(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    world.org("Early")
    march = BillingMonth(2026, 3)
    berlin = ZoneInfo("Europe/Berlin")
    # 23:30 UTC on 31 March is already April in Berlin, but still March in UTC
    late = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    with pytest.raises(MonthNotEnded, match="has not ended"):
        close_month(sessions, march, late, UTC_TZ)
    assert count_rows(sessions, MonthClose) == 0
    assert close_month(sessions, march, late, berlin).closed == 1


def test_growth_and_premium_over_and_under(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    growth_over = world.org("GrowthOver")
    growth_under = world.org("GrowthUnder", currency="USD")
    premium_over = world.org("PremiumOver", plan="premium")
    premium_under = world.org("PremiumUnder", plan="premium", currency="USD")
    partner = world.user("p", "partner", growth_over)
    at = datetime(2026, 3, 5, tzinfo=UTC)
    plan = {growth_over: 4, growth_under: 1, premium_over: 7, premium_under: 5}
    for org, n in plan.items():
        for _ in range(n):
            case = world.case(org, partner, at)
            world.escalation(org, case, partner, at, "2026-03", "2026-03", at)
    # requested in March, resolved in April: expired, never counted
    late = world.case(growth_under, partner, at)
    world.escalation(growth_under, late, partner, at, "2026-03", None, at + timedelta(days=30))
    unresolved = world.case(growth_under, partner, at)
    world.escalation(growth_under, unresolved, partner, at, "2026-03")
    report = close_month(sessions, BillingMonth(2026, 3), datetime(2026, 4, 1, 0, 5, tzinfo=UTC),
                         UTC_TZ)
    assert report.closed == 4 and report.lines == 12
    assert report.charges_cents == {"EUR": 2 * 2500 + 2 * 2500, "USD": 0}
    lines = lines_of(sessions)
    assert lines[(growth_over, "2026-03", "escalation_overflow")] == (2, 2500, 5000)
    assert lines[(growth_over, "2026-03", "plan_fee")] == (1, 50000, 50000)
    assert lines[(growth_over, "2026-03", "escalations")] == (4, 0, 0)
    assert lines[(growth_under, "2026-03", "escalation_overflow")] == (0, 2500, 0)
    assert lines[(growth_under, "2026-03", "escalations")] == (1, 0, 0)
    assert lines[(premium_over, "2026-03", "escalation_overflow")] == (2, 2500, 5000)
    assert lines[(premium_over, "2026-03", "plan_fee")] == (1, 100000, 100000)
    assert lines[(premium_under, "2026-03", "escalation_overflow")] == (0, 2500, 0)
    with transaction(sessions) as s:
        close = s.scalars(select(MonthClose).where(MonthClose.org_id == growth_under)).one()
        assert (close.counted, close.pending_expired, close.currency) == (1, 2, "USD")


def test_second_run_bills_nothing_new(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Again")
    partner = world.user("p", "partner", org)
    at = datetime(2026, 3, 5, tzinfo=UTC)
    for _ in range(3):
        world.escalation(org, world.case(org, partner, at), partner, at, "2026-03", "2026-03", at)
    now = datetime(2026, 4, 1, 0, 5, tzinfo=UTC)
    first = close_month(sessions, BillingMonth(2026, 3), now, UTC_TZ)
    before = lines_of(sessions)
    # a late straggler arriving after the close must not change what was billed
    world.escalation(org, world.case(org, partner, at), partner, at, "2026-03", "2026-03", at)
    second = close_month(sessions, BillingMonth(2026, 3), now + timedelta(hours=1), UTC_TZ)
    assert (first.closed, second.closed, second.already_closed, second.lines) == (1, 0, 1, 0)
    assert lines_of(sessions) == before
    assert count_rows(sessions, MonthClose) == 1


def test_org_upgraded_by_license_fees(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    """The seeds' example: M1 fees 490, M2 fees 575 -> Growth fee for M2, Premium from M3."""
    org = world.org("Upgraded", since="2026-01")
    world.fee(org, "2026-01", 49000)
    world.fee(org, "2026-02", 57500)
    partner = world.user("p", "partner", org)
    for month, day in (("2026-02", 10), ("2026-03", 10)):
        at = datetime(int(month[:4]), int(month[5:]), day, tzinfo=UTC)
        for _ in range(4):
            world.escalation(org, world.case(org, partner, at), partner, at, month, month, at)
    close_month(sessions, BillingMonth(2026, 1), datetime(2026, 2, 1, 0, 5, tzinfo=UTC), UTC_TZ)
    feb = close_month(sessions, BillingMonth(2026, 2), datetime(2026, 3, 1, 0, 5, tzinfo=UTC),
                      UTC_TZ)
    assert feb.upgrades == 1
    mar = close_month(sessions, BillingMonth(2026, 3), datetime(2026, 4, 1, 0, 5, tzinfo=UTC),
                      UTC_TZ)
    assert mar.upgrades == 0  # premium has no automatic upgrade
    lines = lines_of(sessions)
    assert lines[(org, "2026-01", "plan_fee")][2] == 50000
    assert lines[(org, "2026-02", "plan_fee")][2] == 50000  # still Growth in the upgrade month
    assert lines[(org, "2026-02", "escalation_overflow")] == (2, 2500, 5000)
    assert lines[(org, "2026-03", "plan_fee")][2] == 100000  # Premium from the next month
    assert lines[(org, "2026-03", "escalation_overflow")] == (0, 2500, 0)
    with transaction(sessions) as s:
        row = s.scalars(select(PlanAssignment).where(
            PlanAssignment.org_id == org, PlanAssignment.effective_month == "2026-03")).one()
        assert row.reason == "auto-upgrade"


def test_fees_of_exactly_500_do_not_upgrade_and_admin_choice_wins(
        world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    exact = world.org("Exactly500")
    world.fee(exact, "2026-03", 50000)
    chosen = world.org("AdminChose")
    world.fee(chosen, "2026-03", 90000)
    world.assign(chosen, "growth", "2026-04", reason="admin")  # explicit: stays on Growth
    report = close_month(sessions, BillingMonth(2026, 3), datetime(2026, 4, 2, tzinfo=UTC),
                         UTC_TZ)
    assert report.upgrades == 0
    with transaction(sessions) as s:
        reasons = s.scalars(select(PlanAssignment.reason).where(
            PlanAssignment.effective_month == "2026-04")).all()
    assert reasons == ["admin"]


def test_desk_down_over_two_month_ends_catches_up(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Down", since="2026-02")
    partner = world.user("p", "partner", org)
    for month in ("2026-02", "2026-03"):
        at = datetime(2026, int(month[5:]), 3, tzinfo=UTC)
        for _ in range(3):
            world.escalation(org, world.case(org, partner, at), partner, at, month, month, at)
    close_month(sessions, BillingMonth(2026, 2), datetime(2026, 3, 1, 0, 5, tzinfo=UTC), UTC_TZ)
    world.org("Joined", since="2026-04")
    now = datetime(2026, 6, 1, 0, 5, tzinfo=UTC)  # down from March 5 to June 1
    with transaction(sessions) as s:
        missing = unclosed_months(s, now, UTC_TZ)
    assert [str(m) for m in missing] == ["2026-03", "2026-04", "2026-05"]
    for month in missing:
        close_month(sessions, month, now, UTC_TZ)
    with transaction(sessions) as s:
        assert unclosed_months(s, now, UTC_TZ) == []
        closes = Counter(s.scalars(select(MonthClose.month)).all())
    assert closes == {"2026-02": 1, "2026-03": 1, "2026-04": 2, "2026-05": 2}
    assert lines_of(sessions)[(org, "2026-03", "escalation_overflow")] == (1, 2500, 2500)


def test_exception_half_way_leaves_nothing_and_rerun_completes(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Crash")
    partner = world.user("p", "partner", org)
    at = datetime(2026, 3, 5, tzinfo=UTC)
    for _ in range(3):
        world.escalation(org, world.case(org, partner, at), partner, at, "2026-03", "2026-03", at)
    world.fee(org, "2026-03", 60000)
    now = datetime(2026, 4, 1, 0, 5, tzinfo=UTC)

    for point in ("after_closes", "after_lines"):
        def boom(at_point: str, point: str = point) -> None:
            if at_point == point:
                raise RuntimeError(f"crash {point}")

        with pytest.raises(RuntimeError):
            close_month(sessions, BillingMonth(2026, 3), now, UTC_TZ, fault=boom)
        assert count_rows(sessions, MonthClose) == 0
        assert count_rows(sessions, InvoiceLine) == 0
        with transaction(sessions) as s:
            assert s.scalar(select(func.count()).select_from(PlanAssignment).where(
                PlanAssignment.reason == "auto-upgrade")) == 0
    report = close_month(sessions, BillingMonth(2026, 3), now, UTC_TZ)
    assert (report.closed, report.lines, report.upgrades) == (1, 3, 1)


@pytest.mark.timeout(120)
def test_killed_process_mid_transaction_then_rerun(world: World, sessions, db_url: str) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Killed")
    partner = world.user("p", "partner", org)
    at = datetime(2026, 3, 5, tzinfo=UTC)
    for _ in range(5):
        world.escalation(org, world.case(org, partner, at), partner, at, "2026-03", "2026-03", at)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.escalation.close_worker", db_url, "2026-03",
         "after_lines"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "inside"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert count_rows(sessions, MonthClose) == 0
    assert count_rows(sessions, InvoiceLine) == 0
    report = close_month(sessions, BillingMonth(2026, 3), datetime(2026, 4, 1, tzinfo=UTC),
                         UTC_TZ)
    assert report.closed == 1
    assert lines_of(sessions)[(org, "2026-03", "escalation_overflow")] == (3, 2500, 7500)


@pytest.mark.timeout(120)
def test_two_concurrent_closes_bill_once(world: World, sessions, db_url: str) -> None:  # type: ignore[no-untyped-def]
    orgs = [world.org(f"Conc{i}", plan="growth" if i % 2 else "premium") for i in range(20)]
    partner = world.user("p", "partner", orgs[0])
    at = datetime(2026, 3, 5, tzinfo=UTC)
    for i, org in enumerate(orgs):
        for _ in range(i % 8):
            world.escalation(org, world.case(org, partner, at), partner, at, "2026-03",
                             "2026-03", at)
    engines = [make_engine(db_url) for _ in range(2)]
    factories = [make_session_factory(e) for e in engines]
    first_inside = threading.Event()
    results: dict[int, object] = {}

    def run(index: int) -> None:
        def fault(point: str) -> None:
            if index == 0 and point == "after_closes":
                first_inside.set()  # hold the transaction open while the other one starts
                threading.Event().wait(1.0)

        if index == 1:
            first_inside.wait(30)
        try:
            results[index] = close_month(factories[index], BillingMonth(2026, 3),
                                         datetime(2026, 4, 1, tzinfo=UTC), UTC_TZ, fault=fault)
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    for e in engines:
        e.dispose()
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    closed = sorted(r.closed for r in results.values())  # type: ignore[union-attr]
    assert closed == [0, 20]
    assert count_rows(sessions, MonthClose) == 20
    assert count_rows(sessions, InvoiceLine) == 60


@pytest.mark.timeout(120)
def test_two_concurrent_processes_bill_once(world: World, sessions, db_url: str) -> None:  # type: ignore[no-untyped-def]
    orgs = [world.org(f"Proc{i}") for i in range(10)]
    partner = world.user("p", "partner", orgs[0])
    at = datetime(2026, 3, 5, tzinfo=UTC)
    for org in orgs:
        for _ in range(3):
            world.escalation(org, world.case(org, partner, at), partner, at, "2026-03",
                             "2026-03", at)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def spawn(pause: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.escalation.close_worker", db_url, "2026-03",
             "after_closes", pause], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)

    first = spawn("2")  # holds its transaction open for two seconds after inserting
    assert first.stdout is not None and first.stdout.readline().strip() == "inside"
    second = spawn("0")
    outputs = [p.communicate(timeout=90)[0] for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0]
    closed = sorted(int(out.strip().splitlines()[-1].split()[1]) for out in outputs)
    assert closed == [0, 10]
    assert count_rows(sessions, MonthClose) == 10
    lines = lines_of(sessions)
    assert len(lines) == 30
    assert all(lines[(org, "2026-03", "escalation_overflow")] == (1, 2500, 2500) for org in orgs)


def _independent(assignments: dict[int, list[Assignment]], fees: dict[tuple[int, str], int],
                 escalations: list[tuple[int, str, str | None]], currency: dict[int, str],
                 months: list[BillingMonth]) -> dict[tuple[int, str, str], tuple[int, int, int]]:
    """Invoice lines computed in plain Python with billing's pure rules."""
    terms = {"growth": GROWTH, "premium": PREMIUM}
    plans = {org: list(a) for org, a in assignments.items()}
    expected: dict[tuple[int, str, str], tuple[int, int, int]] = {}
    for month in months:
        m = str(month)
        for org in sorted(plans):
            name = plan_in_force(plans[org], month)
            if name is None:
                continue
            t = terms[name]
            counted = sum(1 for o, _r, c in escalations if o == org and c == m)
            over = max(0, counted - t.free_escalations)
            price = int(t.overflow_price * 100)
            fee = int(t.fee * 100)
            expected[(org, m, "plan_fee")] = (1, fee, fee)
            expected[(org, m, "escalation_overflow")] = (over, price, over * price)
            expected[(org, m, "escalations")] = (counted, 0, 0)
            target = upgrade_target(t, Decimal(fees.get((org, m), 0)) / 100)
            nxt = month.next()
            if target and not any(a.effective_month == nxt for a in plans[org]):
                plans[org].append(Assignment(nxt, target))
    del currency
    return expected


def test_invoices_equal_an_independent_calculation(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(20260401)
    months = [BillingMonth(2026, m) for m in range(1, 7)]
    assignments: dict[int, list[Assignment]] = {}
    fees: dict[tuple[int, str], int] = {}
    escalations: list[tuple[int, str, str | None]] = []
    currency: dict[int, str] = {}
    partner = None
    for i in range(12):
        start = rng.choice(months[:3])
        plan = rng.choice(["growth", "growth", "premium"])
        cur = rng.choice(["EUR", "USD"])
        org = world.org(f"Rnd{i}", plan=plan, since=str(start), currency=cur)
        currency[org] = cur
        assignments[org] = [Assignment(start, plan)]
        if partner is None:
            partner = world.user("rp", "partner", org)
        if rng.random() < 0.3:
            later = rng.choice(months[3:])
            other = "premium" if plan == "growth" else "growth"
            world.assign(org, other, str(later))
            assignments[org].append(Assignment(later, other))
        for month in months:
            if rng.random() < 0.4:
                cents = rng.choice([49000, 50000, 50001, 57500, 80000])
                world.fee(org, str(month), cents)
                fees[(org, str(month))] = cents
            for _ in range(rng.randint(0, 8)):
                at = datetime(month.year, month.month, rng.randint(1, 28), tzinfo=UTC)
                counted = str(month) if rng.random() < 0.7 else None
                world.escalation(org, world.case(org, partner, at), partner, at, str(month),
                                 counted, at if counted else None)
                escalations.append((org, str(month), counted))
    now = datetime(2026, 7, 1, 0, 5, tzinfo=UTC)
    with transaction(sessions) as s:
        pending = unclosed_months(s, now, UTC_TZ)
    assert pending == months
    for month in pending:
        close_month(sessions, month, now, UTC_TZ)
        close_month(sessions, month, now, UTC_TZ)  # and once more: nothing changes
    expected = _independent(assignments, fees, escalations, currency, months)
    assert lines_of(sessions) == expected
    with transaction(sessions) as s:
        for line in s.scalars(select(InvoiceLine)):
            org = s.get(Organization, line.org_id)
            assert line.currency == org.currency
        by_org = defaultdict(int)
        for c in s.scalars(select(MonthClose)):
            by_org[c.org_id] += 1
            assert c.charge_cents == c.overflow * c.overflow_price_cents
            plan = s.get(Plan, c.plan_id)
            assert c.plan_fee_cents == plan.fee_cents
    assert sum(by_org.values()) == len(expected) // 3
    assert count_rows(sessions, LicenseFee) == len(fees)
    assert count_rows(sessions, Escalation) == len(escalations)
