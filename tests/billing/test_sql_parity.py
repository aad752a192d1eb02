"""The SQL forms of the plan rules (desk/plan_sql.py) answer as the billing core does."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from billing.allowance import EscalationNumbers
from billing.months import BillingMonth
from billing.plans import Assignment, plan_in_force, upgrade_target
from desk import plan_sql
from desk.plans import add_plan, plans_in_force, terms
from store.models import Organization, Plan, PlanAssignment

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MONTHS = [BillingMonth(2025, m) for m in range(1, 13)] + [BillingMonth(2026, 1)]


def test_the_plan_in_force_in_sql_is_the_cores(sessions: sessionmaker[Session]) -> None:
    rng = random.Random(11)
    histories: dict[int, list[Assignment]] = {}
    with sessions.begin() as session:
        plans = {p.name: p for p in session.scalars(select(Plan))}
        for n in range(40):
            org = Organization(name=f"org{n}", currency="EUR", billing_model="partner-paid",
                               created_at=NOW)
            session.add(org)
            session.flush()
            picked = sorted(rng.sample(MONTHS, rng.randrange(0, 5)))
            history = [Assignment(month, rng.choice(sorted(plans))) for month in picked]
            for a in history:
                session.add(PlanAssignment(org_id=org.id, plan_id=plans[a.plan_name].id,
                                           effective_month=str(a.effective_month),
                                           reason="admin", created_at=NOW))
            histories[org.id] = history
    with sessions() as session:
        for month in [BillingMonth(2024, 12), *MONTHS]:
            in_sql = {org_id: plan.name for org_id, plan
                      in plans_in_force(session, set(histories), month).items()}
            in_core = {org_id: plan_in_force(history, month)
                       for org_id, history in histories.items()}
            assert in_sql == {k: v for k, v in in_core.items() if v is not None}, month


def test_overflow_in_sql_is_the_cores(sessions: sessionmaker[Session]) -> None:
    pairs = [(counted, allowance) for counted in range(0, 9) for allowance in range(0, 7)]
    with sessions() as session:
        for counted, allowance in pairs:
            got = session.execute(text(f"SELECT {plan_sql.overflow(':c', ':a')}"),
                                  {"c": counted, "a": allowance}).scalar_one()
            assert got == EscalationNumbers(allowance, counted).overflow, (counted, allowance)


def test_the_upgrade_rule_in_sql_is_the_cores(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_plan(session, name="starter", display_name="Starter", fee=Decimal("100"),
                 free_escalations=1, overflow_price=Decimal("25"),
                 auto_upgrade_above=Decimal("300.50"), auto_upgrade_to="growth", now=NOW)
    fees = [Decimal(x) for x in ("0", "300.49", "300.50", "300.51", "499.99", "500", "500.01",
                                 "501", "100000")]
    with sessions() as session:
        for plan in session.scalars(select(Plan)):
            for amount in fees:
                got = session.execute(
                    text(f"SELECT CASE WHEN {plan_sql.upgrade_due('p', ':fees')} THEN 1 ELSE 0 "
                         f"END FROM plans p WHERE p.id = :id"),
                    {"fees": int(amount * 100), "id": plan.id}).scalar_one()
                expected = upgrade_target(terms(plan), amount) is not None
                assert bool(got) is expected, (plan.name, amount)


def test_the_cycle_fee_rule_in_sql_is_the_cores(sessions: sessionmaker[Session]) -> None:
    """cycle_in_force + plan_fee_due (the month close's plan fee) against
    billing.invoicing.plan_fee_due, over random histories of explicit and automatic rows."""
    from billing.invoicing import CycleAssignment, billing_cycle, plan_fee_due

    rng = random.Random(13)
    cycles = ("monthly", "quarterly", "yearly")
    reasons = ("onboarding", "admin", "partner", "auto-upgrade", "auto-upgrade")
    histories: dict[int, list[CycleAssignment]] = {}
    months = [BillingMonth(2024, m) for m in range(1, 13)] + MONTHS
    with sessions.begin() as session:
        plan_ids = list(session.scalars(select(Plan.id)))
        for n in range(60):
            org = Organization(name=f"cyc{n}", currency="EUR", billing_model="partner-paid",
                               created_at=NOW)
            session.add(org)
            session.flush()
            history = [CycleAssignment(month, rng.choice(cycles), rng.choice(reasons))
                       for month in sorted(rng.sample(months, rng.randrange(0, 5)))]
            for a in history:
                session.add(PlanAssignment(org_id=org.id, plan_id=rng.choice(plan_ids),
                                           effective_month=str(a.effective_month),
                                           reason=a.reason, billing_cycle=a.cycle,
                                           created_at=NOW))
            histories[org.id] = history
    query = text(f"WITH {plan_sql.CYCLE_IN_FORCE} SELECT f.org_id, f.billing_cycle, "
                 f"CASE WHEN {plan_sql.plan_fee_due('f.anchor_month', 'f.billing_cycle')} "
                 f"THEN 1 ELSE 0 END FROM cycle_in_force f")
    with sessions() as session:
        for month in [BillingMonth(2023, 12), *months, BillingMonth(2027, 6)]:
            got = {org_id: (cycle, bool(due)) for org_id, cycle, due in session.execute(
                query, {"month": str(month)})}
            expected = {org_id: (billing_cycle(h, month), plan_fee_due(h, month))
                        for org_id, h in histories.items() if billing_cycle(h, month)}
            assert got == expected, month


def test_gst_in_sql_is_the_cores(sessions: sessionmaker[Session]) -> None:
    from billing.invoicing import gst_cents
    from billing.money import gst, to_amount, to_cents

    rng = random.Random(17)
    cases = [(0, 1000), (12345, 1000), (12344, 1000), (5, 1000), (10, 500), (9, 500),
             (52500, 725), (10010, 1950), (99_999_999_999, 2500), (1, 1)]
    cases += [(rng.randrange(0, 10**9), rng.randrange(1, 10001)) for _ in range(200)]
    with sessions() as session:
        for taxable, rate_bp in [*cases, (12345, None)]:
            sql = plan_sql.gst_cents("CAST(:t AS BIGINT)", "CAST(:r AS INTEGER)")
            got = session.execute(text(f"SELECT {sql}"),
                                  {"t": taxable, "r": rate_bp}).scalar_one()
            assert got == gst_cents(taxable, rate_bp), (taxable, rate_bp)
            if rate_bp is not None:
                expected = to_cents(gst(to_amount(taxable), Decimal(rate_bp) / 100))
                assert got == expected, (taxable, rate_bp)
