"""The plan in force in every month, derived from assignments, license fees and closed months.

docs/billing.md states the rule: a closed month keeps the plan it was billed with; otherwise an
explicit assignment for the month decides it; otherwise the month has the previous month's plan,
upgraded when the license fees of the previous month (and, for the first month not yet closed,
of the closed months before it on the same plan) are strictly above the plan's threshold.
Nothing here depends on the time of day: the plan of M is known from the first instant of M.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from billing.months import BillingMonth


@dataclass(frozen=True)
class UpgradeRule:
    """A plan's automatic upgrade: to `target` when a month's fees are strictly above `above`."""

    above: Decimal
    target: str


@dataclass(frozen=True)
class PlanHistory:
    """The inputs of the derivation for one organization."""

    explicit: Mapping[BillingMonth, str]  # onboarding, admin and partner assignments
    fees: Mapping[BillingMonth, Decimal]  # license fees per month
    closed: Mapping[BillingMonth, str]  # plan each closed month was billed with
    rules: Mapping[str, UpgradeRule]  # plan name -> its automatic upgrade, if it has one


def _upgrade_due(plan: str, month: BillingMonth, history: PlanHistory) -> bool:
    rule = history.rules.get(plan)
    fees = history.fees.get(month)
    return rule is not None and fees is not None and fees > rule.above


def _derive_month(month: BillingMonth, plans: dict[BillingMonth, str],
                  history: PlanHistory) -> str | None:
    if month in history.closed:
        return history.closed[month]
    if month in history.explicit:
        return history.explicit[month]
    previous = plans.get(month.prev())
    if previous is None:
        return None
    rule = history.rules.get(previous)
    if rule is None:
        return previous
    return rule.target if upgrade_source(month, previous, history) is not None else previous


def upgrade_source(month: BillingMonth, previous: str,
                   history: PlanHistory) -> BillingMonth | None:
    """The month whose license fees upgrade `month` from `previous` (the plan of the month
    before it): that month, or with late fees an earlier closed month on the same plan; None
    when no fees upgrade it. Whether `month` is closed or explicitly assigned is not asked."""
    if previous not in history.rules:
        return None
    source = month.prev()
    while True:
        if _upgrade_due(previous, source, history):
            return source
        # Late fees: only through closed months on the same plan, and not past an explicit
        # assignment (an admin's decision is newer than the fees before it). A closed month
        # keeps its closed plan, so the plan of `earlier` is the one it was closed with.
        earlier = source.prev()
        if (source not in history.closed or source in history.explicit
                or history.closed.get(earlier) != previous):
            return None
        source = earlier


def derive_plans(history: PlanHistory, until: BillingMonth) -> dict[BillingMonth, str]:
    """The plan in force in every month from the first assignment (or closed month) to `until`
    inclusive; months before any assignment are absent."""
    starts = list(history.explicit) + list(history.closed)
    if not starts:
        return {}
    month = min(starts)
    plans: dict[BillingMonth, str] = {}
    while month <= until:
        plan = _derive_month(month, plans, history)
        if plan is not None:
            plans[month] = plan
        month = month.next()
    return plans


def horizon(history: PlanHistory, current: BillingMonth) -> BillingMonth:
    """The last month whose plan can differ from the month before it: past it nothing changes."""
    months = [current, *history.explicit, *history.closed, *history.fees]
    return max(months).next()
