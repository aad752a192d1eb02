"""Billing cycles: monthly, quarterly, yearly, anchored at the month their assignment starts."""

from __future__ import annotations

from billing.months import BillingMonth

CYCLES = ("monthly", "quarterly", "yearly")
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def check_cycle(cycle: str) -> str:
    """The cycle if known, else ValueError listing the known ones."""
    if cycle not in CYCLE_MONTHS:
        raise ValueError(f"unknown billing cycle {cycle!r}: expected one of {', '.join(CYCLES)}")
    return cycle


def months_between(start: BillingMonth, end: BillingMonth) -> int:
    """How many months `end` is after `start` (negative when before)."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def add_months(month: BillingMonth, count: int) -> BillingMonth:
    """The month `count` months after `month` (before it when negative)."""
    index = month.year * 12 + (month.month - 1) + count
    return BillingMonth(index // 12, index % 12 + 1)


def is_cycle_start(anchor: BillingMonth, cycle: str, month: BillingMonth) -> bool:
    """Whether a cycle anchored at `anchor` starts in `month` (every 1, 3 or 12 months)."""
    between = months_between(anchor, month)
    return between >= 0 and between % CYCLE_MONTHS[check_cycle(cycle)] == 0


def cycle_start(anchor: BillingMonth, cycle: str, month: BillingMonth) -> BillingMonth:
    """The first month of the cycle that `month` (not before `anchor`) falls in."""
    between = months_between(anchor, month)
    if between < 0:
        raise ValueError(f"{month} is before the cycle's first month {anchor}")
    return add_months(month, -(between % CYCLE_MONTHS[check_cycle(cycle)]))


def next_cycle_start(anchor: BillingMonth, cycle: str, after: BillingMonth) -> BillingMonth:
    """The first cycle start strictly after `after` (the anchor itself if it is later)."""
    if after < anchor:
        return anchor
    return add_months(cycle_start(anchor, cycle, after), CYCLE_MONTHS[check_cycle(cycle)])
