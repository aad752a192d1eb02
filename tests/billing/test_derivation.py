"""The derived plan of every month: explicit assignments, fee upgrades, late fees, corrections."""

from __future__ import annotations

from decimal import Decimal

from billing.derivation import PlanHistory, UpgradeRule, derive_plans, horizon
from billing.months import BillingMonth

RULES = {"growth": UpgradeRule(Decimal("500"), "premium")}


def M(text: str) -> BillingMonth:
    return BillingMonth.parse(text)


def plans(explicit: dict[str, str], fees: dict[str, str] | None = None,
          closed: dict[str, str] | None = None, until: str = "2026-12") -> dict[str, str]:
    history = PlanHistory({M(k): v for k, v in explicit.items()},
                          {M(k): Decimal(v) for k, v in (fees or {}).items()},
                          {M(k): v for k, v in (closed or {}).items()}, RULES)
    return {str(k): v for k, v in derive_plans(history, M(until)).items()}


def test_seed_example_490_then_575_upgrades_the_third_month() -> None:
    got = plans({"2026-01": "growth"}, {"2026-01": "490", "2026-02": "575"}, until="2026-04")
    assert got == {"2026-01": "growth", "2026-02": "growth", "2026-03": "premium",
                   "2026-04": "premium"}


def test_exactly_the_threshold_does_not_upgrade() -> None:
    got = plans({"2026-01": "growth"}, {"2026-01": "500.00"}, until="2026-03")
    assert set(got.values()) == {"growth"}


def test_no_plan_before_the_first_assignment_and_fees_before_it_are_ignored() -> None:
    got = plans({"2026-03": "growth"}, {"2026-02": "900"}, until="2026-04")
    assert got == {"2026-03": "growth", "2026-04": "growth"}


def test_fees_of_an_unclosed_month_upgrade_the_next_month_even_when_it_has_begun() -> None:
    # February fees recorded while March is under way and not closed: March is Premium.
    got = plans({"2026-01": "growth"}, {"2026-02": "575"}, closed={"2026-01": "growth"},
                until="2026-03")
    assert got["2026-03"] == "premium"


def test_late_fees_upgrade_the_first_month_not_yet_closed() -> None:
    got = plans({"2026-01": "growth"}, {"2026-01": "900"},
                closed={"2026-01": "growth", "2026-02": "growth"}, until="2026-04")
    assert got == {"2026-01": "growth", "2026-02": "growth", "2026-03": "premium",
                   "2026-04": "premium"}


def test_late_fees_stop_at_an_explicit_assignment() -> None:
    # An admin put the organization on Growth for February after January's fees were known.
    got = plans({"2026-01": "growth", "2026-02": "growth"}, {"2026-01": "900"},
                closed={"2026-01": "growth", "2026-02": "growth"}, until="2026-03")
    assert got["2026-03"] == "growth"


def test_fees_of_the_explicit_month_itself_still_count() -> None:
    got = plans({"2026-01": "growth", "2026-02": "growth"}, {"2026-02": "900"},
                closed={"2026-01": "growth", "2026-02": "growth"}, until="2026-03")
    assert got["2026-03"] == "premium"


def test_an_explicit_assignment_wins_over_the_upgrade_of_its_month() -> None:
    got = plans({"2026-01": "growth", "2026-02": "growth"}, {"2026-01": "900"}, until="2026-03")
    assert got == {"2026-01": "growth", "2026-02": "growth", "2026-03": "growth"}


def test_a_closed_month_keeps_the_plan_it_was_billed_with() -> None:
    got = plans({"2026-01": "growth"}, {"2026-01": "900"},
                closed={"2026-01": "growth", "2026-02": "growth"}, until="2026-02")
    assert got["2026-02"] == "growth"


def test_a_correction_below_the_threshold_takes_the_upgrade_back() -> None:
    assert plans({"2026-01": "growth"}, {"2026-01": "400"}, until="2026-03")["2026-02"] == \
        "growth"


def test_premium_has_no_upgrade_and_a_downgrade_is_only_explicit() -> None:
    got = plans({"2026-01": "premium", "2026-03": "growth"}, {"2026-01": "5", "2026-03": "501"},
                until="2026-05")
    assert [got[f"2026-0{m}"] for m in range(1, 6)] == \
        ["premium", "premium", "growth", "premium", "premium"]


def test_the_horizon_is_past_every_input() -> None:
    history = PlanHistory({M("2026-01"): "growth"}, {M("2026-07"): Decimal("900")}, {}, RULES)
    assert horizon(history, M("2026-03")) == M("2026-08")
    assert derive_plans(history, M("2026-08"))[M("2026-08")] == "premium"
