"""Plans as data, the plan in force from assignments, and the automatic upgrade rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.months import BillingMonth
from billing.plans import (
    CYCLE_MONTHS,
    CYCLES,
    DEFAULT_PLANS,
    GROWTH,
    PREMIUM,
    Assignment,
    PlanTerms,
    monthly_prices,
    plan_in_force,
    upgrade_target,
)

M1, M2, M3 = BillingMonth(2026, 1), BillingMonth(2026, 2), BillingMonth(2026, 3)


def test_builtin_plans_match_the_domain() -> None:
    for currency in ("EUR", "USD"):
        assert (GROWTH.fee("monthly", currency), GROWTH.free_escalations,
                GROWTH.overflow_price) == (500, 2, 25)
        assert (PREMIUM.fee("monthly", currency), PREMIUM.free_escalations,
                PREMIUM.overflow_price) == (1000, 5, 25)
    for plan in DEFAULT_PLANS:
        assert plan.cycles() == ("monthly",) and plan.fee("quarterly", "EUR") is None
        assert plan.gst_rate is None and plan.plan_type == "usage-based" and plan.enabled
        assert (plan.limit_messages, plan.limit_conversations, plan.limit_team_members) == \
            (None, None, None)
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
        seen.append((plan.name, plan.fee("monthly", "EUR")))
        target = upgrade_target(plan, fees[month])
        if target:
            history.append(Assignment(month.next(), target))
    assert seen == [("growth", 500), ("growth", 500), ("premium", 1000)]
    # The seeds' monthly totals: license fees plus plan fee.
    totals = [fees[m] + fee for m, (_, fee) in zip((M1, M2, M3), seen, strict=True)]
    assert totals == [Decimal("990"), Decimal("1075"), Decimal("1575")]


def test_plan_terms_validate() -> None:
    base = dict(name="x", display_name="X", prices={("monthly", "EUR"): Decimal("1")},
                free_escalations=1, overflow_price=Decimal("1"))
    PlanTerms(**base)  # type: ignore[arg-type]
    bad_values = [
        {"prices": {("monthly", "EUR"): Decimal("-1")}},
        {"prices": {("weekly", "EUR"): Decimal("1")}},
        {"prices": {("monthly", "GBP"): Decimal("1")}},
        {"prices": {("monthly", "EUR"): Decimal("NaN")}},
        {"free_escalations": -1},
        {"overflow_price": Decimal("-1")},
        {"tam_kind": "shared"},
        {"auto_upgrade_above": Decimal("5")},
        {"plan_type": "flat"},
        {"plan_type": "revenue-sharing"},  # without its share
        {"revenue_share": Decimal("10")},  # a share on a usage-based plan
        {"plan_type": "revenue-sharing", "revenue_share": Decimal("0")},
        {"plan_type": "revenue-sharing", "revenue_share": Decimal("100.01")},
        {"gst_rate": Decimal("0")},
        {"gst_rate": Decimal("-5")},
        {"limit_team_members": -1},
    ]
    for change in bad_values:
        with pytest.raises(ValueError):
            PlanTerms(**{**base, **change})  # type: ignore[arg-type]
    for change in ({"prices": {("monthly", "EUR"): 1.0}}, {"overflow_price": 1},
                   {"gst_rate": 10.0}, {"limit_messages": 1.5}, {"limit_messages": True},
                   {"prices": {"monthly": Decimal("1")}}):
        with pytest.raises(TypeError):
            PlanTerms(**{**base, **change})  # type: ignore[arg-type]


def test_catalogue_terms() -> None:
    shared = PlanTerms(
        name="partner", display_name="Partner", free_escalations=3, overflow_price=Decimal("20"),
        plan_type="revenue-sharing", revenue_share=Decimal("12.5"), gst_rate=Decimal("18"),
        prices={("yearly", "USD"): Decimal("9000"), ("monthly", "EUR"): Decimal("800"),
                ("quarterly", "EUR"): Decimal("2300"), ("yearly", "EUR"): Decimal("8800")},
        limit_messages=100_000, limit_conversations=None, limit_team_members=3)
    assert shared.cycles() == ("monthly", "quarterly", "yearly")
    assert shared.fee("quarterly", "EUR") == Decimal("2300")
    assert shared.fee("quarterly", "USD") is None and shared.fee("monthly", "USD") is None
    assert shared.currencies("yearly") == ("EUR", "USD")
    # Prices come out ordered by cycle then currency, and cannot be changed in place.
    assert list(shared.prices) == [("monthly", "EUR"), ("quarterly", "EUR"), ("yearly", "EUR"),
                                   ("yearly", "USD")]
    with pytest.raises(TypeError):
        shared.prices[("monthly", "USD")] = Decimal("1")  # type: ignore[index]
    assert PlanTerms(name="free", display_name="Free", free_escalations=0,
                     overflow_price=Decimal("0")).cycles() == ()
    assert CYCLE_MONTHS == {"monthly": 1, "quarterly": 3, "yearly": 12}
    assert CYCLES == ("monthly", "quarterly", "yearly")
    # Terms with the same content are equal however the prices were given.
    again = PlanTerms(**{**shared.__dict__, "prices": dict(reversed(list(shared.prices.items())))})
    assert again == shared and hash(again) == hash(shared)


def test_monthly_prices_shortcut() -> None:
    assert monthly_prices(Decimal("750")) == {("monthly", "EUR"): Decimal("750"),
                                              ("monthly", "USD"): Decimal("750")}
