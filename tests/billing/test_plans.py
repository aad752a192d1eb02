"""Plans as data, the plan in force from assignments, and the automatic upgrade rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.months import BillingMonth
from billing.plans import (
    DEFAULT_PLANS,
    GROWTH,
    PREMIUM,
    Assignment,
    PlanTerms,
    plan_in_force,
    upgrade_target,
)

M1, M2, M3 = BillingMonth(2026, 1), BillingMonth(2026, 2), BillingMonth(2026, 3)


def test_builtin_plans_match_the_domain() -> None:
    assert (GROWTH.fee, GROWTH.free_escalations, GROWTH.overflow_price) == (500, 2, 25)
    assert (PREMIUM.fee, PREMIUM.free_escalations, PREMIUM.overflow_price) == (1000, 5, 25)
    assert (GROWTH.tam_kind, PREMIUM.tam_kind) == ("community", "dedicated")
    assert PREMIUM.queue_priority > GROWTH.queue_priority
    assert (GROWTH.beta_access, PREMIUM.beta_access) == ("on_request", "invited")
    assert GROWTH.auto_upgrade_to == "premium" and PREMIUM.auto_upgrade_to is None
    assert [p.name for p in DEFAULT_PLANS] == ["growth", "premium"]


def test_plan_in_force_is_latest_effective_on_or_before() -> None:
    history = [Assignment(M1, "growth"), Assignment(M3, "premium")]
    assert plan_in_force(history, BillingMonth(2025, 12)) is None
    assert plan_in_force(history, M1) == "growth"
    assert plan_in_force(history, M2) == "growth"
    assert plan_in_force(history, M3) == "premium"
    assert plan_in_force(history, BillingMonth(2030, 1)) == "premium"
    assert plan_in_force(list(reversed(history)), M2) == "growth"
    assert plan_in_force([], M1) is None


def test_same_month_later_assignment_wins() -> None:
    history = [Assignment(M2, "premium"), Assignment(M2, "growth")]
    assert plan_in_force(history, M2) == "growth"


def test_upgrade_threshold_is_strict() -> None:
    assert upgrade_target(GROWTH, Decimal("500")) is None
    assert upgrade_target(GROWTH, Decimal("500.00")) is None
    assert upgrade_target(GROWTH, Decimal("500.01")) == "premium"
    assert upgrade_target(GROWTH, Decimal("490")) is None
    assert upgrade_target(PREMIUM, Decimal("100000")) is None


def test_seeds_three_month_example() -> None:
    """Fees 490 / 575 / 575+: Growth, Growth, then Premium in month 3 (fees 500/500/1000)."""
    terms = {p.name: p for p in DEFAULT_PLANS}
    history = [Assignment(M1, "growth")]
    fees = {M1: Decimal("490"), M2: Decimal("575"), M3: Decimal("575")}
    seen = []
    for month in (M1, M2, M3):
        plan = terms[plan_in_force(history, month) or ""]
        seen.append((plan.name, plan.fee))
        target = upgrade_target(plan, fees[month])
        if target:
            history.append(Assignment(month.next(), target))
    assert seen == [("growth", 500), ("growth", 500), ("premium", 1000)]
    # The seeds' monthly totals: license fees plus plan fee.
    totals = [fees[m] + fee for m, (_, fee) in zip((M1, M2, M3), seen, strict=True)]
    assert totals == [Decimal("990"), Decimal("1075"), Decimal("1575")]


def test_plan_terms_validate() -> None:
    base = dict(name="x", display_name="X", fee=Decimal("1"), free_escalations=1,
                overflow_price=Decimal("1"))
    PlanTerms(**base)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PlanTerms(**{**base, "fee": Decimal("-1")})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PlanTerms(**{**base, "free_escalations": -1})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PlanTerms(**{**base, "tam_kind": "shared"})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PlanTerms(**{**base, "auto_upgrade_above": Decimal("5")})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PlanTerms(**{**base, "fee": 1.0})  # type: ignore[arg-type]
