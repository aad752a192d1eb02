"""Why a plan changes: billing.derivation.upgrade_source (the month whose fees upgrade a month,
late fees included) and desk.plan_outlook (the plan in force and the planned changes)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.derivation import PlanHistory, UpgradeRule, derive_plans, upgrade_source
from billing.months import BillingMonth
from desk import orgs, plans
from desk.plan_outlook import outlook
from store.db import transaction
from store.models import MonthClose, Plan

JAN, FEB, MAR, APR = (BillingMonth(2026, m) for m in (1, 2, 3, 4))
RULES = {"growth": UpgradeRule(Decimal("500"), "premium")}


def facts(fees: dict[BillingMonth, str], closed: dict[BillingMonth, str] | None = None,
          explicit: dict[BillingMonth, str] | None = None) -> PlanHistory:
    return PlanHistory(explicit if explicit is not None else {JAN: "growth"},
                       {m: Decimal(v) for m, v in fees.items()}, closed or {}, RULES)


def test_the_month_before_is_the_source() -> None:
    assert upgrade_source(MAR, "growth", facts({FEB: "500.01"})) == FEB
    assert upgrade_source(MAR, "growth", facts({FEB: "500.00"})) is None
    assert upgrade_source(MAR, "premium", facts({FEB: "9000"})) is None  # no rule


def test_late_fees_walk_back_through_closed_months_on_the_same_plan() -> None:
    closed = {JAN: "growth", FEB: "growth"}
    late = facts({JAN: "800", FEB: "100"}, closed)
    assert upgrade_source(MAR, "growth", late) == JAN
    assert derive_plans(late, APR)[MAR] == "premium"
    # Not past an explicit assignment, nor through a month that is not closed.
    assert upgrade_source(MAR, "growth", facts({JAN: "800"}, closed,
                                               {JAN: "growth", FEB: "growth"})) is None
    assert upgrade_source(MAR, "growth", facts({JAN: "800"}, {FEB: "growth"})) is None
    # The walk stops at a closed month on another plan.
    assert upgrade_source(MAR, "growth", facts({JAN: "800"},
                                               {JAN: "premium", FEB: "growth"})) is None


def test_the_source_is_what_the_derivation_upgrades_on() -> None:
    cases = [({FEB: "600"}, {}), ({JAN: "700"}, {JAN: "growth", FEB: "growth"}),
             ({JAN: "700"}, {}), ({FEB: "100"}, {JAN: "growth", FEB: "growth"})]
    for fees, closed in cases:
        history = facts(fees, closed)
        derived = derive_plans(history, MAR)
        upgraded = derived[MAR] != derived[FEB]
        source = upgrade_source(MAR, derived[FEB], history)
        assert upgraded == (source is not None), (fees, closed)


def _close(s: Session, org_id: int, month: BillingMonth) -> None:
    growth = s.scalar(select(Plan.id).where(Plan.name == "growth"))
    s.add(MonthClose(org_id=org_id, month=str(month), plan_id=growth, currency="EUR",
                     allowance=2, counted=0, pending_expired=0, overflow=0,
                     overflow_price_cents=2500, charge_cents=0, plan_fee_cents=50000,
                     billing_cycle="monthly", tax_cents=0, escalations_processed=0,
                     closed_at=datetime(2026, 3, 1, 0, 5, tzinfo=UTC)))
    s.flush()


def test_outlook_says_since_when_and_why_after_late_fees(sessions: sessionmaker[Session]) -> None:
    onboarded = datetime(2026, 1, 5, tzinfo=UTC)
    now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    with transaction(sessions) as s:
        org = orgs.create_org(s, name="Late", plan_name="growth", currency="EUR",
                              billing_model="partner-paid", now=onboarded, tz=UTC)
        _close(s, org.id, JAN)
        _close(s, org.id, FEB)
        orgs.set_license_fees(s, org, JAN, Decimal("812.50"), now=now, tz=UTC)
        view = outlook(s, org, now, UTC)
        assert view.plan is not None and view.plan.name == "premium"
        assert view.since is not None and view.since.month == MAR
        assert (view.since.why.reason, view.since.why.fees_month, view.since.why.fees,
                view.since.why.threshold) == ("auto-upgrade", JAN, Decimal("812.50"),
                                              Decimal("500.00"))
        assert view.changes == () and view.next_plan is not None
        assert view.next_plan.name == "premium" and view.fee == Decimal("1000.00")


def test_outlook_lists_planned_changes_with_their_cycle(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    with transaction(sessions) as s:
        for name, price in (("premium", "2700"), ("growth", "1400")):
            plans.edit_plan(s, name, prices={("quarterly", "EUR"): Decimal(price)}, now=now)
        org = orgs.create_org(s, name="Planned", plan_name="growth", currency="EUR",
                              billing_model="partner-paid", now=now, tz=UTC)
        orgs.set_cycle(s, org, "quarterly", now=now, tz=UTC)  # from April
        plans.assign(s, org, plans.get_plan(s, "growth"), BillingMonth(2026, 7), "admin", now,
                     tz=UTC)  # same plan and cycle again: not a change
        view = outlook(s, org, now, UTC)
        assert [(str(c.month), c.plan.name, c.cycle, c.why.reason) for c in view.changes] == [
            ("2026-04", "growth", "quarterly", "admin")]
        assert view.since is not None and view.since.why.reason == "onboarding"
        assert view.cycle is not None and view.cycle.cycle == "monthly"
