"""Month close: exactly once, set-based, cycles, GST, invoices, catch-up, crashes, concurrency."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from billing.invoicing import CycleAssignment, billing_cycle, gst_cents, plan_fee_due
from billing.months import BillingMonth
from billing.plans import GROWTH, PREMIUM, Assignment, plan_in_force
from escalation.month_close import MonthNotEnded, close_month, unclosed_months
from store.db import make_engine, make_session_factory, transaction
from store.models import (
    Escalation,
    Invoice,
    InvoiceLine,
    MonthClose,
    Organization,
    PlanAssignment,
)

from .billing_builders import add_org, add_plan, assign, invoice, month_close
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
    """The seeds' example: M1 fees 490, M2 fees 575 -> Growth fee for M2, Premium from M3.

    The upgrade row is derived when the fees are recorded (desk.derived_plans); the close bills
    whatever plan_assignments say and never writes them."""
    org = world.org("Upgraded", since="2026-01")
    world.fee(org, "2026-01", 49000)
    world.fee(org, "2026-02", 57500)
    world.assign(org, "premium", "2026-03", reason="auto-upgrade")  # as derived from Feb's fees
    partner = world.user("p", "partner", org)
    for month, day in (("2026-02", 10), ("2026-03", 10)):
        at = datetime(int(month[:4]), int(month[5:]), day, tzinfo=UTC)
        for _ in range(4):
            world.escalation(org, world.case(org, partner, at), partner, at, month, month, at)
    for month in (1, 2, 3):
        close_month(sessions, BillingMonth(2026, month),
                    datetime(2026, month + 1, 1, 0, 5, tzinfo=UTC), UTC_TZ)
    lines = lines_of(sessions)
    assert lines[(org, "2026-01", "plan_fee")][2] == 50000
    assert lines[(org, "2026-02", "plan_fee")][2] == 50000  # still Growth in the upgrade month
    assert lines[(org, "2026-02", "escalation_overflow")] == (2, 2500, 5000)
    assert lines[(org, "2026-03", "plan_fee")][2] == 100000  # Premium from the next month
    assert lines[(org, "2026-03", "escalation_overflow")] == (0, 2500, 0)


def test_the_close_never_writes_plan_assignments(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    exact = world.org("Exactly500")
    world.fee(exact, "2026-03", 50000)
    above = world.org("Above")
    world.fee(above, "2026-03", 90000)  # no derived row: the close does not upgrade by itself
    chosen = world.org("AdminChose")
    world.fee(chosen, "2026-03", 90000)
    world.assign(chosen, "growth", "2026-04", reason="admin")
    with transaction(sessions) as s:
        before = [(a.org_id, a.plan_id, a.effective_month, a.reason)
                  for a in s.scalars(select(PlanAssignment).order_by(PlanAssignment.id))]
    report = close_month(sessions, BillingMonth(2026, 3), datetime(2026, 4, 2, tzinfo=UTC),
                         UTC_TZ)
    assert report.closed == 3 and not hasattr(report, "upgrades")
    with transaction(sessions) as s:
        after = [(a.org_id, a.plan_id, a.effective_month, a.reason)
                 for a in s.scalars(select(PlanAssignment).order_by(PlanAssignment.id))]
    assert after == before


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

    for point in ("after_closes", "after_lines", "after_invoices"):
        def boom(at_point: str, point: str = point) -> None:
            if at_point == point:
                raise RuntimeError(f"crash {point}")

        with pytest.raises(RuntimeError):
            close_month(sessions, BillingMonth(2026, 3), now, UTC_TZ, fault=boom)
        assert count_rows(sessions, MonthClose) == 0
        assert count_rows(sessions, InvoiceLine) == 0
        assert count_rows(sessions, Invoice) == 0
    report = close_month(sessions, BillingMonth(2026, 3), now, UTC_TZ)
    assert (report.closed, report.lines, report.invoices) == (1, 3, 1)


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
    assert count_rows(sessions, Invoice) == 0
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
    assert count_rows(sessions, Invoice) == 20


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
    assert count_rows(sessions, Invoice) == 10
    lines = lines_of(sessions)
    assert len(lines) == 30
    assert all(lines[(org, "2026-03", "escalation_overflow")] == (1, 2500, 2500) for org in orgs)


TAXED_PRICES = {(cycle, currency): cents
                for cycle, cents in (("monthly", 30000), ("quarterly", 85001), ("yearly", 333333))
                for currency in ("EUR", "USD")}
TAXED_GST_BP = 725  # 7.25 %


def _independent(assignments: dict[int, list[tuple[BillingMonth, str, str, str]]],
                 escalations: list[tuple[int, str, str | None]], currency: dict[int, str],
                 months: list[BillingMonth]) -> dict[tuple[int, str, str], tuple[int, int, int]]:
    """Invoice lines computed in plain Python with billing's pure rules; assignments are
    (month, plan, cycle, reason)."""
    terms = {"growth": (GROWTH, None), "premium": (PREMIUM, None)}
    prices = {"growth": {("monthly", c): 50000 for c in ("EUR", "USD")},
              "premium": {("monthly", c): 100000 for c in ("EUR", "USD")},
              "taxed": TAXED_PRICES}
    expected: dict[tuple[int, str, str], tuple[int, int, int]] = {}
    for month in months:
        m = str(month)
        for org, history in sorted(assignments.items()):
            name = plan_in_force([Assignment(a[0], a[1]) for a in history], month)
            if name is None:
                continue
            free, price, gst_bp = ((3, 2000, TAXED_GST_BP) if name == "taxed" else
                                   (terms[name][0].free_escalations,
                                    int(terms[name][0].overflow_price * 100), None))
            cycles = [CycleAssignment(a[0], a[2], a[3]) for a in history]
            fee = 0
            if plan_fee_due(cycles, month):
                fee = prices[name].get((billing_cycle(cycles, month) or "", currency[org]), 0)
            counted = sum(1 for o, _r, c in escalations if o == org and c == m)
            over = max(0, counted - free)
            if fee:
                expected[(org, m, "plan_fee")] = (1, fee, fee)
            expected[(org, m, "escalation_overflow")] = (over, price, over * price)
            if gst_bp is not None:
                tax = gst_cents(fee + over * price, gst_bp)
                expected[(org, m, "gst")] = (1, tax, tax)
            expected[(org, m, "escalations")] = (counted, 0, 0)
    return expected


def test_invoices_equal_an_independent_calculation(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(20260401)
    add_plan(sessions, "taxed", TAXED_PRICES, free=3, overflow_cents=2000, gst_bp=TAXED_GST_BP)
    months = [BillingMonth(2026, m) for m in range(1, 13)]
    assignments: dict[int, list[tuple[BillingMonth, str, str, str]]] = {}
    escalations: list[tuple[int, str, str | None]] = []
    currency: dict[int, str] = {}
    partner = None
    for i in range(16):
        start = rng.choice(months[:3])
        plan = rng.choice(["growth", "premium", "taxed", "taxed"])
        cycle = rng.choice(["monthly", "quarterly", "yearly"]) if plan == "taxed" else "monthly"
        cur = rng.choice(["EUR", "USD"])
        org = add_org(sessions, f"Rnd{i}", plan, since=str(start), cycle=cycle, currency=cur)
        currency[org] = cur
        assignments[org] = [(start, plan, cycle, "onboarding")]
        if partner is None:
            partner = world.user("rp", "partner", org)
        later = sorted(rng.sample(months[4:], rng.randint(0, 2)))
        for month in later:
            reason = rng.choice(["admin", "auto-upgrade"])
            other = rng.choice(["growth", "premium", "taxed"])
            if reason == "auto-upgrade":  # keeps the cycle (a missing price bills 0)
                cycle = assignments[org][-1][2]
            elif other == "taxed":
                cycle = rng.choice(["monthly", "quarterly", "yearly"])
            else:
                cycle = "monthly"
            assign(sessions, org, other, str(month), reason=reason, cycle=cycle)
            assignments[org].append((month, other, cycle, reason))
        for month in months:
            for _ in range(rng.randint(0, 7)):
                at = datetime(month.year, month.month, rng.randint(1, 28), tzinfo=UTC)
                counted = str(month) if rng.random() < 0.7 else None
                world.escalation(org, world.case(org, partner, at), partner, at, str(month),
                                 counted, at if counted else None)
                escalations.append((org, str(month), counted))
    now = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    with transaction(sessions) as s:
        pending = unclosed_months(s, now, UTC_TZ)
    assert pending == months
    for month in pending:
        close_month(sessions, month, now, UTC_TZ)
        close_month(sessions, month, now, UTC_TZ)  # and once more: nothing changes
    expected = _independent(assignments, escalations, currency, months)
    assert lines_of(sessions) == expected
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for (org, m, _kind), (_q, _u, amount) in expected.items():
        totals[(org, m)] += amount
    with transaction(sessions) as s:
        for line in s.scalars(select(InvoiceLine)):
            org = s.get(Organization, line.org_id)
            assert line.currency == org.currency
        closes = {(c.org_id, c.month): c for c in s.scalars(select(MonthClose))}
        for c in closes.values():
            assert c.charge_cents == c.overflow * c.overflow_price_cents
            assert c.tax_cents == expected.get((c.org_id, c.month, "gst"), (0, 0, 0))[2]
        invoices = {(i.org_id, i.month): i for i in s.scalars(select(Invoice))}
    assert set(invoices) == set(closes) == set(totals)
    for key, inv in invoices.items():
        assert inv.total_cents == totals[key]
        assert inv.has_plan_fee is ((key[0], key[1], "plan_fee") in expected)
        assert inv.currency == currency[key[0]]
        assert inv.number == f"INV-{key[1]}-{key[0]:04d}"
        assert (inv.paid_at is not None) is (inv.total_cents == 0)
    assert count_rows(sessions, Escalation) == len(escalations)


def close_through(sessions: sessionmaker[Session], first: BillingMonth, last: BillingMonth,
                  grace_days: int = 0) -> None:
    month = first
    while month <= last:
        close_month(sessions, month, month.end(UTC_TZ) + timedelta(minutes=5), UTC_TZ,
                    grace_days=grace_days)
        month = month.next()


def test_quarterly_and_yearly_fees_in_the_cycles_first_month(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    add_plan(sessions, "cycled", {("monthly", "EUR"): 30000, ("quarterly", "EUR"): 80000,
                                  ("yearly", "EUR"): 300000, ("quarterly", "USD"): 85000})
    quarterly = add_org(sessions, "Quarterly", "cycled", since="2026-02", cycle="quarterly")
    yearly = add_org(sessions, "Yearly", "cycled", since="2026-03", cycle="yearly")
    usd = add_org(sessions, "QuarterlyUSD", "cycled", since="2026-01", cycle="quarterly",
                  currency="USD")
    partner = world.user("p", "partner", quarterly)
    at = datetime(2026, 5, 10, tzinfo=UTC)
    for _ in range(3):  # overflow is billed every month, whatever the cycle
        world.escalation(quarterly, world.case(quarterly, partner, at), partner, at, "2026-05",
                         "2026-05", at)
    close_through(sessions, BillingMonth(2026, 1), BillingMonth(2027, 3))
    got = lines_of(sessions)

    def fees(org: int) -> dict[str, int]:
        return {m: amount for (o, m, kind), (_q, _u, amount) in got.items()
                if o == org and kind == "plan_fee"}

    assert fees(quarterly) == {"2026-02": 80000, "2026-05": 80000, "2026-08": 80000,
                               "2026-11": 80000, "2027-02": 80000}
    assert fees(yearly) == {"2026-03": 300000, "2027-03": 300000}
    assert fees(usd) == {"2026-01": 85000, "2026-04": 85000, "2026-07": 85000,
                         "2026-10": 85000, "2027-01": 85000}
    assert got[(quarterly, "2026-05", "escalation_overflow")] == (1, 2500, 2500)
    assert (quarterly, "2026-06", "plan_fee") not in got
    assert got[(quarterly, "2026-06", "escalations")] == (0, 0, 0)
    june = invoice(sessions, quarterly, "2026-06")
    assert (june.total_cents, june.has_plan_fee, june.paid_at is not None) == (0, False, True)
    may = invoice(sessions, quarterly, "2026-05")
    assert (may.total_cents, may.has_plan_fee, may.paid_at) == (82500, True, None)
    assert month_close(sessions, yearly, "2026-04").billing_cycle == "yearly"
    assert month_close(sessions, yearly, "2026-04").plan_fee_cents == 0


def test_an_automatic_upgrade_keeps_the_cycle_and_an_explicit_change_restarts_it(
        world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    add_plan(sessions, "small", {("quarterly", "EUR"): 60000})
    add_plan(sessions, "big", {("quarterly", "EUR"): 150000, ("monthly", "EUR"): 55000})
    org = add_org(sessions, "Cycling", "small", since="2026-01", cycle="quarterly")
    assign(sessions, org, "big", "2026-05", reason="auto-upgrade", cycle="quarterly")
    assign(sessions, org, "big", "2026-08", reason="admin", cycle="monthly")
    close_through(sessions, BillingMonth(2026, 1), BillingMonth(2026, 10))
    fees = {m: amount for (o, m, kind), (_q, _u, amount) in lines_of(sessions).items()
            if o == org and kind == "plan_fee"}
    # Jan and Apr small (quarterly from Jan); the upgrade in May does not restart the cycle, so
    # Jul bills big's quarterly price; the admin change in Aug starts a monthly cycle.
    assert fees == {"2026-01": 60000, "2026-04": 60000, "2026-07": 150000, "2026-08": 55000,
                    "2026-09": 55000, "2026-10": 55000}


def test_no_price_for_the_cycle_and_currency_bills_no_fee(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    add_plan(sessions, "euro-only", {("monthly", "EUR"): 10000})
    org = add_org(sessions, "Dollars", "euro-only", currency="USD")
    close_through(sessions, BillingMonth(2026, 1), BillingMonth(2026, 1))
    assert (org, "2026-01", "plan_fee") not in lines_of(sessions)
    assert month_close(sessions, org, "2026-01").plan_fee_cents == 0
    assert invoice(sessions, org, "2026-01").total_cents == 0


@pytest.mark.parametrize(("rate_bp", "fee", "overflow", "tax"), [
    (1000, 12345, 0, 1235),  # 1234.5 -> 1235: half up
    (1000, 12344, 0, 1234),  # 1234.4 -> 1234
    (725, 50000, 1, 3806),  # 7.25 % of 525.00 = 38.0625
    (1950, 10010, 0, 1952),  # 19.5 % of 100.10 = 19.5195
    (500, 10, 0, 1),  # 0.5 cent -> 1 cent
    (500, 9, 0, 0),  # 0.45 cent -> 0
    (1, 50000, 0, 5),  # 0.01 % of 500.00 = 0.05
])
def test_gst_is_the_rate_of_fee_plus_overflow_half_up_to_the_cent(
        rate_bp: int, fee: int, overflow: int, tax: int, world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    add_plan(sessions, "taxed", {("monthly", "EUR"): fee}, free=0, overflow_cents=2500,
             gst_bp=rate_bp)
    org = add_org(sessions, "Taxed", "taxed", since="2026-03")
    partner = world.user("p", "partner", org)
    at = datetime(2026, 3, 3, tzinfo=UTC)
    for _ in range(overflow):
        world.escalation(org, world.case(org, partner, at), partner, at, "2026-03", "2026-03", at)
    report = close_month(sessions, BillingMonth(2026, 3), datetime(2026, 4, 1, tzinfo=UTC),
                         UTC_TZ)
    taxable = fee + overflow * 2500
    assert tax == gst_cents(taxable, rate_bp)
    assert lines_of(sessions)[(org, "2026-03", "gst")] == (1, tax, tax)
    assert month_close(sessions, org, "2026-03").tax_cents == tax
    assert invoice(sessions, org, "2026-03").total_cents == taxable + tax
    assert report.taxes_cents == {"EUR": tax} and report.totals_cents == {"EUR": taxable + tax}
    with transaction(sessions) as s:
        gst_line = s.scalars(select(InvoiceLine).where(InvoiceLine.kind == "gst")).one()
    percent = f"{rate_bp / 100:.2f}".rstrip("0").rstrip(".")
    assert gst_line.description == f"GST {percent} %"


def test_a_plan_without_gst_has_no_gst_line_and_no_tax(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    org = world.org("NoTax")
    close_month(sessions, BillingMonth(2026, 1), datetime(2026, 2, 1, tzinfo=UTC), UTC_TZ)
    assert (org, "2026-01", "gst") not in lines_of(sessions)
    assert month_close(sessions, org, "2026-01").tax_cents == 0


@pytest.mark.parametrize("grace_days", [0, 7])
def test_one_invoice_per_org_and_month_numbered_and_dated(grace_days: int, world: World,
                                                          sessions) -> None:  # type: ignore[no-untyped-def]
    small = world.org("Small")
    big = add_org(sessions, "Big", org_id=12345)
    close_through(sessions, BillingMonth(2026, 11), BillingMonth(2026, 12), grace_days)
    with transaction(sessions) as s:
        numbers = sorted(s.scalars(select(Invoice.number)).all())
    assert numbers == [f"INV-2026-11-{small:04d}", "INV-2026-11-12345",
                       f"INV-2026-12-{small:04d}", "INV-2026-12-12345"]
    dec = invoice(sessions, big, "2026-12")
    assert dec.issued_on == date(2027, 1, 1)
    assert dec.due_on == date(2027, 1, 1) + timedelta(days=grace_days)
    assert (dec.currency, dec.total_cents, dec.paid_cents, dec.has_plan_fee) == \
        ("EUR", 50000, 0, True)
    assert dec.escalations_processed == 0 and dec.paid_at is None


def test_a_negative_grace_is_refused_before_anything_is_written(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    world.org("Grace")
    with pytest.raises(ValueError, match="grace days"):
        close_month(sessions, BillingMonth(2026, 1), datetime(2026, 2, 1, tzinfo=UTC), UTC_TZ,
                    grace_days=-1)
    assert count_rows(sessions, MonthClose) == 0
